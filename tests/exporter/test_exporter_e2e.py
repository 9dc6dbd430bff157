"""End to end: the real `hfmon exporter` process against the fake Hugging Face on loopback, scraped over HTTP."""

from __future__ import annotations

import shutil
import subprocess
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.fakehub.server import serve
from tests.costs import scenario_expect as expect
from tests.exporter.running import HFMON, exporter
from tests.faults.harness import Served

pytestmark = pytest.mark.e2e


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    scenario = demo_scenario(seed=7)
    frozen: datetime = scenario.start
    hub = FakeHub(scenario, now=lambda: frozen)
    with serve(hub, port=0) as server:
        yield Served(hub, server.base_url, tmp_path)


def lab(**labels: str) -> frozenset[tuple[str, str]]:
    return frozenset({"account": "default", **labels}.items())


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
