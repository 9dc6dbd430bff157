"""The background checkpoint: a poll's rows reach the database file itself (not only the WAL) while the store is
still open, closing leaves no WAL behind, and a checkpoint that cannot run costs nothing but its log line."""

from __future__ import annotations

import logging
import shutil
import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path

import pytest

from hfmon.models import Snapshot
from hfmon.store import HistoryStore
from hfmon.store import checkpoint as checkpoint_module
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


def test_polls_recorded_while_a_checkpoint_runs_are_checkpointed_too(tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(checkpoint_module, "MIN_GAP_S", 0.0)  # the rerun at once, not a second later
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        for i, (used, stage) in enumerate([("1", "RUNNING"), ("2", "SLEEPING"), ("3", "RUNNING")]):
            store.record(poll(i, used, stage))  # no wait between them
        store._checkpoints.wait()
        alone = main_file_alone(path, tmp_path / "alone.sqlite3")
        assert [r[0] for r in alone.execute("SELECT inference_used_usd FROM usage_points ORDER BY at")] == \
            ["1", "2", "3"]
        assert [r[0] for r in alone.execute("SELECT state FROM state_changes ORDER BY at")] == \
            ["RUNNING", "between_polls", "SLEEPING", "between_polls", "RUNNING"]  # each change between two polls
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


def bounded(action: Callable[[], None], seconds: float = 10.0) -> bool:
    """Whether `action()` returned within `seconds` (run in a thread, so that a hang fails the test, not CI)."""
    done = threading.Event()

    def run() -> None:
        action()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done.wait(seconds)


def test_a_checkpoint_thread_that_dies_is_no_longer_running(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []

    def broken(path: Path, synchronous: str) -> None:
        calls.append(path)
        raise OSError("disk gone")

    monkeypatch.setattr(checkpoint_module, "checkpoint", broken)
    monkeypatch.setattr(threading, "excepthook", lambda args: None)  # the thread's traceback is the point here
    runner = Checkpointer(tmp_path / "history.sqlite3", "NORMAL")
    runner.start()
    assert bounded(runner.wait)  # before: `wait` spun for ever on a thread that had died "running"
    runner.start()  # and the next poll's checkpoint starts again
    assert bounded(runner.close)
    assert len(calls) == 2


def test_no_checkpoint_starts_after_close_and_none_creates_a_missing_file(tmp_path: Path) -> None:
    gone = tmp_path / "moved-aside.sqlite3"
    checkpoint(gone, "NORMAL")  # the history file moved aside meanwhile: not created again (empty, 0644)
    runner = Checkpointer(gone, "NORMAL")
    runner.close()
    runner.start()  # a record that committed just before close
    assert runner._thread is None
    assert not gone.exists()
