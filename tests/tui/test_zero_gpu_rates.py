"""A ZeroGPU Space past the daily quota: the dashboard's $/h now and its 24 h sparkline say what HF's statement bills
for its GPU time, or unknown, never $0/h (note 14, "Noticed": they read $0.00/h and a flat $0 line).

The demo (seed 7, no discrepancies), `--namespace ada`, polled every 10 min for the 3 hours before (the fake's clock
and hfmon's the same; the sparkline's hours before are unknown: no history). ada/chat-demo runs on ZeroGPU
(`zero-a10g`, free to host) all along; its only overage is 18 GPU-minutes from Nov 13 16:30, which HF bills at $1 per
10 (hf-api.md 0.5) in one statement line: at 16:45 the line has 15 minutes ($1.50) and still accrues; at 17:00 it
holds all 18 ($1.80), 16:30 -> 16:48. The user's quota is spent from 16:30 until it resets (Nov 14 09:12): every
GPU-minute chat-demo uses bills, at a rate no source gives.
- $/h now: unknown (it was "$0.00/h"), and the Running now card says "at least", naming it.
- The sparkline's last hour: 15:45 -> 16:45 holds $1.50 of the line, 16:00 -> 17:00 holds $1.80; the hours before
  hold none of it ($0, as before). It read $0 in every hour.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.scenario import Scenario, SpaceDef
from hfmon.fakehub.timeline import Interval
from hfmon.monitor import Monitor
from hfmon.store import HistoryStore
from hfmon.tui.app import HfmonApp
from hfmon.tui.rows import SPACE_COLUMNS
from tests.tui.test_app import settle, table, text_of

CHAT = "ada/chat-demo"
OVERAGE_AT = datetime(2026, 11, 13, 16, 30, tzinfo=UTC)


def scenario(*earlier: tuple[datetime, int]) -> Scenario:
    """The demo with chat-demo RUNNING on ZeroGPU since Nov 2, 18 GPU-minutes past the quota from Nov 13 16:30 (and
    the `earlier` overages)."""
    base = demo_scenario(seed=7, discrepancies=False)

    def steady(space: SpaceDef) -> SpaceDef:
        if space.id != CHAT:
            return space
        return replace(space, timeline=(Interval(datetime(2026, 11, 2, 10, tzinfo=UTC), None, "RUNNING", 1,
                                                 "zero-a10g"),), zero_gpu_overage=(*earlier, (OVERAGE_AT, 18)))
    return replace(base, spaces=tuple(steady(s) for s in base.spaces if s.id != "ada/whisper-api"))


def polled_until(at: datetime, tmp: str, scn: Scenario | None = None) -> tuple[Monitor, FrozenClock, list[datetime]]:
    """A Monitor on the fake and its poll times, every 10 min from 3 hours before `at` up to (not at) it."""
    clock = FrozenClock(at - timedelta(hours=3))
    hub = FakeHub(scn or scenario(), now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, clock, ["ada"]), clock, Config(), HistoryStore.open(Path(tmp) / "h.db"))
    times = []
    while clock.now() < at:
        times.append(clock.now())
        clock.advance(600)
    return monitor, clock, times


def cells(app: HfmonApp) -> dict[str, str]:
    """What chat-demo's row of the Spaces table shows, by column."""
    row = table(app, "spaces").get_row(CHAT)
    return {c.key: str(v.__rich__().plain) if hasattr(v, "__rich__") else str(v) for c, v in zip(SPACE_COLUMNS, row,
                                                                                                    strict=False)}


async def dashboard_at(at: datetime, tmp: str, scn: Scenario | None = None,
                       ) -> tuple[HfmonApp, dict[str, str], str, tuple[Decimal | None, ...]]:
    monitor, clock, times = polled_until(at, tmp, scn)
    try:
        for t in times:
            clock.at = t
            await monitor.poll()
        clock.at = at
        app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
        async with app.run_test(size=(200, 50)) as pilot:
            await settle(app, pilot)
            meter = text_of(app, "#meter")
            await pilot.press("4")
            await pilot.pause()
            row = cells(app)
            report = app.report
            assert report is not None
            hourly = next(s.cost.hourly_usd for s in report.spaces if s.space.id == CHAT)
            return app, row, meter, hourly
    finally:
        await monitor.aclose()


async def test_while_the_overage_accrues_its_rate_is_unknown_and_its_hour_holds_what_the_line_billed(
        tmp_path: object) -> None:
    _app, row, meter, hourly = await dashboard_at(datetime(2026, 11, 13, 16, 45, tzinfo=UTC), str(tmp_path))
    assert row["rate"] == "unknown"  # was "$0.00/h"
    assert hourly[-1] == Decimal("1.50")  # 15:45 -> 16:45: 15 GPU-minutes of the line so far (was 0)
    assert hourly[-3:-1] == (Decimal("0"),) * 2  # no overage before 16:30: $0, known
    assert row["spark"][-3:] == "▁▁█", row["spark"]
    assert "at least $" in meter and "1 on ZeroGPU" in meter, meter  # was "$2.30/h", complete


async def test_after_the_overage_the_hour_holds_the_whole_line_and_the_rate_stays_unknown(tmp_path: object) -> None:
    _app, row, _meter, hourly = await dashboard_at(datetime(2026, 11, 13, 17, tzinfo=UTC), str(tmp_path))
    assert row["rate"] == "unknown"  # the quota is spent until Nov 14 09:12: any GPU time it uses bills
    assert hourly[-1] == Decimal("1.80")  # 16:00 -> 17:00: the whole line, 16:30 -> 16:48
    assert hourly[-3:-1] == (Decimal("0"),) * 2


async def test_hours_inside_a_line_begun_the_day_before_hold_what_the_polls_say(tmp_path: object) -> None:
    """30 GPU-minutes over the quota from Nov 12 20:00 too: one line, Nov 12 20:00 -> Nov 13 16:48, $4.80. Every hour of
    the sparkline inside it read unknown. Polled every 10 min from 14:00, each hour's ends are polls: 14:00 -> 16:00
    read $3.00 at every poll ($0 in those hours), 16:00 $3.00 and 17:00 $4.80 ($1.80 in the last hour); before 14:00 no
    poll: unknown still (13:00 lies between the line's start, $0, and the 14:00 poll, $3.00)."""
    _app, row, _meter, hourly = await dashboard_at(datetime(2026, 11, 13, 17, tzinfo=UTC), str(tmp_path),
                                                   scenario((datetime(2026, 11, 12, 20, tzinfo=UTC), 30)))
    assert hourly[-3:] == (Decimal(0), Decimal(0), Decimal("1.80")), hourly[-4:]  # were (None, None, None)
    assert hourly[-4] is None
    assert row["spark"][-3:] == "▁▁█", row["spark"]
