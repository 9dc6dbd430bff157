"""A history file on a full disk: the message says the disk is full and what to do (SQLite says only "disk I/O
error"; audit 3, finding 17b)."""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from pathlib import Path

import pytest

from hfmon.store import connection

Usage = namedtuple("Usage", "total used free")


def error(code: int) -> sqlite3.OperationalError:
    exc = sqlite3.OperationalError("disk I/O error")
    exc.sqlite_errorcode = code  # type: ignore[attr-defined]
    return exc


@pytest.mark.parametrize("code", [sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR | (13 << 8)])
def test_a_full_disk_is_named_with_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, code: int) -> None:
    path = tmp_path / "history.sqlite3"
    monkeypatch.setattr(connection.shutil, "disk_usage", lambda _: Usage(600_000, 600_000, 0))
    message = str(connection.explain(path, error(code)))
    assert "the disk holding it is full" in message and "HFMON_DATA_DIR" in message


def test_an_io_error_with_room_left_is_not_called_a_full_disk(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(connection.shutil, "disk_usage", lambda _: Usage(10**12, 10**9, 10**11))
    message = str(connection.explain(tmp_path / "history.sqlite3", error(sqlite3.SQLITE_IOERR)))
    assert "full" not in message and "disk I/O error" in message
