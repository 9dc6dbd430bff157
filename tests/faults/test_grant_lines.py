"""A Space's grant as HF's statement tells it: a grant that ended mid-period (an old granted line beside an active paid
one) is paid now, and a line without `freeGrant` (optional in HF's spec) is read from what HF billed, never as "paid".
Driven through the real `python -m hfmon` against the demo fake frozen at Nov 18 15:00 UTC (period ends Dec 1 00:00:
297 hours left); figures worked out by hand from the fake's a10g-small price, 16,667 micro-USD a minute."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from hfmon.schemas import once_schema
from tests.faults.harness import Served

pytestmark = pytest.mark.e2e

SPACE = "ada/community-gpu"  # a10g-small, RUNNING, on a community GPU grant in the demo
A10G_SMALL_PER_HOUR = 0.016667 * 60  # $1.00002/h
FINETUNE_PER_HOUR = 1.50  # ada/forgotten-finetune, a10g-large, the demo's one paid running Space of ada
HOURS_LEFT = 12 * 24 + 9  # Nov 18 15:00 -> Dec 1 00:00
FROZEN = {"HFMON_TEST_FAKE_FROZEN": "1"}  # hfmon's clock stays at 15:00: the hours left are exact


def _lines_of(space: str, change: Callable[[dict[str, Any]], list[dict[str, Any]]]) -> Callable[[Any], Any]:
    """A statement edit replacing the Space's line(s) with what `change` makes of each."""

    def edit(body: Any) -> Any:
        for group, lines in body["usage"].items():
            body["usage"][group] = [new for line in lines
                                    for new in (change(line) if line.get("label") == space else [line])]
        return body

    return edit


def _ended(line: dict[str, Any]) -> list[dict[str, Any]]:
    """The grant ended on Nov 17 10:49: 10,000 granted minutes before, 1,691 paid minutes since (active)."""
    granted = dict(line, quantity=10000, totalCostMicroUSD=0, active=False, freeGrant=True,
                   stoppedAt="2026-11-17T10:49:00.000Z")
    paid = dict(line, quantity=1691, totalCostMicroUSD=1691 * 16667, active=True, freeGrant=False,
                startedAt="2026-11-17T10:49:00.000Z", stoppedAt=None)
    return [granted, paid]


def _space(doc: dict[str, Any]) -> dict[str, Any]:
    return next(s for s in doc["spaces"] if s["id"] == SPACE)


def _meter(doc: dict[str, Any]) -> dict[str, Any]:
    meter: dict[str, Any] = next(m for m in doc["meter"] if m["namespace"] == "ada" and m["kind"] == "spaces")
    return meter["usd_per_hour"]


def test_a_grant_that_ended_is_paid_now(served: Served) -> None:
    served.fault("/api/settings/billing/usage", edit=_lines_of(SPACE, _ended))
    doc = served.run("--once", "--json", "--no-history", **FROZEN).doc()
    jsonschema.validate(doc, once_schema())
    space = _space(doc)
    # was: granted, $0.00/h, $0.00 to the period's end
    assert space["granted"] is False
    assert space["cost_per_hour_usd"] == pytest.approx(A10G_SMALL_PER_HOUR)
    assert space["to_period_end_usd"] == pytest.approx(HOURS_LEFT * A10G_SMALL_PER_HOUR)  # $297.01
    assert space["billed_usd"] == pytest.approx(1691 * 0.016667)  # $28.18, the paid line only
    meter = _meter(doc)  # was $1.50/h, complete
    assert meter["complete"] is True and meter["value"] == pytest.approx(FINETUNE_PER_HOUR + A10G_SMALL_PER_HOUR)
    row = next(c for c in doc["crosscheck"] if c["item"] == f"space {SPACE} a10g-small")
    assert "1 of 2 lines granted: not paid by the account" in row["note"] and "still accruing" in row["note"]
    assert row["status"] == "ok"
    text = served.run("--once", "--no-history", **FROZEN).stdout
    assert any(SPACE in line and "$1.00/h" in line for line in text.splitlines()), text


def test_an_active_granted_line_and_an_active_paid_one_make_the_grant_unknown(served: Served) -> None:
    def both_active(line: dict[str, Any]) -> list[dict[str, Any]]:
        granted, paid = _ended(line)
        return [dict(granted, active=True, stoppedAt=None), paid]

    served.fault("/api/settings/billing/usage", edit=_lines_of(SPACE, both_active))
    doc = served.run("--once", "--json", "--no-history").doc()
    space = _space(doc)
    assert space["granted"] is None and space["cost_per_hour_usd"] is None
    meter = _meter(doc)  # at least forgotten-finetune's $1.50/h, the Space's part missing as a maybe-grant
    assert meter["complete"] is False and meter["at_least"] == pytest.approx(FINETUNE_PER_HOUR)
    assert f"grant:space {SPACE} (a10g-small)" in meter["missing"]


def _no_grant_field(line: dict[str, Any]) -> list[dict[str, Any]]:
    return [{k: v for k, v in line.items() if k != "freeGrant"}]


def test_a_line_without_free_grant_that_hf_bills_nothing_is_granted(served: Served) -> None:
    served.fault("/api/settings/billing/usage", edit=_lines_of(SPACE, _no_grant_field))
    doc = served.run("--once", "--json", "--no-history").doc()
    jsonschema.validate(doc, once_schema())
    space = _space(doc)
    # was: granted false, $1.00002/h, $297.01 to the period's end, a -$194.85 drift
    assert space["granted"] is True and space["cost_per_hour_usd"] == 0 and space["to_period_end_usd"] == 0
    meter = _meter(doc)  # was $2.50002/h
    assert meter["complete"] is True and meter["value"] == pytest.approx(FINETUNE_PER_HOUR)
    row = next(c for c in doc["crosscheck"] if c["item"] == f"space {SPACE} a10g-small")
    assert row["status"] == "ok" and row["recomputed_usd"] == 0 and row["billed_usd"] == 0
    assert not [c for c in doc["crosscheck"] if c["status"] == "drift" and c["item"].startswith("total spaces ada")]
    assert not [f for f in doc["flags"] if SPACE in f.get("message", "") and "sleep" in f.get("message", "")]


def test_a_line_without_free_grant_that_has_billed_nothing_yet_leaves_the_grant_unknown(served: Served) -> None:
    def just_started(line: dict[str, Any]) -> list[dict[str, Any]]:
        return [dict(_no_grant_field(line)[0], quantity=0, totalCostMicroUSD=0, active=True)]

    served.fault("/api/settings/billing/usage", edit=_lines_of(SPACE, just_started))
    doc = served.run("--once", "--json", "--no-history").doc()
    space = _space(doc)
    assert space["granted"] is None and space["cost_per_hour_usd"] is None  # never a paid $1.00/h, never $0
    meter = _meter(doc)
    assert meter["complete"] is False and meter["at_least"] == pytest.approx(FINETUNE_PER_HOUR)
    assert f"grant:space {SPACE} (a10g-small)" in meter["missing"]
