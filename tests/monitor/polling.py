"""A Monitor with history polling the fake hub on a frozen clock: the setup many monitor tests share."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub
from hfmon.fakehub.scenario import Scenario
from hfmon.monitor import Monitor
from hfmon.report import Report
from hfmon.store import HistoryStore


async def polled_until(tmp_path: Path, scenario: Scenario, first: datetime, last: datetime, step_s: int,
                       namespaces: tuple[str, ...] = ("ada",)) -> Report:
    """The Report of the first poll at or after `last`, polled every `step_s` seconds from `first`."""
    clock = FrozenClock(first)
    hub = FakeHub(scenario, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, clock, list(namespaces)), clock, Config(),
                      HistoryStore.open(tmp_path / "h.db"))
    try:
        while True:
            report = await monitor.poll()
            if clock.now() >= last:
                return report
            clock.advance(step_s)
    finally:
        await monitor.aclose()
