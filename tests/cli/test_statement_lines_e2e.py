"""End to end: statement lines read for what they are. A ZeroGPU line is GPU time over the quota at $1 per 10
minutes, not hosting; a line billing a positive price for hardware hfmon prices at $0/h makes that recomputation and
the resource's $/h now unknown, never a known $0."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from typing import Any

import pytest

from hfmon.fakehub import demo_scenario
from hfmon.fakehub.scenario import Discrepancy, Scenario
from tests.cli.test_once_e2e import Served, fake  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e

ADA = ("--no-history", "--namespace", "ada")


def row(doc: dict[str, Any], kind: str, key: str) -> dict[str, Any]:
    return next(r for r in doc[kind] if r["id"] == key)


def check(doc: dict[str, Any], item: str) -> dict[str, Any]:
    return next(c for c in doc["crosscheck"] if c["item"] == item)


def test_a_zero_gpu_line_is_quota_overage_not_hosting(fake: Callable[..., Served]) -> None:  # noqa: F811
    served = fake()
    doc = served.run("--once", "--json", *ADA).doc()
    # chat-demo went 12 + 18 = 30 GPU-minutes over the daily quota: 30 x $1/10 min = $3.00 billed and recomputed
    # (it read "recomputed $0.00, drift +$3.00" when the line was priced as ZeroGPU hosting at $0/h)
    line = check(doc, "space ada/chat-demo zero-a10g")
    assert (line["status"], line["billed_usd"], line["recomputed_usd"], line["delta_usd"]) == ("ok", 3.0, 3.0, 0.0)
    assert "ZeroGPU GPU-minutes over the daily quota, not hosting time" in line["note"]
    space = row(doc, "spaces", "ada/chat-demo")
    assert (space["billed_usd"], space["recomputed_usd"]) == (3.0, 3.0)
    # hosting on ZeroGPU is not billed (0 hours), and 30 GPU-minutes say nothing of its uptime: unknown without
    # history (it read 0.5 billed hours and 0.12% uptime for a Space RUNNING for most of the period)
    assert space["billed_hours"] == 0 and space["uptime_pct"] is None and space["uptime_at_least_pct"] is None
    assert space["uptime_why"] == "no polls of it in history"  # --no-history: the null says why, for scripts too
    assert space["cost_per_hour_usd"] == 0  # ZeroGPU costs nothing an hour: its overage is billed by GPU time
    assert check(doc, "total spaces ada")["status"] == "ok"
    text = served.run("--once", *ADA).stdout
    assert "chat-demo" not in "\n".join(t for t in text.splitlines() if "drift" in t)


def billed_at_zero() -> Scenario:
    """The demo with ada/portfolio (static, cpu-basic, priced $0/h by the live catalog, RUNNING since 06:40)
    billed 1,000 micro-USD a minute ($0.06/h) by its statement, whose line is still accruing."""
    base = demo_scenario(seed=7)
    return replace(base, discrepancies=(*base.discrepancies, Discrepancy("unit_price", "ada/portfolio", 1000)))


def test_a_line_billing_what_hfmon_prices_at_zero_is_unknown_not_zero(fake: Callable[..., Served]) -> None:  # noqa: F811
    plain = fake().run("--once", "--json", *ADA).doc()
    served = fake(billed_at_zero())
    doc = served.run("--once", "--json", *ADA).doc()
    line = check(doc, "space ada/portfolio cpu-basic")
    # it read "recomputed $0.00": a $0/h price HF's own line contradicts is not a recomputation
    assert line["status"] == "unpriced" and line["recomputed_usd"] is None and line["billed_usd"] > 0
    assert "HF bills a price hfmon has as $0/h" in line["note"] and "still accruing" in line["note"]
    assert check(doc, "total spaces ada")["recomputed_usd"] is None
    space = row(doc, "spaces", "ada/portfolio")
    # it read "$0.00/h now" and nothing more to the period's end: HF's line says it is billing now
    assert space["cost_per_hour_usd"] is None and space["to_period_end_usd"] is None and space["recomputed_usd"] is None
    assert space["price_per_hour_usd"] == 0  # the catalog's figure is still shown for what it is
    meter = doc["running_cost_per_hour_usd"]
    assert meter["value"] is None and meter["missing"] == ["billed_at_zero:space ada/portfolio (cpu-basic)"]
    assert meter["at_least"] == plain["running_cost_per_hour_usd"]["value"]  # everything else, as without it
    text = served.run("--once", *ADA).stdout
    assert "not in it: 1 billed now at a price hfmon has as $0/h" in text
    guard = served.run("guard", *ADA, "--max-cost-per-hour-usd", "100")
    assert guard.code != 0  # the $/h now is unknown: never "ok"
