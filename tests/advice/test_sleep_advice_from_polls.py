"""A Space's sleep-time advice measured from history a Monitor wrote by polling (audit 9 F7). A Space dates none of
its changes, so every sleep a poll sees is recorded RUNNING -> between_polls -> SLEEPING; the advisor counted an idle
stretch only when the state right before the idle one billed, so once history was long enough to measure (24 h), the
sleep-time finding of ada-labs/vision-demo and ada/whisper-api went away (saving $0: dropped). Every sleep the fake's
timeline holds within the watched window is a stretch the advisor's own formula counts:
price x stretches x (sleep time - 15 min) x 730 h / hours watched."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from hfmon.advisor_settings import AdvisorSettings
from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.monitor import Monitor
from hfmon.report import Report
from hfmon.store import HistoryStore
from tests.advice.test_findings import idle_stretches, space_price
from tests.costs import scenario_expect as expect

DAY_END = datetime(2026, 11, 18, 15, tzinfo=UTC)  # 26 h of 10-min polls since Nov 17 13:00, as audit 9 ran it
HOUR_END = datetime(2026, 11, 18, 12, 30, tzinfo=UTC)  # 1 h of 2-min polls: whisper-api slept 11:40, vision-demo 12:17
WATCHED = ("ada", "ada-labs")  # the sleepy Spaces' namespaces: northwind adds requests, no figure
SLEEPY = {"ada-labs/vision-demo": ("a10g-small", 30), "ada/whisper-api": ("t4-small", 60)}


async def polled(tmp_path: Path, end: datetime, step_s: int, watched_h: int, config: Config) -> Report:
    """The report of a Monitor's last poll (at `end`), after polling every `step_s` for `watched_h` hours."""
    clock = FrozenClock(end - timedelta(hours=watched_h))
    hub = FakeHub(demo_scenario(seed=7), now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, clock, list(WATCHED)), clock, config, HistoryStore.open(tmp_path / "h.db"))
    try:
        while True:
            report = await monitor.poll()
            if clock.now() >= end:
                return report
            clock.advance(step_s)
    finally:
        await monitor.aclose()


@pytest.mark.parametrize(("end", "step_s", "watched_h", "min_history_h"),
                         [(DAY_END, 600, 26, 24), (HOUR_END, 120, 1, 1)])
async def test_every_sleep_a_poll_saw_counts_toward_the_sleep_time_saving(
        tmp_path: Path, end: datetime, step_s: int, watched_h: int, min_history_h: int) -> None:
    config = Config(advisor=AdvisorSettings(min_history_hours=min_history_h))
    report = await polled(tmp_path, end, step_s, watched_h, config)
    assert report.advice is not None
    found = {f.resource: f for f in report.advice.findings if f.kind == "long_sleep_time"}
    scenario = demo_scenario(seed=7)
    spaces = {s.id: s for s in scenario.spaces}
    for space_id, (flavor, sleep_min) in SLEEPY.items():
        slept = idle_stretches(spaces[space_id].timeline, expect.SPACE_BILLED, {"SLEEPING"},
                               end - timedelta(hours=watched_h), end)
        assert slept > 0  # the fake's timeline: vision-demo 7 times and whisper-api 4 in the 26 h, once each in 1 h
        want = (space_price(scenario, flavor) * slept * Decimal(sleep_min - 15) / 60 * 730 / watched_h)
        finding = found[f"space {space_id}"]  # was absent: every sleep read as no idle stretch, saving $0
        assert finding.saving_usd_month == want.quantize(Decimal("0.000001"))
        assert f"went idle {slept} times in the last {watched_h}.0 h of history" in " ".join(finding.evidence)
