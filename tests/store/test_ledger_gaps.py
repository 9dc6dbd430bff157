"""Schemas v13 to v15: the proxy requests the ledger lost for good (`ledger_gaps`), of which `hfmon run` and on
whose bill, on a file upgraded from an older version, and pruned with the ledger."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from pathlib import Path

import pytest

from hfmon.ledger import LedgerGap
from hfmon.store import HistoryStore
from hfmon.store import ledger as stored
from hfmon.store.db import LEDGER_KEPT
from hfmon.store.extract import encode_time
from hfmon.store.schema import MIGRATIONS, SCHEMA_VERSION, migrate
from tests.store.builders import minutes
from tests.store.test_ledger_caller import V9_FILE

FULL = "cannot write history file: the disk holding it is full"


def test_an_older_file_is_upgraded_keeping_its_ledger_and_records_lost_requests(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old = tmp_path / "v9.sqlite3"
    shutil.copyfile(V9_FILE, old)
    with HistoryStore.open(old) as store:
        assert "upgrading the history file" in capsys.readouterr().err
        rows = stored.load(store, minutes(-1))
        assert [r.request_id for r in rows] == ["r1", "r2"]  # kept as they were
        assert stored.load_gaps(store, minutes(-1)) == ()  # an older file lost none it knows of
        gap = LedgerGap(minutes(1), minutes(2), 7, FULL)
        stored.record_gap(store, gap)
        assert stored.load_gaps(store, minutes(-1)) == (gap,)
        assert stored.load_gaps(store, minutes(2)) == (gap,)  # it reaches into a window from its last request on
        assert stored.load_gaps(store, minutes(3)) == ()
    conn = sqlite3.connect(old)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()


def test_a_gap_is_pruned_with_the_ledger_rows_of_its_time(tmp_path: Path) -> None:
    later = LEDGER_KEPT + timedelta(days=1)  # the ledger is kept that long, however short the retention
    with HistoryStore.open(tmp_path / "h.sqlite3", retention_days=1) as store:
        stored.record_gap(store, LedgerGap(minutes(0), minutes(1), 3, FULL))
        stored.record_gap(store, LedgerGap(minutes(0) + later, minutes(1) + later, 1, FULL))
        store.prune(minutes(1) + later)
        assert [g.requests for g in stored.load_gaps(store, minutes(-1))] == [1]


def test_a_v13_gap_is_kept_of_no_run_and_a_runs_gap_is_its_own(tmp_path: Path) -> None:
    path = tmp_path / "v13.sqlite3"
    conn = sqlite3.connect(path)
    migrate(conn, 0, MIGRATIONS[:13])
    conn.execute("INSERT INTO ledger_gaps (first_at, last_at, requests, why) VALUES (?, ?, 4, ?)",
                 (encode_time(minutes(1)), encode_time(minutes(2)), FULL))
    conn.commit()
    conn.close()
    with HistoryStore.open(path) as store:
        assert stored.load_gaps(store, minutes(-1)) == (LedgerGap(minutes(1), minutes(2), 4, FULL),)
        stored.record_gap(store, LedgerGap(minutes(3), minutes(4), 2, FULL, run_id="r1"))
        assert [g.requests for g in stored.run_gaps(store, "r1")] == [2]  # the v13 gap is no run's
        assert [g.requests for g in stored.load_gaps(store, minutes(-1))] == [4, 2]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_a_v14_gap_is_kept_as_anyones_and_a_new_gap_says_whose_bill_it_was_on(tmp_path: Path) -> None:
    """v15: a gap recorded before it may be any account's (every account sharing the file reads "at least"); one
    recorded now names whose bill its requests were on, the caller's own account (no X-HF-Bill-To) or an org."""
    path = tmp_path / "v14.sqlite3"
    conn = sqlite3.connect(path)
    migrate(conn, 0, MIGRATIONS[:14])
    conn.execute("INSERT INTO ledger_gaps (first_at, last_at, requests, why, run_id) VALUES (?, ?, 4, ?, 'r0')",
                 (encode_time(minutes(1)), encode_time(minutes(2)), FULL))
    conn.commit()
    conn.close()
    mine = LedgerGap(minutes(3), minutes(4), 2, FULL, owner=(None, "ada"))
    org = LedgerGap(minutes(3), minutes(4), 1, FULL, run_id="r1", owner=("ada-labs", None))
    with HistoryStore.open(path) as store:
        stored.record_gap(store, mine)
        stored.record_gap(store, org)
        assert stored.load_gaps(store, minutes(-1)) == (LedgerGap(minutes(1), minutes(2), 4, FULL, "r0"), mine, org)
        assert stored.run_gaps(store, "r1") == (org,)
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 18
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
