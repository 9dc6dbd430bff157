"""Pragmas set for one transaction (a large page cache and a memory map while a poll is recorded, a memory map
while `hfmon once` reads): in force during it, back to SQLite's defaults after it, failed or not (a dashboard's
memory stays flat)."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hfmon.costs.figures import history_figures
from hfmon.store import HistoryError, HistoryStore, db, figures
from hfmon.store.record import record_states
from tests.store.builders import T0, billing, endpoint, namespace, snapshot

DEFAULTS = {"cache_size": -2000, "mmap_size": 0}  # SQLite's own defaults (what a fresh connection reports)


def settings(conn: sqlite3.Connection) -> dict[str, int]:
    return {name: conn.execute(f"PRAGMA {name}").fetchone()[0] for name in DEFAULTS}


def test_a_fresh_connection_has_the_defaults_this_test_expects(tmp_path: Path) -> None:
    with sqlite3.connect(tmp_path / "plain.sqlite3") as conn:
        assert settings(conn) == DEFAULTS


def test_a_recorded_poll_and_a_figures_load_leave_the_defaults(tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, int]] = []

    def spy(conn: sqlite3.Connection, *args: object) -> None:
        seen.append(settings(conn))
        record_states(conn, *args)  # type: ignore[arg-type]  # (observed, at) as db passes them

    monkeypatch.setattr(db, "record_states", spy)
    read = figures.read

    def read_spy(conn: sqlite3.Connection, *args: Any) -> figures.Read:
        seen.append(settings(conn))
        return read(conn, *args)

    monkeypatch.setattr(figures, "read", read_spy)
    snap = snapshot(T0, namespace("alice", usage=billing("alice", "1.00"), endpoints=[endpoint("alice", "llm")]))
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        store.record(snap)
        assert seen == [{"cache_size": -32 * 1024, "mmap_size": 256 * 1024 * 1024}]  # the poll's pages fit in it
        assert settings(store._conn) == DEFAULTS
        now = T0 + timedelta(minutes=1)
        loaded = store.load(T0 - timedelta(days=2), (), now, figures=history_figures(snap, now))
        assert [c.resource for c in loaded.changes] == ["alice/llm"]
        assert seen[1] == {"cache_size": -2000, "mmap_size": 256 * 1024 * 1024}  # read through a memory map
        assert settings(store._conn) == DEFAULTS


def test_a_failed_transaction_still_sets_them_back(tmp_path: Path) -> None:
    def fail(conn: sqlite3.Connection) -> None:
        assert settings(conn)["cache_size"] == -32 * 1024
        raise RuntimeError("boom")

    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        with pytest.raises(RuntimeError, match="boom"):
            store._run(fail, tuning=(db.WRITE_CACHE,))
        assert settings(store._conn) == DEFAULTS


def test_record_and_load_hold_the_write_cache_over_both_and_set_it_back(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[dict[str, int]] = []
    read = figures.read

    def read_spy(conn: sqlite3.Connection, *args: Any) -> figures.Read:
        seen.append(settings(conn))
        return read(conn, *args)

    monkeypatch.setattr(figures, "read", read_spy)
    snap = snapshot(T0, namespace("alice", usage=billing("alice", "1.00"), endpoints=[endpoint("alice", "llm")]))
    now = T0 + timedelta(minutes=1)
    with HistoryStore.open(tmp_path / "together.sqlite3") as store:
        together = store.record_and_load(snap, T0 - timedelta(days=2), (), now, figures=history_figures(snap, now))
        assert seen == [{"cache_size": -32 * 1024, "mmap_size": 256 * 1024 * 1024}]  # the write's pages still there
        assert settings(store._conn) == DEFAULTS
    with HistoryStore.open(tmp_path / "apart.sqlite3") as store:
        store.record(snap)
        apart = store.load(T0 - timedelta(days=2), (), now, figures=history_figures(snap, now))
    assert together == apart
    assert [c.resource for c in together.changes] == ["alice/llm"]


def test_record_and_load_set_them_back_when_the_load_fails(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(conn: sqlite3.Connection, *args: Any) -> figures.Read:
        raise sqlite3.OperationalError("disk I/O error")

    monkeypatch.setattr(figures, "read", fail)
    snap = snapshot(T0, namespace("alice", usage=billing("alice", "1.00"), endpoints=[endpoint("alice", "llm")]))
    now = T0 + timedelta(minutes=1)
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        with pytest.raises(HistoryError, match="disk I/O error"):
            store.record_and_load(snap, T0 - timedelta(days=2), (), now, figures=history_figures(snap, now))
        assert settings(store._conn) == DEFAULTS
        assert store.load(T0 - timedelta(days=2), (), now).changes  # the poll's write stayed: all or nothing each
