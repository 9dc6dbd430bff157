"""End to end: the real `hfmon exporter` process against the fake Hugging Face on loopback, scraped over HTTP."""

from __future__ import annotations

import shutil
import subprocess
from decimal import Decimal
from typing import Any

import pytest

from hfmon.fakehub import FULL_TOKEN, NO_BILLING_TOKEN
from hfmon.fakehub.faults import RouteFault
from tests.costs import scenario_expect as expect
from tests.exporter.running import HFMON, exporter
from tests.fakehub.conftest import HUB, get_json, over_its_period
from tests.faults.harness import Served

pytestmark = pytest.mark.e2e


def lab(account: str = "default", **labels: str) -> frozenset[tuple[str, str]]:
    return frozenset({"account": account, **labels}.items())


def test_the_exporter_serves_the_accounts_figures(served: Served) -> None:
    with exporter("--no-history", env=served.env()) as running:
        metrics = running.after_polls(1)
        text = running.text()
        scn = served.hub.scenario
        per_hour = metrics["hfmon_cost_per_hour_usd"]
        for ep_id, want in expect.endpoints(scn, scn.start).items():
            ns, name = ep_id.split("/")
            [value] = [v for k, v in per_hour.items() if dict(k)["kind"] == "endpoint"
                       and dict(k)["namespace"] == ns and dict(k)["name"] == name]
            assert value == pytest.approx(float(want.cost_per_hour)), ep_id
        assert set(metrics["hfmon_source_up"].values()) == {1.0}
        assert metrics["hfmon_account_info"] == {lab(user=scn.user.name, plan="pro"): 1.0}
    assert running.proc.returncode == 0  # SIGTERM stops it cleanly
    assert FULL_TOKEN not in text and FULL_TOKEN not in "".join(running.stderr)
    promtool = shutil.which("promtool")
    if promtool:  # also run on its own in test_prometheus.py, which says when it is skipped
        check = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True, text=True,
                               timeout=60)
        assert check.returncode == 0, check.stdout + check.stderr


def test_it_keeps_serving_with_source_up_0_when_hugging_face_fails(served: Served) -> None:
    served.hub.route_faults.append(RouteFault("*", status=503, reason="Service Unavailable"))
    with exporter("--no-history", env=served.env()) as running:
        metrics = running.after_polls(1)
        assert metrics["hfmon_source_up"] and set(metrics["hfmon_source_up"].values()) == {0.0}
        assert "hfmon_cost_per_hour_usd" not in metrics  # nothing known: absent, never 0
        assert "hfmon_credits_used_usd" not in metrics
        assert running.proc.poll() is None


def test_a_port_in_use_is_a_clear_usage_error(served: Served) -> None:
    with exporter("--no-history", env=served.env()) as first:
        done = subprocess.run([*HFMON, "exporter", "--no-history", "--port", str(first.port)],
                              env=served.env(), capture_output=True, text=True, timeout=60)
    assert done.returncode == 2
    assert f"cannot listen on 127.0.0.1:{first.port}" in done.stderr
    assert "--port" in done.stderr


def test_one_exporter_watches_each_profile_with_its_own_token(served: Served) -> None:
    config = served.home / "config.toml"
    config.write_text('[profiles.team]\ntoken_env = "TEAM_HF_TOKEN"\n\n'
                      '[profiles.intern]\ntoken_env = "INTERN_HF_TOKEN"\nnamespaces = ["ada"]\n')
    env = served.env(token=None, TEAM_HF_TOKEN=FULL_TOKEN, INTERN_HF_TOKEN=NO_BILLING_TOKEN)
    with exporter("--no-history", "--config", str(config), env=env) as running:
        metrics = running.after_polls(1)
    assert {dict(k)["account"] for k in metrics["hfmon_polls_total"]} == {"team", "intern"}
    # team's token reads billing; intern's (fine-grained, no billing read) does not, and says so.
    assert lab("team", namespace="ada") in metrics["hfmon_credits_used_usd"]
    assert not any(dict(k)["account"] == "intern" for k in metrics["hfmon_credits_used_usd"])
    intern_billing = lab("intern", source="billing:ada", namespace="ada")
    assert metrics["hfmon_source_no_access"][intern_billing] == 1.0
    assert metrics["hfmon_source_up"][intern_billing] == 1.0  # answered: not a failure
    # intern watches only the namespace its profile names; both see the same endpoint at the same $/h.
    intern_ns = {dict(k)["namespace"] for k in metrics["hfmon_cost_per_hour_usd"] if dict(k)["account"] == "intern"}
    assert intern_ns == {"ada"}
    rate = {dict(k)["account"]: v for k, v in metrics["hfmon_cost_per_hour_usd"].items()
            if dict(k)["name"] == "llama-chat"}
    assert rate["team"] == rate["intern"] > 0
    for secret in (FULL_TOKEN, NO_BILLING_TOKEN):
        assert secret not in "".join(running.stderr)


def test_sigterm_during_a_stalled_poll_stops_it_cleanly(served: Served) -> None:
    served.hub.faults.stall_rate = 1.0  # every request hangs past the client's timeout
    served.hub.faults.stall_seconds = 30.0
    with exporter("--no-history", env=served.env()) as running:
        assert running.metrics()["hfmon_polls_total"] == {lab(): 0.0}  # the first poll is still waiting
    # Stopped by SIGTERM within the grace period, not killed: the poll under way was cancelled.
    assert running.proc.returncode == 0, "".join(running.stderr)


def test_credits_whose_included_amount_is_unknown_are_absent_never_zero(served: Served) -> None:
    def drop_included(body: dict[str, Any]) -> dict[str, Any]:
        del body["usage"]["inferenceProviders"]["includedNanoUsd"]
        return body

    served.hub.route_faults.append(RouteFault("/api/settings/billing/usage-v2", edit=drop_included))  # ada's only
    with exporter("--no-history", env=served.env()) as running:
        metrics = running.after_polls(1)
    for family in ("hfmon_credits_included_usd", "hfmon_credits_remaining_usd", "hfmon_credits_overage_usd",
                   "hfmon_credits_exhausted_timestamp_seconds"):
        assert "ada" not in {dict(k)["namespace"] for k in metrics.get(family, {})}, family  # absent, never 0
    assert "ada-labs" in {dict(k)["namespace"] for k in metrics["hfmon_credits_included_usd"]}
    # what ada used is known: usage-v2's usedNanoUsd, to the micro-dollar
    body = get_json(served.hub, over_its_period(served.hub, f"{HUB}/api/settings/billing/usage-v2"))
    want = Decimal(body["usage"]["inferenceProviders"]["usedNanoUsd"]) / 10**9
    assert metrics["hfmon_credits_used_usd"][lab(namespace="ada")] == pytest.approx(float(want))
