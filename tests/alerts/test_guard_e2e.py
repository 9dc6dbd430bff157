"""End to end: `hfmon guard` against the fake Hugging Face on loopback, one run per exit code."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.cli.test_once_e2e import SECRET, Served, assert_no_token, fake
from tests.cli.test_once_unknown import run_unreachable

pytestmark = pytest.mark.e2e
__all__ = ["fake"]


def test_no_condition_is_a_usage_error(fake: Callable[..., Served]) -> None:
    run = fake().run("guard")
    assert run.code == 2 and "at least one condition" in run.stderr
    bad = fake().run("guard", "--max-cost-per-hour-usd", "lots")
    assert bad.code == 2 and "expected a number of USD" in bad.stderr


def test_conditions_that_hold_exit_0_and_one_that_fails_exits_1(fake: Callable[..., Served]) -> None:
    served = fake()
    ok = served.run("--namespace", "ada", "guard", "--max-cost-per-hour-usd", "1000000",
                    "--max-projected-usd", "1000000", "--max-overage-usd", "1000000", "--json")
    assert ok.code == 0, ok.stdout + ok.stderr
    doc = json.loads(ok.stdout)
    assert doc["result"] == "ok" and {c["outcome"] for c in doc["checks"]} == {"ok"}
    # a --namespace poll's running cost is of ada alone, never "the account's" (audit 3, finding 21)
    assert {c["subject"] for c in doc["checks"]} == {"ada", "only ada polled"}
    # ada has an endpoint running (the scenario's embedder replica bills while up): more than $0/h
    failed = served.run("guard", "--namespace", "ada", "--max-cost-per-hour-usd", "0")
    assert failed.code == 1, failed.stdout + failed.stderr
    assert failed.stdout.startswith("FAIL    running cost now (only ada polled): $")
    assert "above the limit $0.00/h" in failed.stdout


def test_a_namespace_whose_billing_the_token_cannot_read_exits_5(fake: Callable[..., Served]) -> None:
    run = fake().run("guard", "--max-projected-usd", "1000000")
    assert run.code == 5, run.stdout + run.stderr
    assert "UNKNOWN projected Inference Providers usage this period (northwind)" in run.stdout
    assert "--namespace" in run.stdout


def test_a_rejected_token_exits_3(fake: Callable[..., Served]) -> None:
    run = fake().run("guard", "--max-projected-usd", "1", token=SECRET)
    assert run.code == 3
    assert "token was rejected" in run.stdout
    assert_no_token(run, SECRET)


def test_nothing_reachable_exits_4(tmp_path: Path) -> None:
    run = run_unreachable(tmp_path, "guard", "--max-cost-per-hour-usd", "5")
    assert run.code == 4, run.stdout + run.stderr
    assert "no source answered" in run.stdout


HOOK = "import sys; open(sys.argv[1], 'a').write(sys.stdin.read())"


def test_once_fires_a_configured_alert_once_across_runs_and_the_hook_gets_it(fake: Callable[..., Served],
                                                                            tmp_path: Path) -> None:
    import sys

    got = tmp_path / "hook.jsonl"
    config = tmp_path / "config.toml"
    config.write_text("[alerts]\nmax_cost_per_hour_usd = 0\n"
                      f"hook = {json.dumps([sys.executable, '-c', HOOK, str(got)])}\n")
    served = fake()
    first = served.run("once", "--json", "--namespace", "ada", "--config", str(config))
    assert first.code == 0, first.stderr
    assert "hfmon: alert: running cost now (only ada polled): $" in first.stderr
    json.loads(first.stdout)  # stdout is still the JSON document alone
    second = served.run("once", "--json", "--namespace", "ada", "--config", str(config))  # same history file
    assert second.code == 0 and "alert:" not in second.stderr
    (line,) = got.read_text().splitlines()
    doc = json.loads(line)
    assert doc["rule"] == "max_cost_per_hour_usd" and doc["subject"] == "only ada polled" and doc["limit"] == 0.0
    assert doc["value"] == json.loads(first.stdout)["running_cost_per_hour_usd"]["value"]


def test_a_namespace_threshold_for_no_namespace_of_the_account_is_reported_never_checked(
        fake: Callable[..., Served], tmp_path: Path) -> None:
    """audit 3, finding 13: `[alerts.namespace.ada-lab]` (a typo of ada-labs) was silently never checked."""
    config = tmp_path / "config.toml"
    config.write_text("[alerts.namespace.ada-lab]\nmax_cost_per_hour_usd = 0\n")
    served = fake()
    typo = served.run("--no-history", "once", "--json", "--config", str(config))
    assert typo.code == 0, typo.stderr
    assert typo.stderr == ("hfmon: [alerts.namespace.ada-lab] is never checked: ada-lab is not ada or one of its "
                           "orgs (ada, ada-labs, northwind); check the name in the config file\n")
    config.write_text("[alerts.namespace.ada-labs]\nmax_cost_per_hour_usd = 0\n")
    right = served.run("--no-history", "once", "--json", "--config", str(config))
    assert right.stderr.startswith("hfmon: alert: running cost now (ada-labs): ")
    assert "never checked" not in right.stderr
