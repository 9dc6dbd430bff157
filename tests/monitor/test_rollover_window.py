"""A spend window across a billing period's rollover: its inference is usage-v2's own figure for it; the window
before the period, from history's totals, misses the old period's spend after hfmon's last poll of it.

The Monitor (the dashboard's loop: collect, record, read history, evaluate) polls the demo account (seed 7, ada only)
every 10 minutes from Nov 30 23:00 to Dec 1 00:30, the fake's clock and hfmon's the same. usage-v2's period-to-date
totals of ada (nano-USD, placeholders included, as each poll read them):

    Nov 30 23:30  14,454,773,970    23:40  14,462,078,680    23:50  14,472,668,380
    Dec 1  00:00  0                 00:10  15,070,100         00:20  22,758,850      00:30  33,103,820

November as booked at its end (00:00) was 14,480,918,560: its last 10 minutes, $0.008250, are in no total a poll
read (the 00:00 poll reads December's, from $0). From those totals the hour 23:30 -> 00:30 was "at least"
(14.47266838 - 14.45477397) + 0.03310382 = $0.050998 (`period_tail:ada`). usage-v2 asked for that hour itself (audit 8
E2) answers 58,926,740 nano-USD (the fake's traffic: 48,926,740 settled, one request at its $0.01 placeholder):
$0.058927, whole. The window before the period, 23:30 -> 00:00, still comes from the totals: at least
14.47266838 - 14.45477397 = $0.017894, with `period_tail:ada`.
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


async def test_the_hour_across_the_rollover_is_usage_v2s_own_figure_for_it(tmp_path: Path) -> None:
    reports = await polls_across_the_rollover(tmp_path)
    at_0030 = reports["00:30"]
    (hour,) = [w.current for w in at_0030.windows if w.window == "1h" and w.namespace == "ada"]
    assert (hour.start, hour.end) == (datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
                                      datetime(2026, 12, 1, 0, 30, tzinfo=UTC))
    assert hour.inference_usd == Decimal("0.058927") and not hour.inference_at_least  # was at least $0.050998
    doc = report_document(at_0030)
    jsonschema.validate(doc, once_schema())
    (row,) = [n["current"] for n in doc["windows"]["1h"]["namespaces"] if n["namespace"] == "ada"]
    assert Decimal(str(row["inference_usd"])) == Decimal("0.058927")
    assert not [m for m in row["total_usd"]["missing"] if m.startswith(("period_tail", "settled"))]


async def test_the_window_before_the_period_is_at_least_what_the_polls_saw(tmp_path: Path) -> None:
    reports = await polls_across_the_rollover(tmp_path)
    at_0030 = reports["00:30"]
    (before,) = [w.previous for w in at_0030.windows if w.window == "period" and w.namespace == "ada"]
    assert (before.start, before.end) == (datetime(2026, 11, 30, 23, 30, tzinfo=UTC),
                                          datetime(2026, 12, 1, tzinfo=UTC))
    assert before.inference_usd == Decimal("0.017894") and before.inference_at_least
    assert before.part("inference", "ada").missing == ("period_tail:ada",)
    doc = report_document(at_0030)
    (row,) = [n["previous"] for n in doc["windows"]["period"]["namespaces"] if n["namespace"] == "ada"]
    assert row["inference_usd"] is None  # known only in part: the total says at least
    assert "period_tail:ada" in row["total_usd"]["missing"] and row["total_usd"]["value"] is None
