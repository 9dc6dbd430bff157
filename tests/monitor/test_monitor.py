"""The Monitor: collect → store → evaluate, as the dashboard drives it poll after poll."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.monitor import Monitor
from hfmon.report import CheckStatus
from hfmon.store import HistoryStore


def monitor_at(clock: FrozenClock, tmp_path: Path) -> Monitor:
    """A Monitor over the honest demo scenario (no injected discrepancies) with a history file."""
    hub = FakeHub(demo_scenario(discrepancies=False), now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    return Monitor(Collector(client, clock), clock, Config(), store)


async def test_polls_far_apart_do_not_read_as_billing_drift(tmp_path: Path) -> None:
    scenario = demo_scenario(discrepancies=False)
    clock = FrozenClock(scenario.start)
    monitor = monitor_at(clock, tmp_path)
    try:
        for _ in range(6):  # 25 min between polls (a demo at speed, or polls slowed by the rate limit)
            report = await monitor.poll()
            clock.advance(timedelta(minutes=25).total_seconds())
    finally:
        await monitor.aclose()
    drift = [c for c in report.crosscheck if c.status is CheckStatus.DRIFT]
    assert drift == []
    assert [s.namespace for s in report.spend] == ["ada", "ada-labs"]


@pytest.mark.parametrize(("gap_min", "polls"), [(10, 19), (30, 7), (60, 5)])
async def test_a_fresh_process_per_poll_from_cron_reports_no_drift(tmp_path: Path, gap_min: int, polls: int) -> None:
    # `hfmon --once` from cron: every poll is a new process (a new Monitor, hub client and store handle) over
    # the same history file; the gap between polls comes from the stored poll times, not from the process.
    clock = FrozenClock(demo_scenario().start)
    for _ in range(polls):
        monitor = monitor_at(clock, tmp_path)
        try:
            report = await monitor.poll()
        finally:
            await monitor.aclose()
        clock.advance(timedelta(minutes=gap_min).total_seconds())
    history = [c for c in report.crosscheck if c.item.endswith("minutes vs history")]
    assert [c.item for c in history if c.status is CheckStatus.DRIFT] == []
    if gap_min <= 15:  # polls close enough to see every run: the check really ran, and allowed for the gap
        assert history and all("poll lag allows" in c.note for c in history)
    else:  # too coarse to see a Space wake between polls: no verdict rather than a false one
        assert history == []


async def test_history_builds_a_recent_burn_rate(tmp_path: Path) -> None:
    scenario = demo_scenario(discrepancies=False)
    clock = FrozenClock(scenario.start)
    monitor = monitor_at(clock, tmp_path)
    try:
        first = await monitor.poll()
        clock.advance(timedelta(hours=2).total_seconds())
        early = await monitor.poll()
        clock.advance(timedelta(hours=22).total_seconds())
        later = await monitor.poll()
    finally:
        await monitor.aclose()
    # before history holds a day (2 h is no 24 h rate): both rates start at usage-v2's figure of 25 h ago
    for report, at in ((first, scenario.start), (early, scenario.start + timedelta(hours=2))):
        c = report.credits[0]
        assert c.burn_rate_24h_usd_per_day is not None and c.burn_rate_24h_why is None
        assert c.rate_from == at - timedelta(hours=25) and c.rate_usd_per_day is not None
    ada = later.credits[0]
    assert ada.burn_rate_24h_usd_per_day is not None
    observed = ada.used_usd - first.credits[0].used_usd  # per day, over the observed day
    assert abs(ada.burn_rate_24h_usd_per_day - observed) <= abs(observed) / 100


async def test_the_next_poll_waits_for_a_rate_limit_window_the_last_poll_nearly_used_up(tmp_path: Path) -> None:
    clock = FrozenClock(demo_scenario().start)
    roomy = monitor_at(clock, tmp_path)
    hub = FakeHub(demo_scenario(discrepancies=False, rate_limit_quota=60), now=clock.now)
    tight = Monitor(Collector(HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock), clock),
                    clock, Config(), None)
    try:
        assert tight.next_delay(60.0) == 60.0  # nothing polled yet
        await roomy.poll()
        await tight.poll()
        snapshot = tight.snapshot
    finally:
        await roomy.aclose()
        await tight.aclose()
    assert snapshot is not None and snapshot.rate_limit_remaining is not None
    assert snapshot.rate_limit_remaining < 2 * snapshot.requests_made
    assert roomy.next_delay(60.0) == 60.0
    assert 60.0 < tight.next_delay(60.0) <= 5 * 60 + 1  # HF's window is 5 minutes
