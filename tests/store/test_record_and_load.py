"""`HistoryStore.record_and_load` (what `hfmon once` runs): the load read while the poll is written, from the file as
it was before, and patched with the resources the poll changed, is the History a load after the write gives."""

from __future__ import annotations

import sqlite3
import threading
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hfmon.costs import history_since
from hfmon.costs.evaluate import history_windows
from hfmon.costs.figures import history_figures
from hfmon.history import History
from hfmon.models import PeriodStatement, Snapshot, UsageLine
from hfmon.store import HistoryStore, db, figures
from tests.store.builders import PERIOD_START, billing, endpoint, minutes, namespace, snapshot, space

POLLS = 90


def poll(i: int, at: datetime | None = None) -> Snapshot:
    """`llm` up 20 minutes of every 30 (up again at the last poll), `steady` always up, `doomed` gone and `fresh` new
    at the last poll, the Space `pair` asleep from it; two statement lines, for the "minutes vs history" spans."""
    up, last = i % 30 < 20, i >= POLLS
    endpoints = [endpoint("alice", "llm", state="running" if up else "scaledToZero", ready=int(up), target=int(up)),
                 endpoint("alice", "steady"), endpoint("alice", "fresh" if last else "doomed")]
    spaces = [space("alice/slow"), space("alice/pair", stage="SLEEPING" if last else "RUNNING")]
    ns = namespace("alice", usage=billing("alice", f"{i / 100:.2f}"), endpoints=endpoints, spaces=spaces)
    lines = tuple(UsageLine("spaces/t4-small/minutes", label, None, Decimal(60), Decimal("0.01"), Decimal("0.6"),
                            start, None, True) for label, start in (("alice/slow", minutes(10)),
                                                                    ("alice/pair", minutes(30))))
    statement = PeriodStatement("alice", None, PERIOD_START, PERIOD_START + timedelta(days=30), lines)
    ns = replace(ns, statement=replace(ns.billing, value=statement))
    return snapshot(minutes(i) if at is None else at, ns)


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        for i in range(POLLS):
            store.record(poll(i))
    return path


def copy(path: Path, name: str) -> Path:
    target = path.with_name(name)
    with sqlite3.connect(path) as source, sqlite3.connect(target) as copied:
        source.backup(copied)
    return target


def arguments(snap: Snapshot, now: datetime) -> tuple[Any, ...]:
    return history_since(snap, now), history_windows(snap, now, hourly=False), now, history_figures(snap, now)


def sequential(path: Path, snap: Snapshot, now: datetime, retention_days: int = 90) -> History:
    """What `record` then a `Figures` load give."""
    since, windows, now, wanted = arguments(snap, now)
    with HistoryStore.open(path, retention_days=retention_days) as store:
        store.record(snap)
        return store.load(since, windows, now, figures=wanted)


def overlapped(path: Path, snap: Snapshot, now: datetime, retention_days: int = 90) -> History:
    with HistoryStore.open(path, retention_days=retention_days) as store:
        return store.record_and_load(snap, *arguments(snap, now))


def ids(path: Path, *names: str) -> set[int]:
    with sqlite3.connect(path) as conn:
        return {conn.execute("SELECT id FROM resources WHERE resource = ?", (n,)).fetchone()[0] for n in names}


def assert_same(got: History, expected: History) -> None:
    assert got == expected
    assert got.window_times is not None and expected.window_times is not None and got.span_times is not None
    assert list(got.window_times.times) == list(expected.window_times.times)  # in the same order too
    assert list(got.span_times) == list(expected.span_times or {})


def test_the_overlapped_load_is_the_load_after_the_write(recorded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "SIDE_READ_FROM", 0)
    reads: list[tuple[str, Any, list[Any]]] = []
    read = figures.read

    def spy(conn: sqlite3.Connection, *args: Any) -> figures.Read:
        found = read(conn, *args)
        reads.append((threading.current_thread().name, args[4] if len(args) > 4 else None, found.changes))
        return found

    snap, now = poll(POLLS), minutes(POLLS + 1)
    expected = sequential(copy(recorded, "a.sqlite3"), snap, now)
    monkeypatch.setattr(figures, "read", spy)
    got = overlapped(recorded, snap, now)
    assert_same(got, expected)
    (early_thread, early_ids, early_rows), (late_thread, late_ids, _) = reads
    assert early_thread == "hfmon-history-read" and early_ids is None  # everything, on the second connection
    assert max(row[1] for row in early_rows) < db.encode_time(minutes(POLLS))  # read before the poll was written
    # read again after it: the resources the poll changed (llm up, doomed gone, fresh new, pair asleep), only those
    assert late_thread == threading.current_thread().name
    assert late_ids == ids(recorded, "alice/llm", "alice/doomed", "alice/fresh", "alice/pair")
    # and their figures are the ones after it: llm up 31-50, 60-80 and 90-91 of the last hour (40 of 60 minutes)
    assert got.window_times is not None and got.seen is not None
    llm = got.window_times.times[("endpoint", "alice/llm")][(minutes(POLLS - 59), now)]
    assert sum(t.micros for t in llm) == 40 * 60 * 10**6
    assert got.seen[("endpoint", "alice/fresh")].first == minutes(POLLS)
    assert [c.state for c in got.changes if c.resource == "alice/doomed"][-1] == "gone"
    pair = next(t for span, t in got.span_times.items() if span[1] == "alice/pair")  # type: ignore[union-attr]
    assert pair is not None and pair.transitions == 1  # its change to SLEEPING, within the span


