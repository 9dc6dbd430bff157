"""The background checkpoint: a poll's rows reach the database file itself (not only the WAL) while the store is
still open, closing leaves no WAL behind, and a checkpoint that cannot run costs nothing but its log line."""

from __future__ import annotations

import logging
import shutil
import sqlite3
from pathlib import Path

import pytest

from hfmon.models import Snapshot
from hfmon.store import HistoryStore
from hfmon.store.checkpoint import Checkpointer, checkpoint
from tests.store.builders import T0, billing, minutes, namespace, snapshot, space


def main_file_alone(path: Path, scratch: Path) -> sqlite3.Connection:
    """The database file as it is on disk, without its WAL: what a checkpoint has copied into it."""
    shutil.copyfile(path, scratch)
    return sqlite3.connect(scratch)


def poll(at_minute: float, used: str, stage: str) -> Snapshot:
    return snapshot(minutes(at_minute), namespace("alice", usage=billing("alice", used),
                                                  spaces=[space("alice/demo", stage=stage)]))


def test_a_recorded_poll_reaches_the_database_file_before_close(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        store.record(poll(0, "1.5", "RUNNING"))
        store._checkpoints.wait()
        assert Path(f"{path}-wal").exists()  # still open: the WAL is there, and yet the file has the poll
        alone = main_file_alone(path, tmp_path / "alone.sqlite3")
        assert alone.execute("SELECT inference_used_usd FROM usage_points").fetchall() == [("1.5",)]
        assert alone.execute("SELECT state FROM state_changes").fetchall() == [("RUNNING",)]
        alone.close()
    assert not Path(f"{path}-wal").exists()
    with HistoryStore.open(path) as again:
        history = again.load(T0)
    assert [str(p.inference_used_usd) for p in history.usage] == ["1.5"]


def test_polls_recorded_while_a_checkpoint_runs_are_checkpointed_too(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        for i, (used, stage) in enumerate([("1", "RUNNING"), ("2", "SLEEPING"), ("3", "RUNNING")]):
            store.record(poll(i, used, stage))  # no wait between them
        store._checkpoints.wait()
        alone = main_file_alone(path, tmp_path / "alone.sqlite3")
        assert [r[0] for r in alone.execute("SELECT inference_used_usd FROM usage_points ORDER BY at")] == \
            ["1", "2", "3"]
        assert [r[0] for r in alone.execute("SELECT state FROM state_changes ORDER BY at")] == \
            ["RUNNING", "SLEEPING", "RUNNING"]
        alone.close()


def test_a_checkpoint_that_cannot_run_is_logged_and_changes_nothing(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    garbage = tmp_path / "not-a-database"
    garbage.write_bytes(b"this is not SQLite" * 100)
    with caplog.at_level(logging.DEBUG, logger="hfmon.store.checkpoint"):
        checkpoint(garbage, "NORMAL")
        runner = Checkpointer(garbage, "NORMAL")
        runner.start()
        runner.wait()
    assert garbage.read_bytes() == b"this is not SQLite" * 100
    assert [r.message for r in caplog.records].count(
        f"background checkpoint of {garbage} skipped: file is not a database") == 2


def test_waiting_without_a_checkpoint_returns_at_once(tmp_path: Path) -> None:
    Checkpointer(tmp_path / "never.sqlite3", "NORMAL").wait()
    assert not (tmp_path / "never.sqlite3").exists()
