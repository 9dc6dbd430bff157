"""Schema v16: each poll's ZeroGPU overage total per Space (`zero_gpu_overage`), as runs of polls that read the same
total, on a file upgraded from v15 with its rows kept, and pruned with the rest of history."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hfmon.history import OverageRun
from hfmon.store import HistoryStore, zero_gpu_points
from hfmon.store.extract import encode_time
from hfmon.store.schema import MIGRATIONS, SCHEMA_VERSION, migrate

PERIOD = datetime(2026, 11, 1, tzinfo=UTC)
NEXT = datetime(2026, 12, 1, tzinfo=UTC)
CHAT = "ada/chat-demo"


def at(minute: int) -> datetime:
    return datetime(2026, 11, 13, 16, tzinfo=UTC) + timedelta(minutes=minute)


def v15_file(path: Path) -> None:
    """A v15 history file holding one usage point."""
    conn = sqlite3.connect(path)
    migrate(conn, 0, MIGRATIONS[:15])
    conn.execute("INSERT INTO usage_points (namespace, at, period_start, inference_used_usd, jobs_used_usd) "
                 "VALUES ('ada', ?, ?, '1.25', NULL)", (encode_time(at(0)), encode_time(PERIOD)))
    conn.commit()
    conn.close()


def test_a_v15_file_is_upgraded_and_keeps_runs_of_polls_that_read_the_same_total(tmp_path: Path) -> None:
    path = tmp_path / "v15.sqlite3"
    v15_file(path)
    with HistoryStore.open(path) as store:
        assert [p.inference_used_usd for p in store.load(at(-1)).usage] == [Decimal("1.25")]  # kept
        for minute, total in ((0, "1.20"), (10, "1.20"), (20, "1.20"), (30, "1.30"), (40, "1.30")):
            store.transaction(lambda conn, m=minute, t=total: zero_gpu_points.record(
                conn, {("ada", CHAT, PERIOD): Decimal(t)}, encode_time(at(m))))
        store.transaction(lambda conn: zero_gpu_points.record(  # a new period: its own runs
            conn, {("ada", CHAT, NEXT): Decimal("0.10")}, encode_time(at(50))))
        assert zero_gpu_points.load(store, at(-1)) == (
            OverageRun("ada", CHAT, PERIOD, Decimal("1.20"), at(0), at(20)),
            OverageRun("ada", CHAT, PERIOD, Decimal("1.30"), at(30), at(40)),
            OverageRun("ada", CHAT, NEXT, Decimal("0.10"), at(50), at(50)))
        assert [r.first for r in zero_gpu_points.load(store, at(25))] == [at(30), at(50)]  # runs reaching it
        store.transaction(lambda conn: zero_gpu_points.prune(conn, encode_time(at(35))))
        assert [r.first for r in zero_gpu_points.load(store, at(-1))] == [at(30), at(50)]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 18
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
