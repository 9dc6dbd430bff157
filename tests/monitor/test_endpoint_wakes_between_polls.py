"""An Endpoint that wakes from scaledToZero between two polls bills its `initializing` minutes before it runs
(hf-api.md 5.3), and its `status.updatedAt` dates only the last step, `running` (audit 8 E1). Polled every 10 min,
ada's embedder (t4, $0.10/h) seen scaledToZero at 18:10 and running at 18:20 (updatedAt 18:20): hfmon dated the
change at 18:20 and counted 18:10-18:20 as scaledToZero, $0 and exact, though the fake bills minutes in it. The
stretch is now between polls: billed for an unknown part, so the window's Endpoints part and the uptime are unknown
(or "at least"), never a complete figure without them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, billing, demo_scenario
from hfmon.jsonout import report_document
from hfmon.monitor import Monitor
from hfmon.store import HistoryStore

SEEN_ASLEEP, SEEN_RUNNING = datetime(2026, 11, 17, 18, 10, tzinfo=UTC), datetime(2026, 11, 17, 18, 20, tzinfo=UTC)


async def test_an_endpoint_woken_between_polls_leaves_its_initializing_minutes_unknown(tmp_path: Path) -> None:
    scenario = demo_scenario(seed=7, discrepancies=False)
    clock = FrozenClock(SEEN_ASLEEP - timedelta(minutes=80))  # the hour before 18:20 watched whole
    hub = FakeHub(scenario, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, clock, ["ada"]), clock, Config(), HistoryStore.open(tmp_path / "h.db"))
    try:
        states = {}
        while clock.now() <= SEEN_RUNNING:
            report = await monitor.poll()
            states[clock.now()] = next(e["state"] for e in report_document(report)["endpoints"]
                                       if e["name"] == "embedder")
            clock.advance(600)
    finally:
        await monitor.aclose()
    assert (states[SEEN_ASLEEP], states[SEEN_RUNNING]) == ("scaledToZero", "running")
    # What is true: the fake bills the embedder for minutes between the two polls (initializing, then running).
    billed = sum(line.quantity for line in billing.endpoint_lines(scenario, "ada", SEEN_ASLEEP, SEEN_RUNNING,
                                                                  SEEN_RUNNING) if line.label == "ada/embedder")
    assert billed > 0
    doc = report_document(report)
    (hour,) = [n["current"] for n in doc["windows"]["1h"]["namespaces"] if n["namespace"] == "ada"]
    assert hour["endpoints_usd"] is None  # was llama-chat's hour alone, as complete
    assert "between_polls:endpoint ada/embedder" in hour["total_usd"]["missing"]
    embedder = next(e for e in doc["endpoints"] if e["name"] == "embedder")
    assert embedder["uptime_24h_pct"] is None  # was a share counting the initializing minutes as down, exact
