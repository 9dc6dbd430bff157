"""The `unpriced` alert over a Space that wakes and sleeps (the demo's ada-labs/video-gen on h100, which no catalog
prices: up 45 minutes, asleep 75), run by a long-running Monitor against the fake Hub: one alert while the hardware
stays unpriced, not a fire and a "resolved" per nap; it resolves when the hardware gets a price, and says so."""

from __future__ import annotations

from pathlib import Path

from hfmon.alerts.engine import FIRED, RESET
from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config, parse_config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.monitor import Monitor
from hfmon.store import HistoryStore

VIDEO_GEN = "space ada-labs/video-gen (h100)"


def monitor_on(config: Config, hub: FakeHub, clock: FrozenClock, history: Path) -> Monitor:
    """The dashboard's Monitor with this config, on the machine's history file (where alert state lives)."""
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    return Monitor(Collector(client, clock), clock, config, HistoryStore.open(history))


async def test_a_space_on_unpriced_hardware_is_one_alert_across_its_naps(tmp_path: Path) -> None:
    scenario = demo_scenario(seed=7)
    clock = FrozenClock(scenario.start)
    hub = FakeHub(scenario, now=clock.now)
    history = tmp_path / "history.sqlite3"
    monitor = monitor_on(parse_config({"alerts": {"unpriced": True}}), hub, clock, history)
    seen: list[tuple[str, str, str, bool]] = []
    try:
        for minutes in (0, 40, 70, 50):  # 15:00 up, 15:40 asleep, 16:50 up again, 17:40 asleep
            clock.advance(minutes * 60)
            report = await monitor.poll()
            [video_gen] = [r.space for r in report.spaces if r.space.id == "ada-labs/video-gen"]
            billed = any(m == f"unpriced:{VIDEO_GEN}" for m in report.running_cost_per_hour_usd.missing)
            seen += [(e.kind, e.subject, video_gen.stage, billed) for e in monitor.alert_events]
            seen.append(("poll", "", video_gen.stage, billed))
    finally:
        await monitor.aclose()
    assert seen == [(FIRED, VIDEO_GEN, "RUNNING", True), ("poll", "", "RUNNING", True),
                    ("poll", "", "SLEEPING", False), ("poll", "", "RUNNING", True), ("poll", "", "SLEEPING", False)]

    # the user prices h100 in [prices.spaces] and starts hfmon again: the alert is over, and says why
    priced = parse_config({"alerts": {"unpriced": True}, "prices": {"spaces": {"h100": 4.5}}})
    clock.advance(600)
    again = monitor_on(priced, hub, clock, history)
    try:
        await again.poll()
        assert [(e.kind, e.subject, e.message) for e in again.alert_events] == [
            (RESET, VIDEO_GEN, f"unpriced resource ({VIDEO_GEN}): priced now")]
    finally:
        await again.aclose()
