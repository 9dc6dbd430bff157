"""A `Figures` load's sums read on a second connection in a thread (`store.side`): the same history as the rows, from
one snapshot of the file, errors that name the file, and no reader left behind."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path
from typing import Any

import pytest

from hfmon.costs import history_since
from hfmon.costs.billing_rules import BETWEEN_POLLS_STATE
from hfmon.costs.evaluate import history_windows
from hfmon.costs.figures import history_figures
from hfmon.history import History
from hfmon.models import Snapshot
from hfmon.store import HistoryError, HistoryStore, db, figures
from tests.store.builders import billing, endpoint, minutes, namespace, snapshot

POLLS = 90


def poll(i: int) -> Snapshot:
    """An endpoint up 20 minutes of every 30, another always up, the spend growing."""
    up = i % 30 < 20
    return snapshot(minutes(i), namespace("alice", usage=billing("alice", f"{i / 100:.2f}"), endpoints=[
        endpoint("alice", "llm", state="running" if up else "scaledToZero", ready=int(up), target=int(up)),
        endpoint("alice", "steady")]))


@pytest.fixture
def recorded(tmp_path: Path) -> Path:
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        for i in range(POLLS):
            store.record(poll(i))
    return path


def load(store: HistoryStore) -> History:
    snap, now = poll(POLLS - 1), minutes(POLLS)
    return store.load(history_since(snap, now), history_windows(snap, now, hourly=False), now,
                      figures=history_figures(snap, now))


def test_the_sums_from_the_other_connection_are_the_sums_from_this_one(recorded: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[str] = []
    sums = figures.sums

    def spy(conn: sqlite3.Connection, *args: Any) -> Any:
        threads.append(threading.current_thread().name)
        return sums(conn, *args)

    monkeypatch.setattr(figures, "sums", spy)
    with HistoryStore.open(recorded) as store:
        monkeypatch.setattr(db, "SIDE_READ_FROM", 10**9)
        here = load(store)
        monkeypatch.setattr(db, "SIDE_READ_FROM", 0)
        side = load(store)
    assert threads == [threading.current_thread().name, "hfmon-history-read"]
    assert side == here
    assert here.window_times is not None and here.window_times.times  # real sums were compared
    llm = here.window_times.times[("endpoint", "alice/llm")]
    # the last hour (poll 30 to 90, now at 90): seen up at minutes 30-49 and 60-79, each start and stop between two
    # polls a minute apart (from 1 µs past the earlier): 2 x (19 min + 1 µs) running, 3 x (1 min - 1 µs) between
    last_hour = (minutes(POLLS - 60), minutes(POLLS))
    minute = 60 * 10**6
    assert sum(t.micros for t in llm[last_hour] if t.state == "running") == 2 * (19 * minute + 1)
    assert sum(t.micros for t in llm[last_hour] if t.state == BETWEEN_POLLS_STATE) == 3 * (minute - 1)


def test_both_read_one_snapshot_whatever_commits_meanwhile(recorded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "SIDE_READ_FROM", 0)
    attempts: list[str] = []
    read, sums = figures.read, figures.sums

    def try_to_write(conn: sqlite3.Connection, *args: Any) -> Any:
        # the rows are read after the other reader's snapshot is fixed, and no commit can land before that
        other = sqlite3.connect(recorded, timeout=0, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")
            attempts.append("written")
            other.execute("ROLLBACK")
        except sqlite3.OperationalError as exc:
            attempts.append(str(exc))
        finally:
            other.close()
        return read(conn, *args)

    with HistoryStore.open(recorded) as store, HistoryStore.open(recorded) as another_process:
        expected = load(store)

        def record_meanwhile(conn: sqlite3.Connection, *args: Any) -> Any:
            another_process.record(poll(POLLS))  # waits for the write lock, then commits while this reads
            return sums(conn, *args)

        monkeypatch.setattr(figures, "read", try_to_write)
        monkeypatch.setattr(figures, "sums", record_meanwhile)
        loaded = load(store)
        monkeypatch.undo()
        later = load(store)
    assert attempts == ["database is locked"]
    assert loaded == expected  # neither reader saw the poll committed while they read
    assert later != expected and later.changes[-1].at == minutes(POLLS)  # which a load after it does see


def test_a_failure_on_the_other_connection_names_the_file_and_leaves_the_store_usable(
        recorded: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "SIDE_READ_FROM", 0)

    def broken(conn: sqlite3.Connection, *args: Any) -> Any:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(figures, "sums", broken)
    with HistoryStore.open(recorded) as store:
        with pytest.raises(HistoryError, match=str(recorded)):
            load(store)
        assert [t for t in threading.enumerate() if t.name == "hfmon-history-read"] == []
        store.record(poll(POLLS))
        monkeypatch.undo()
        assert load(store).changes[-1].at == minutes(POLLS)


def test_without_a_thread_the_sums_are_read_on_the_same_connection(recorded: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    with HistoryStore.open(recorded) as store:
        monkeypatch.setattr(db, "SIDE_READ_FROM", 10**9)
        expected = load(store)

        def no_thread(*args: object, **kwargs: object) -> None:
            raise RuntimeError("can't start new thread")

        monkeypatch.setattr(db, "SIDE_READ_FROM", 0)
        monkeypatch.setattr(db, "SideRead", no_thread)
        assert load(store) == expected
