"""A spend window whose start the retention pruned is at least what history holds of the rest (note 14, retention).

`retention_days = 1`, polls every 10 min from Oct 31 00:00 to NOW, Nov 2 23:50, one history file. The store prunes
once a day at a poll: at Nov 2 00:00 it dropped what was older than Nov 1 00:00 (alice/llm keeps its one change, Oct
31 00:00). The previous 24 h window, Oct 31 23:50 to Nov 1 23:50, has its first 10 minutes pruned.

alice/llm (aws a10g x1, $1.00/h in the bundled catalog) runs all along; alice's usage-v2 total rises $0.01 every 10
minutes from each period's start (Oct 1, then Nov 1 00:00, read as $0.00 then). By hand, of that window history
holds: inference Nov 1 00:00 to 23:50, 143 rises of $0.01 = $1.43 (the Oct period's last 10 min were pruned with
its totals); llm 24 h x $1.00 = $24.00; no Space, no Job. At least $25.43: before, unknown (known None).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import jsonschema

from hfmon.config import Config
from hfmon.costs import evaluate, history_since
from hfmon.costs.evaluate import history_windows
from hfmon.costs.figures import history_figures
from hfmon.jsonout import report_document
from hfmon.models import Snapshot
from hfmon.report import Report
from hfmon.schemas import once_schema
from hfmon.store import HistoryStore
from tests.store.builders import billing, endpoint, namespace, snapshot

START = datetime(2026, 10, 31, tzinfo=UTC)
NOV = datetime(2026, 11, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 2, 23, 50, tzinfo=UTC)
STEP = timedelta(minutes=10)


def poll(when: datetime) -> Snapshot:
    period = NOV if when >= NOV else datetime(2026, 10, 1, tzinfo=UTC)
    used = Decimal((when - period) // STEP) / 100
    return snapshot(when, namespace("alice", usage=billing("alice", f"{used}", period_start=period),
                                    # up since START: its updatedAt never after a poll that sees it, as HF's
                                    endpoints=[replace(endpoint("alice", "llm"), updated_at=START)], spaces=[],
                                    jobs=[]))


def reports(tmp_path: Path) -> tuple[Report, Report]:
    """The Report at NOW as `hfmon once` reads history, and as the dashboard does."""
    with HistoryStore.open(tmp_path / "history.sqlite3", retention_days=1) as store:
        when = START
        while when < NOW:
            store.record(poll(when))
            when += STEP
        snap = poll(NOW)
        store.record(snap)
        since = history_since(snap, NOW)
        once = store.load(since, history_windows(snap, NOW, hourly=False), NOW, figures=history_figures(snap, NOW))
        every = store.load(since, history_windows(snap, NOW), NOW)
    return evaluate(snap, once, Config(), NOW), evaluate(snap, every, Config(), NOW)


def test_a_previous_day_whose_first_minutes_were_pruned_is_at_least_what_the_rest_holds(tmp_path: Path) -> None:
    for report in reports(tmp_path):
        doc = report_document(report)
        jsonschema.validate(doc, once_schema())
        day = doc["windows"]["24h"]
        [alice] = day["namespaces"]
        assert alice["previous"]["start"] == "2026-10-31T23:50:00Z"
        assert day["previous_usd"] == {"value": None, "at_least": 25.43, "complete": False,
                                       "missing": ["history:alice"]}
        # the last 24 h, watched all along: exact, $1.44 + $24.00
        assert day["spend_usd"] == {"value": 25.44, "at_least": 25.44, "complete": True, "missing": []}
        assert day["trend_pct"] is None  # against a lower bound: no trend
        [window] = [w for w in report.windows if w.window == "24h"]
        assert (window.previous.part("inference", "alice").known, window.previous.part("endpoints", "alice").known) \
            == (Decimal("1.43"), Decimal("24.00"))


def test_a_day_before_history_began_is_at_least_what_it_holds_from_the_sums_as_from_the_changes(
        tmp_path: Path) -> None:
    # polls from Nov 1 12:00 only: the 24 h window before (Oct 31 23:50 - Nov 1 23:50) starts after history_since
    # (Oct 31 23:50), before history began. By hand, history holds of it: llm 11 h 50 min x $1.00 = $11.833333;
    # inference 1.43 (23:50) - 0.72 (12:00) = $0.71. At least $12.543333, read alike from the store's sums (which
    # read it unknown before: the Endpoints, Spaces and Jobs parts had no figure) and from the changes.
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        when = NOV + timedelta(hours=12)
        while when <= NOW:
            store.record(poll(when))
            when += STEP
        snap = poll(NOW)
        since = history_since(snap, NOW)
        every = store.load(since, history_windows(snap, NOW), NOW)
    assert every.window_times is not None
    for history in (every, replace(every, window_times=None)):
        report = evaluate(snap, history, Config(), NOW)
        day = report_document(report)["windows"]["24h"]
        assert day["previous_usd"] == {"value": None, "at_least": 12.543333, "complete": False,
                                       "missing": ["history:alice"]}
