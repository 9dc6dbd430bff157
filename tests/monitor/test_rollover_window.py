"""A spend window across a billing period's rollover misses the old period's spend after hfmon's last poll of it.

The Monitor (the dashboard's loop: collect, record, read history, evaluate) polls the demo account (seed 7, ada only)
every 10 minutes from Nov 30 23:00 to Dec 1 00:30, the fake's clock and hfmon's the same. usage-v2's period-to-date
totals of ada (nano-USD, placeholders included, as each poll read them):

    Nov 30 23:30  14,454,773,970    23:40  14,462,078,680    23:50  14,472,668,380
    Dec 1  00:00  0                 00:10  15,070,100         00:20  22,758,850      00:30  33,103,820

November as booked at its end (00:00) was 14,480,918,560: its last 10 minutes, $0.008250, are in no total a poll
read (the 00:00 poll reads December's, from $0). So the hour 23:30 -> 00:30 is at least
(14.47266838 - 14.45477397) + 0.03310382 = $0.050998, not that as a known figure (before: $0.050998 in a complete
total, $0.008250 short of what was booked in the hour).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import jsonschema

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.jsonout import report_document
from hfmon.monitor import Monitor
from hfmon.report import Report
from hfmon.schemas import once_schema
from hfmon.store import HistoryStore
from hfmon.tui.rows_time import window_unread


async def polls_across_the_rollover(tmp_path: Path) -> dict[str, Report]:
    """Reports of the polls every 10 minutes from Nov 30 23:00 to Dec 1 00:30, by their time (`HH:MM`)."""
    clock = FrozenClock(datetime(2026, 11, 30, 23, tzinfo=UTC))
    hub = FakeHub(demo_scenario(seed=7), now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, clock, ["ada"]), clock, Config(), HistoryStore.open(tmp_path / "h.sqlite3"))
    reports: dict[str, Report] = {}
    try:
        for _ in range(10):
            reports[f"{clock.now():%H:%M}"] = await monitor.poll()
            clock.advance(timedelta(minutes=10).total_seconds())
    finally:
        await monitor.aclose()
    return reports


async def test_the_hour_across_the_rollover_is_at_least_what_the_polls_saw(tmp_path: Path) -> None:
    reports = await polls_across_the_rollover(tmp_path)
    at_0030 = reports["00:30"]
    (hour,) = [w.current for w in at_0030.windows if w.window == "1h" and w.namespace == "ada"]
    assert (hour.start, hour.end) == (datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
                                      datetime(2026, 12, 1, 0, 30, tzinfo=UTC))
    assert hour.inference_usd == Decimal("0.050998") and hour.inference_at_least
    doc = report_document(at_0030)
    jsonschema.validate(doc, once_schema())
    (row,) = [n["current"] for n in doc["windows"]["1h"]["namespaces"] if n["namespace"] == "ada"]
    assert row["inference_usd"] is None  # known only in part: the total says at least
    assert "period_tail:ada" in row["total_usd"]["missing"] and row["total_usd"]["value"] is None
    parts = [hour.part(p, "ada").known for p in ("endpoints", "spaces", "jobs")]  # each known at least in part
    assert Decimal(str(row["total_usd"]["at_least"])) == sum((p for p in parts if p is not None), Decimal("0.050998"))
    why = window_unread(at_0030, "ada", "1h", {})  # the dashboard says why under the window's table
    assert why is not None and "inference: the last period's spend after hfmon's last poll of it (ada)" in why[0].plain
    (before,) = [w.current for w in reports["23:50"].windows if w.window == "1h" and w.namespace == "ada"]
    assert not before.inference_at_least  # an hour of one period: what the polls saw is all of it

