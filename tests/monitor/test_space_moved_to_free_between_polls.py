"""A Space moved from paid to free hardware between two polls (audit 9 F2). Polled every 10 min, Nov 18 13:00 ->
15:00, ada/forgotten-finetune runs on a10g-large ($1.50/h) until 14:08, builds on cpu-basic 14:08-14:09 and runs on
cpu-basic from 14:09. hfmon recorded 14:00-14:10 as between polls on cpu-basic (the later side's hardware), which
costs a known $0: ada's 1 h window read Spaces $0.00 and the total $1.343678, complete. True, by the fake's lines for
[14:00, 15:00): 8 min of a10g-large, $0.20; total $1.543678. The stretch is now between polls on both hardware: the
Spaces part unknown, the total at least $1.343678 (never more than HF bills) and naming the Space."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hfmon.fakehub import billing, demo_scenario
from hfmon.fakehub.scenario import SpaceDef
from hfmon.fakehub.timeline import Interval
from hfmon.jsonout import report_document
from tests.monitor.polling import polled_until


def _at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 18, hour, minute, tzinfo=UTC)


def _moved(space: SpaceDef, hardware: str) -> SpaceDef:
    """forgotten-finetune on a10g-large until 14:08, then built and running on `hardware`."""
    if space.id != "ada/forgotten-finetune":
        return space
    kept = [iv for iv in space.timeline if iv.start < _at(14, 8)]
    kept[-1] = replace(kept[-1], end=_at(14, 8))
    return replace(space, requested_hardware=hardware,
                   timeline=(*kept, Interval(_at(14, 8), _at(14, 9), "BUILDING", 1, hardware),
                             Interval(_at(14, 9), None, "RUNNING", 1, hardware)))


@pytest.mark.parametrize("hardware", ["cpu-basic", "zero-a10g"])
async def test_a_space_moved_from_paid_to_free_hardware_between_polls_is_not_priced_at_zero(
        tmp_path: Path, hardware: str) -> None:
    scenario = demo_scenario(seed=7, discrepancies=False)
    scenario = replace(scenario, spaces=tuple(_moved(s, hardware) for s in scenario.spaces))
    report = await polled_until(tmp_path, scenario, _at(13, 0), _at(15, 0), 600)
    lines = billing.space_lines(scenario, "ada", _at(14, 0), _at(15, 0), _at(15, 0))
    paid = sum(Decimal(line.total_micro_usd) for line in lines if line.label == "ada/forgotten-finetune") / 10**6
    assert paid == Decimal("0.2")  # 8 min of a10g-large at $1.50/h
    (hour,) = [n["current"] for n in report_document(report)["windows"]["1h"]["namespaces"]
               if n["namespace"] == "ada"]
    assert hour["spaces_usd"] is None  # was 0.0, complete
    total = hour["total_usd"]
    assert (total["value"], total["complete"]) == (None, False)  # was 1.343678, complete (true 1.543678)
    assert "between_polls:space ada/forgotten-finetune" in total["missing"]
    assert Decimal(str(total["at_least"])) <= Decimal("1.543678")
