"""A ZeroGPU Space's GPU time over the daily quota is in the spend windows, or they say it is missing (audit 8 E8).

The demo (seed 7, no discrepancies), `--namespace ada`, the Monitor polling every 10 min from Nov 13 12:00 to 17:00
(the fake's clock and hfmon's the same). ada/chat-demo runs on ZeroGPU (`zero-a10g`, free to host: $0/h) all along
(one RUNNING stretch since Nov 2, so no change between polls hides anything); ada/whisper-api is left out (its own
flips between polls would make the Spaces part "at least" anyway). ada/forgotten-finetune (a10g-large, $1.50/h) runs
all through. HF bills chat-demo's GPU-minutes over the quota at $1 per 10 (hf-api.md 0.5) in one statement line per
period: 18 min from 16:30 today ($1.80), and in the demo as shipped 12 min more on Nov 6 10:00 ($1.20).

The last hour, 16:00 -> 17:00, by the fake's own lines: forgotten-finetune $1.50 + chat-demo's overage $1.80 = Spaces
$3.30. hfmon priced Spaces from history only (chat-demo at $0/h) and said "$1.50", complete.
- As shipped, the line runs Nov 6 10:00 -> Nov 13 16:48: how much of its $3.00 is in the hour the statement alone
  does not say. History keeps each poll's total (note 15, "Noticed": such an hour read unknown): polled every 7 min,
  the hour is 16:01 -> 17:01, and the polls at 15:57 and 16:04 both read $1.20 (Nov 6's 12 minutes): by 16:01 the
  line had billed $1.20, by 17:01 $3.00, so the hour holds $1.80: Spaces $3.30, complete.
- Today's overage from 15:55 instead: the polls at 15:57 and 16:04 read $1.40 and $2.10, the line grew between
  them: Spaces at least $1.50, missing `zero_gpu:space ada/chat-demo`.
- With only today's overage, the line runs 16:30 -> 16:48, inside the hour: Spaces $1.50 + $1.80 = $3.30, complete;
  the hour before (15:00 -> 16:00) holds none of it: $1.50, complete.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema

from hfmon.fakehub import demo_scenario
from hfmon.fakehub.scenario import Scenario, SpaceDef
from hfmon.fakehub.timeline import Interval
from hfmon.jsonout import report_document
from hfmon.report import Report
from hfmon.schemas import once_schema
from hfmon.tui.rows_time import window_unread
from tests.monitor.polling import polled_until
from tests.store.test_zero_gpu_points import v15_file

CHAT = "ada/chat-demo"
TODAY_OVERAGE = (datetime(2026, 11, 13, 16, 30, tzinfo=UTC), 18)


def scenario(overage: tuple[tuple[datetime, int], ...] | None = None) -> Scenario:
    """The demo with chat-demo RUNNING on ZeroGPU since Nov 2 (its overage as shipped, or `overage`)."""
    base = demo_scenario(seed=7, discrepancies=False)

    def steady(space: SpaceDef) -> SpaceDef:
        if space.id != CHAT:
            return space
        running = replace(space, timeline=(Interval(datetime(2026, 11, 2, 10, tzinfo=UTC), None, "RUNNING", 1,
                                                    "zero-a10g"),))
        return running if overage is None else replace(running, zero_gpu_overage=overage)
    return replace(base, spaces=tuple(steady(s) for s in base.spaces if s.id != "ada/whisper-api"))


async def five_pm(tmp_path: Path, scn: Scenario) -> Report:
    """The Report of the 17:00 poll, polled every 10 min since 12:00."""
    return await polled_until(tmp_path, scn, datetime(2026, 11, 13, 12, tzinfo=UTC),
                              datetime(2026, 11, 13, 17, tzinfo=UTC), 600)


def last_hour(report: Report, which: str = "current") -> dict[str, Any]:
    doc = report_document(report)
    jsonschema.validate(doc, once_schema())
    (row,) = [n[which] for n in doc["windows"]["1h"]["namespaces"] if n["namespace"] == "ada"]
    return dict(row)


async def every_7_min(tmp_path: Path, scn: Scenario) -> Report:
    """The Report of the 17:01 poll, polled every 7 min since 12:00 (no poll at 16:01, the hour's start)."""
    return await polled_until(tmp_path, scn, datetime(2026, 11, 13, 12, tzinfo=UTC),
                              datetime(2026, 11, 13, 17, tzinfo=UTC), 420)


async def test_an_hour_inside_a_multi_day_line_holds_what_the_polls_around_its_start_say(tmp_path: Path) -> None:
    v15_file(tmp_path / "h.db")  # a history file from before the polls' totals were kept: upgraded, then kept
    report = await every_7_min(tmp_path, scenario())
    hour = last_hour(report)
    assert (hour["start"], hour["end"]) == ("2026-11-13T16:01:00Z", "2026-11-13T17:01:00Z")
    assert Decimal(str(hour["spaces_usd"])) == Decimal("3.30")  # was unknown: $1.50 + ($3.00 - $1.20)
    # (the Jobs' part: ended Jobs are listed every 10 min, so polls 7 min apart leave a stretch unlisted)
    assert all(not m.startswith("zero_gpu") for m in hour["total_usd"]["missing"]), hour["total_usd"]


async def test_an_overage_growing_across_the_hours_start_makes_the_spaces_at_least(tmp_path: Path) -> None:
    report = await every_7_min(tmp_path, scenario(((datetime(2026, 11, 6, 10, tzinfo=UTC), 12),
                                                   (datetime(2026, 11, 13, 15, 55, tzinfo=UTC), 18))))
    hour = last_hour(report)
    assert (hour["start"], hour["end"]) == ("2026-11-13T16:01:00Z", "2026-11-13T17:01:00Z")
    assert hour["spaces_usd"] is None  # the polls at 15:57 and 16:04 read $1.40 and $2.10
    assert f"zero_gpu:space {CHAT}" in hour["total_usd"]["missing"]
    (whole,) = [w for w in report.windows if w.window == "1h" and w.namespace == "ada"]
    assert whole.current.part("spaces", "ada").known == Decimal("1.50")  # forgotten-finetune, kept as the "at least"
    why = window_unread(report, "ada", "1h")
    assert why is not None and "1 on ZeroGPU (GPU time over the quota is billed, when: unknown)" in why


async def test_an_overage_the_statement_places_in_the_window_is_counted(tmp_path: Path) -> None:
    report = await five_pm(tmp_path, scenario((TODAY_OVERAGE,)))
    hour = last_hour(report)
    assert Decimal(str(hour["spaces_usd"])) == Decimal("3.30")  # $1.50 + 18 GPU-min at $1 per 10
    assert hour["total_usd"]["complete"] is True, hour["total_usd"]
    before = last_hour(report, "previous")  # 15:00 -> 16:00: the overage began after it
    assert Decimal(str(before["spaces_usd"])) == Decimal("1.50"), before["total_usd"]
    assert all(not m.startswith("zero_gpu") for m in before["total_usd"]["missing"]), before["total_usd"]
