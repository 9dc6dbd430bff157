"""The real demo pipeline (fake Hub → collect → history → evaluate) on a frozen clock."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path

from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.monitor import Monitor
from hfmon.store.db import HistoryStore


def frozen_demo(at: datetime | None = None, *, history: bool = True) -> tuple[Monitor, FrozenClock]:
    """The `--demo` Monitor with time standing still (at the scenario start unless `at` is given)."""
    scenario = demo_scenario()
    clock = FrozenClock(at or scenario.start)
    hub = FakeHub(scenario, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock)
    monitor = Monitor(Collector(client, clock), clock, Config(), None)
    if history:
        monitor.scratch = tempfile.TemporaryDirectory(prefix="hfmon-tui-demo-")  # removed by monitor.close()
        monitor.store = HistoryStore.open(Path(monitor.scratch.name) / "history.sqlite3")
    return monitor, clock


async def warm(monitor: Monitor, clock: FrozenClock, *, days: float = 3.0, step_h: float = 6.0) -> None:
    """Poll at earlier moments so history (and the burn-down series) has points, then return to now."""
    end = clock.now()
    t = end - timedelta(days=days)
    while t < end:
        clock.at = t
        await monitor.poll()
        t += timedelta(hours=step_h)
    clock.at = end
