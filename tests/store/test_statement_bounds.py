"""Schema v11: a statement's "billed without a break since" kept in history (`statement_bounds`), so the stretch up
survives the period's rollover (audit 7 C5), and a v10 file upgraded to it."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hfmon.costs.resources import EARLIEST
from hfmon.costs.uptime import uptime
from hfmon.history import StateChange, StatementBound
from hfmon.models import PeriodStatement, Snapshot, UsageLine
from hfmon.store import HistoryStore
from hfmon.store.schema import MIGRATIONS, SCHEMA_VERSION, migrate
from tests.store.builders import endpoint, namespace, snapshot, source

NOV = datetime(2026, 11, 1, tzinfo=UTC)
DEC = datetime(2026, 12, 1, tzinfo=UTC)
LLM = ("endpoint", "alice/llm")


def poll(at: datetime, started: datetime, period: datetime) -> Snapshot:
    """alice/llm running (one replica at most), its statement line still accruing since `started`, every minute
    billed."""
    minutes = Decimal((at - started) // timedelta(minutes=1))
    line = UsageLine("endpoints/aws/nvidia-a10g/x1", "alice/llm", None, minutes, Decimal("0.018"),
                     minutes * Decimal("0.018"), started, None, True)
    data = namespace("alice", endpoints=[replace(endpoint("alice", "llm"), max_replica=1)])
    data = replace(data, statement=source("statement:alice", PeriodStatement(
        "alice", "p", period, period + timedelta(days=31), (line,))))
    return snapshot(at, data)


def test_a_v10_file_keeps_the_bound_across_the_rollover_and_a_real_start_replaces_it(tmp_path: Path) -> None:
    path = tmp_path / "v10.sqlite3"
    conn = sqlite3.connect(path)
    migrate(conn, 0, MIGRATIONS[:10])
    conn.commit()
    conn.close()
    with HistoryStore.open(path) as store:
        store.record(poll(NOV + timedelta(days=29, hours=23, minutes=50), NOV, NOV))
        store.record(poll(DEC, DEC, DEC))  # the new period's line starts at its start: Nov 1 still holds
        kept = store.load(NOV).statement_bounds
        store.record(poll(DEC + timedelta(minutes=10), DEC + timedelta(minutes=5), DEC))  # it started again
        restarted = store.load(NOV).statement_bounds
    assert kept == {LLM: StatementBound(NOV, DEC - timedelta(minutes=10))}
    assert restarted == {LLM: StatementBound(DEC + timedelta(minutes=5), DEC + timedelta(minutes=10))}
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 18
    conn.close()


def test_the_kept_bound_holds_only_while_history_saw_it_up_since_it_was_read() -> None:
    now, read_at = DEC + timedelta(minutes=10), DEC - timedelta(minutes=10)
    running = [StateChange("endpoint", "alice/llm", DEC - timedelta(minutes=20), "running", "x", 1)]
    before = [(EARLIEST, running[0].at)]
    up = uptime("endpoint", "running", running, now, before, 1, DEC, bound=(NOV, read_at))
    assert (up.at_least, up.billed_since) == (now - NOV, NOV)  # 30 d 10 min, not the 30 min history holds
    # hfmon did not watch 23:55-00:05: whether it stayed up then is unknown, so is the bound's
    gap = [*before, (DEC - timedelta(minutes=5), DEC + timedelta(minutes=5))]
    up = uptime("endpoint", "running", running, now, gap, 1, DEC, bound=(NOV, read_at))
    assert (up.at_least, up.billed_since) == (timedelta(minutes=10), DEC)  # the new line's 10 min
    # seen down at 23:55 and up again at 00:00: the stretch is history's own, exact
    bounced = [*running, replace(running[0], at=DEC - timedelta(minutes=5), state="paused"),
               replace(running[0], at=DEC)]
    up = uptime("endpoint", "running", bounced, now, before, 1, DEC, bound=(NOV, read_at))
    assert (up.at_least, up.exact) == (timedelta(minutes=10), True)


def test_one_polls_bounds_are_kept_by_each_resources_own_rule(tmp_path: Path) -> None:
    # one poll's bounds are read in one statement: each resource still gets its own rule. alice/a is new (written),
    # alice/b has a bound a later poll of another process read (kept), alice/c one from before a period's start
    # (kept), and a resource no listing read fresh holds no row (skipped)
    from hfmon.store.extract import encode_time
    from hfmon.store.record import record_bounds

    path = tmp_path / "history.sqlite3"
    eps = [endpoint("alice", name) for name in ("a", "b", "c")]
    with HistoryStore.open(path) as store:
        store.record(snapshot(NOV + timedelta(days=3), namespace("alice", endpoints=eps)))
    conn = sqlite3.connect(path)
    ids = dict(conn.execute("SELECT resource, id FROM resources").fetchall())
    later, at = encode_time(NOV + timedelta(days=5)), encode_time(NOV + timedelta(days=4))
    with conn:
        conn.executemany("INSERT INTO statement_bounds VALUES (?, ?, ?)",
                         [(ids["alice/b"], encode_time(NOV), later), (ids["alice/c"], encode_time(NOV) - 1, 1)])
        record_bounds(conn, {("endpoint", "alice/a"): (NOV + timedelta(days=2), False),
                             ("endpoint", "alice/b"): (NOV + timedelta(days=1), False),
                             ("endpoint", "alice/c"): (NOV, True),
                             ("endpoint", "alice/ghost"): (NOV, False)}, at)
    assert conn.execute("SELECT resource_id, since, read_at FROM statement_bounds ORDER BY resource_id").fetchall() == [
        (ids["alice/a"], encode_time(NOV + timedelta(days=2)), at), (ids["alice/b"], encode_time(NOV), later),
        (ids["alice/c"], encode_time(NOV) - 1, 1)]
    conn.close()
