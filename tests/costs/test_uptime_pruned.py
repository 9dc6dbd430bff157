"""Uptime over history the retention pruned (audit 7 C7): `retention_days = 1`, one unbroken run of polls every 10 min
from November 1 00:00 (the period's start) to November 3 00:00 (NOW), one Endpoint on a10g x1.

alice/llm (one replica at most) initializes from 00:00 and runs from Nov 1 12:00 (a change), and never stops. On
Nov 3 00:00 the prune drops what is older than Nov 2 00:00 but llm's last change before it (Nov 1 12:00);
alice/steady's kept change (Nov 1 00:00) still says history began at 00:00. Before the fix the run of polls was
kept whole, so history read llm as not there from 00:00 to 12:00: 36 h up of 48, `uptime_pct` 75.0, exact.
Truth: up all 48 h.

- with its statement line (active since Nov 1 00:00, billing every minute): 100.0, exact, as without the prune;
- without a statement: what it did before Nov 2 00:00 is gone, so 24 h of 48 are unknown: at least 50.0 (the 24 h
  since the cutoff), 50.0 unwatched, never a figure counting the pruned day as down.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import jsonschema

from hfmon import format as fmt
from hfmon.config import Config
from hfmon.costs import evaluate, history_since
from hfmon.costs.evaluate import history_windows
from hfmon.costs.figures import history_figures
from hfmon.jsonout import report_document
from hfmon.models import PeriodStatement, Snapshot, UsageLine
from hfmon.report import Report
from hfmon.schemas import once_schema
from hfmon.store import HistoryStore
from tests.store.builders import billing, endpoint, namespace, snapshot, source

DAY = datetime(2026, 11, 1, tzinfo=UTC)  # the period's start (tests.store.builders.PERIOD_START)
NOW = DAY + timedelta(days=2)
STEP = timedelta(minutes=10)
SCALED = DAY + timedelta(hours=12)
PRODUCT = "endpoints/aws/nvidia-a10g/x1"


def replica_minutes(when: datetime) -> Decimal:
    """llm's billed replica-minutes at `when`: one replica all along (initializing bills as running does). One
    replica at most: its line proves it billed every minute (one of a resource that can run two cannot: audit 9 F4)."""
    return Decimal((when - DAY) // timedelta(minutes=1))


def poll(when: datetime, with_statement: bool) -> Snapshot:
    state = "running" if when >= SCALED else "initializing"
    # each dated by its own last change (`updatedAt`), as HF does: never later than the poll that sees it
    llm = endpoint("alice", "llm", state=state, ready=1 if state == "running" else 0)
    data = namespace("alice", usage=billing("alice", "1.00"), endpoints=[
        replace(llm, max_replica=1, updated_at=DAY if state == "initializing" else SCALED),
        replace(endpoint("alice", "steady"), updated_at=DAY)])
    if with_statement:
        minutes = replica_minutes(when)
        lines = (UsageLine(PRODUCT, "alice/llm", None, minutes, Decimal("0.018"), minutes * Decimal("0.018"),
                           DAY, None, True),
                 UsageLine(PRODUCT, "alice/steady", None, Decimal((when - DAY) // timedelta(minutes=1)),
                           Decimal("0.018"), Decimal(0), DAY, None, True))
        data = replace(data, statement=source("statement:alice", PeriodStatement(
            "alice", "p1", DAY, DAY + timedelta(days=30), lines)))
    return snapshot(when, data)


def reports(tmp_path: Path, retention_days: int, with_statement: bool) -> tuple[Report, Report]:
    """The Report at NOW as `hfmon once` reads history, and as the dashboard does."""
    with HistoryStore.open(tmp_path / "history.sqlite3", retention_days=retention_days) as store:
        when = DAY
        while when < NOW:
            store.record(poll(when, with_statement))
            when += STEP
        snap = poll(NOW, with_statement)
        store.record(snap)  # as the Monitor does: the poll is written (and pruned), then history is read
        since = history_since(snap, NOW)
        once = store.load(since, history_windows(snap, NOW, hourly=False), NOW, figures=history_figures(snap, NOW))
        every = store.load(since, history_windows(snap, NOW), NOW)
    return evaluate(snap, once, Config(), NOW), evaluate(snap, every, Config(), NOW)


def llm(report: Report) -> dict[str, object]:
    doc = report_document(report)
    jsonschema.validate(doc, once_schema())
    [row] = [r for r in doc["endpoints"] if r["name"] == "llm"]
    return row


def test_pruned_history_filled_from_the_statement_reads_as_unpruned(tmp_path: Path) -> None:
    for report in reports(tmp_path, 1, with_statement=True):
        row = llm(report)
        assert row["uptime_pct"] == row["uptime_at_least_pct"] == 100.0  # was 75.0: the pruned 12 h read as down
        assert row["uptime_unwatched_pct"] == 0.0
    kept = tmp_path / "kept"
    kept.mkdir()
    for report in reports(kept, 90, with_statement=True):  # nothing pruned: the same figure
        assert llm(report)["uptime_pct"] == 100.0


def test_pruned_history_without_a_statement_is_unknown_never_down(tmp_path: Path) -> None:
    for report in reports(tmp_path, 1, with_statement=False):
        row = llm(report)
        assert row["uptime_pct"] is None  # was 75.0, exact
        assert row["uptime_at_least_pct"] == 50.0  # the 24 h since the cutoff, all up
        assert row["uptime_unwatched_pct"] == 50.0  # Nov 1: its history is gone
        assert row["uptime_24h_pct"] == 100.0  # the last 24 h are all kept
        [cost] = [e.cost for e in report.endpoints if e.endpoint.name == "llm"]
        assert fmt.uptime_share(cost.uptime_pct, cost.uptime_at_least_pct, cost.uptime_unwatched_pct,
                                "the period") == "≥50% of the period (hfmon has no history of 50% of it)"
