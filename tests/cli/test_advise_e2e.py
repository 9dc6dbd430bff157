"""End to end: `hfmon advise` against the fake on loopback, its savings recomputed from the scenario by hand."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from tests.cli.test_once_e2e import Served, fake  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e

D = Decimal
MONTH_H = D(730)
NEEDED_H = (D(8) + D(15) / 60) * 5 * MONTH_H / 168  # the judged assumption: busy 8 h a day, 5 days a week


def close(value: float | None, want: Decimal) -> bool:
    return value is not None and abs(D(str(value)) - want) <= D("0.000001")


def test_advise_json_savings_and_what_if_bill(fake: Callable[..., Served]) -> None:  # noqa: F811
    served = fake()
    run = served.run("advise", "--json")
    assert run.code == 0, run.stderr
    doc = run.doc()
    scn = served.hub.scenario
    findings = {(f["kind"], f["resource"]): f for f in doc["findings"]}
    qwen = next(e for e in scn.endpoints if e.id == "ada-labs/qwen-prod")
    a10g_large = scn.space_flavor("a10g-large")
    assert a10g_large is not None
    want = {("cannot_scale_to_zero", "endpoint ada-labs/qwen-prod"): qwen.compute.price_per_hour * 2,
            ("no_sleep_time", "space ada/forgotten-finetune"): D(a10g_large.unit_micro_usd) * 60 / 10**6}
    for key, per_hour in want.items():
        assert close(findings[key]["saving_usd_month"], (per_hour * (MONTH_H - NEEDED_H)).quantize(D("0.000001")))
        assert findings[key]["confidence"] == "judged"
    # one poll is no history: the measured savings are unknown (null), and so the total is partial
    assert findings[("idle_timeout_tail", "endpoint ada-labs/reranker")]["saving_usd_month"] is None
    assert doc["total_saving_usd_month"]["complete"] is False
    assert "unknown:space ada/whisper-api" in doc["total_saving_usd_month"]["missing"]
    # ...but the reranker's hardware saving is known after one poll (the statement's billed minutes): the total
    # counts that one for it, not its unknown timeout saving
    assert "unknown:endpoint ada-labs/reranker" not in doc["total_saving_usd_month"]["missing"]
    assert findings[("oversized_hardware", "endpoint ada-labs/reranker")]["saving_usd_month"] is not None
    assert findings[("cannot_scale_to_zero", "endpoint ada-labs/qwen-prod")]["apply"]["cli"] == (
        "hf endpoints update qwen-prod --namespace ada-labs --min-replica 0 --scale-to-zero-timeout 15")
    # the what-if bill starts from what `once` says was billed, and each line is the bill less its saving
    once = served.run("once", "--json").doc()
    billed = {s["namespace"]: s["total_usd"]["value"] for s in once["spend"]}
    for bill in doc["what_if"]:
        assert bill["so_far_usd"] == billed.get(bill["namespace"]), bill["namespace"]
        for line in bill["lines"]:
            if line["saving_so_far_usd"] is None or bill["so_far_usd"] is None:  # an unknown part: the line too
                assert line["so_far_usd"] is None and line["month_usd"] is None
                continue
            assert close(line["so_far_usd"], D(str(bill["so_far_usd"])) - D(str(line["saving_so_far_usd"])))
            assert close(line["month_usd"], D(str(bill["month_usd"])) - D(str(line["saving_month_usd"])))
    assert {(s["schedule"], s["runs"]) for s in doc["scheduled_next_month"]} == {
        ("0 3 * * *", 31), ("0 22 * * 6", 4), ("30 12 * * *", 0)}  # December 2026; the last one is suspended


def test_advise_text_says_what_to_run(fake: Callable[..., Served]) -> None:  # noqa: F811
    served = fake()
    run = served.run("advise")
    assert run.code == 0, run.stderr
    assert run.stdout.startswith("At least $")  # measured savings unknown after one poll: a partial total
    assert "hf spaces settings ada/forgotten-finetune --sleep-time 900" in run.stdout
    assert "saving unknown" in run.stdout
    assert "What-if bill" in run.stdout