@pytest.mark.parametrize("at", [minutes(POLLS), minutes(POLLS - 4.5)], ids=["next poll", "an older poll arriving late"])
@pytest.mark.parametrize("side_from", [0, 10**9], ids=["overlapped", "small account"])
def test_the_same_history_as_a_record_then_a_load(recorded: Path, monkeypatch: pytest.MonkeyPatch, at: datetime,
                                                  side_from: int) -> None:
    monkeypatch.setattr(db, "SIDE_READ_FROM", side_from)
    snap, now = poll(POLLS, at), minutes(POLLS + 1)
    assert_same(overlapped(copy(recorded, "b.sqlite3"), snap, now),
                sequential(copy(recorded, "a.sqlite3"), snap, now))


def test_rows_the_retention_dropped_after_the_write_are_read_again(recorded: Path,
                                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "SIDE_READ_FROM", 0)
    # two days on, with one day kept: the write's retention drops most of what the early read saw
    at = minutes(POLLS + 2 * 1440)
    snap, now = poll(POLLS, at), at + timedelta(minutes=1)
    reads: list[Any] = []
    read = figures.read

    def spy(conn: sqlite3.Connection, *args: Any) -> figures.Read:
        reads.append(args[4] if len(args) > 4 else None)
        return read(conn, *args)

    expected = sequential(copy(recorded, "a.sqlite3"), snap, now, retention_days=1)
    monkeypatch.setattr(figures, "read", spy)
    path = copy(recorded, "b.sqlite3")
    assert_same(overlapped(path, snap, now, retention_days=1), expected)
    assert reads == [None, None]  # the early read, then all of it again (not the changed resources only)
    with sqlite3.connect(path) as conn:  # llm's changes before its last one by then (minute 80) were dropped
        assert conn.execute("SELECT count(*) FROM state_changes WHERE resource_id = ?",
                            tuple(ids(path, "alice/llm"))).fetchone()[0] == 2


def test_a_failed_early_read_falls_back_to_reading_after_the_write(recorded: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "SIDE_READ_FROM", 0)
    sums, failed = figures.sums, []

    def broken(conn: sqlite3.Connection, *args: Any) -> Any:
        if not failed:  # the early read's: the next ones (on either connection) work
            failed.append(threading.current_thread().name)
            raise sqlite3.OperationalError("disk I/O error")
        return sums(conn, *args)

    snap, now = poll(POLLS), minutes(POLLS + 1)
    expected = sequential(copy(recorded, "a.sqlite3"), snap, now)
    monkeypatch.setattr(figures, "sums", broken)
    assert_same(overlapped(recorded, snap, now), expected)
    assert failed == ["hfmon-history-read"]
    assert [t for t in threading.enumerate() if t.name == "hfmon-history-read"] == []


def test_a_commit_by_another_process_before_the_late_read_gives_the_whole_load(recorded: Path,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "SIDE_READ_FROM", 0)
    snap, now = poll(POLLS), minutes(POLLS + 1)
    # another hfmon on the same file (a dashboard) records `steady` scaled to zero after this write, before its
    # late read: patched onto the early read, `steady` would still be running
    others = poll(POLLS, minutes(POLLS + 0.5))
    alice = others.namespaces[0]
    assert alice.endpoints.value is not None
    quiet = tuple(endpoint("alice", "steady", state="scaledToZero", ready=0, target=0) if e.name == "steady" else e
                  for e in alice.endpoints.value)
    others = replace(others, namespaces=(replace(alice, endpoints=replace(alice.endpoints, value=quiet)),))
    read, interleaved = figures.read, []

    def meanwhile(conn: sqlite3.Connection, *args: Any) -> figures.Read:
        if len(args) > 4 and args[4] is not None and not interleaved:  # the late read, before it reads anything
            with HistoryStore.open(recorded) as dashboard:
                dashboard.record(others)
            interleaved.append(True)
        return read(conn, *args)

    monkeypatch.setattr(figures, "read", meanwhile)
    got = overlapped(recorded, snap, now)
    assert interleaved
    monkeypatch.setattr(figures, "read", read)
    with HistoryStore.open(recorded) as store:  # the file as both writes left it
        expected = store.load(*arguments(snap, now)[:3], figures=arguments(snap, now)[3])
    assert_same(got, expected)
    assert [c.state for c in got.changes if c.resource == "alice/steady"][-1] == "scaledToZero"
