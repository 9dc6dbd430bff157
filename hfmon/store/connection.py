"""Opening the history file: the connection, its settings (WAL, synchronous, checkpoints), the schema brought up
to date, and errors that say what to do (`HistoryStore.open` retries and narrows around it)."""

from __future__ import annotations

import os
import shutil
import sqlite3
import sys
import time
from pathlib import Path

import platformdirs

from hfmon import errors
from hfmon.store.checkpoint import AUTOCHECKPOINT_PAGES
from hfmon.store.schema import SCHEMA_VERSION, migrate, shape, shape_of_version, user_version

FILENAME = "history.sqlite3"
BUSY_TIMEOUT_S = 30.0
SYNCHRONOUS = "NORMAL"  # see `store.db`'s docstring
RETRY_PAUSE_S = 0.02  # between attempts when SQLite reports "locked" without waiting
WAL_SIZE_LIMIT = 4 * 1024 * 1024  # bytes the WAL is truncated to after a checkpoint


class HistoryError(errors.HistoryError):
    """The history file cannot be used; the message names the file and what to do."""

    def __init__(self, path: Path, message: str) -> None:
        super().__init__(message)
        self.path = path


def default_path() -> Path:
    """Where the history lives: `$HFMON_DATA_DIR/history.sqlite3`, else the platformdirs user data dir."""
    override = os.environ.get("HFMON_DATA_DIR")
    base = Path(override).expanduser() if override else platformdirs.user_data_path("hfmon")
    return base / FILENAME


def explain(path: Path, exc: sqlite3.Error) -> HistoryError:
    """A HistoryError that says what went wrong with `path` and what the user can do."""
    code = getattr(exc, "sqlite_errorcode", 0) & 0xFF
    if code in (sqlite3.SQLITE_NOTADB, sqlite3.SQLITE_CORRUPT):
        return HistoryError(path, f"history file {path} is damaged or not an SQLite database ({exc}); "
                                  "move it aside (hfmon then starts a new history) or restore a backup")
    if code in (sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_READONLY, sqlite3.SQLITE_PERM, sqlite3.SQLITE_AUTH):
        return HistoryError(path, f"cannot write history file {path} ({exc}); make {path.parent} writable "
                                  "or set HFMON_DATA_DIR to a writable directory")
    if code in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
        return HistoryError(path, f"history file {path} is locked by another process ({exc}, waited up to "
                                  f"{BUSY_TIMEOUT_S:.0f} s); try again, or stop the other hfmon")
    if code in (sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR) and _disk_full(path):
        return HistoryError(path, f"cannot write history file {path}: the disk holding it is full ({exc}); free "
                                  "some space or set HFMON_DATA_DIR to another disk")
    return HistoryError(path, f"history file {path}: {exc}")


def _disk_full(path: Path) -> bool:
    """Whether the file system holding `path` has (about) no room left (SQLite says only "disk I/O error")."""
    try:
        return shutil.disk_usage(path.parent).free < FULL_BELOW_BYTES
    except OSError:
        return False


FULL_BELOW_BYTES = 1 << 20  # under a MiB free: a write of a poll (pages, journal) may not fit


def rollback(conn: sqlite3.Connection) -> None:
    """End the open transaction, if SQLite has not already ended it."""
    if conn.in_transaction:  # SQLite may already have rolled back (e.g. on a full disk)
        conn.execute("ROLLBACK")


def is_busy(exc: sqlite3.Error) -> bool:
    """The error is SQLite reporting the file busy or locked (worth waiting and trying again)."""
    return getattr(exc, "sqlite_errorcode", 0) & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)


def _enable_wal(conn: sqlite3.Connection) -> None:
    """Switch the file to WAL (persistent), waiting while other processes hold it.

    The switch needs an exclusive lock and SQLite reports "locked" at once instead of calling the busy
    handler (seen when two processes create the file together), so this waits here.
    """
    deadline = time.monotonic() + BUSY_TIMEOUT_S
    while _journal_mode(conn) != "wal":
        try:
            if str(conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]).lower() == "wal":
                return
        except sqlite3.OperationalError as exc:
            if not is_busy(exc):
                raise
            if time.monotonic() > deadline:
                raise
        if time.monotonic() > deadline:
            raise sqlite3.OperationalError("could not switch the history file to WAL mode")
        time.sleep(RETRY_PAUSE_S)


def _journal_mode(conn: sqlite3.Connection) -> str:
    return str(conn.execute("PRAGMA journal_mode").fetchone()[0]).lower()


def _check_intact(conn: sqlite3.Connection, path: Path) -> None:
    problems = [row[0] for row in conn.execute("PRAGMA quick_check(5)")]
    if problems != ["ok"]:
        raise HistoryError(path, f"history file {path} is damaged ({'; '.join(problems)}); move it aside "
                                 "(hfmon then starts a new history) or restore a backup")


def connect(path: Path) -> sqlite3.Connection:
    """Open `path` and bring its schema to SCHEMA_VERSION; never writes to a file it cannot understand."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("BEGIN")  # both reads from one snapshot, in case another process is creating the file
        version = user_version(conn)  # a read: raises SQLITE_NOTADB on garbage before anything is written
        foreign = version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        # A known version with other tables is not ours either: refuse it before anything (even WAL) is written.
        mismatched = 0 < version <= SCHEMA_VERSION and shape(conn) != shape_of_version(version)
        conn.execute("COMMIT")
        if version > SCHEMA_VERSION:
            raise HistoryError(path, f"history file {path} has schema version {version}, newer than this "
                                     f"hfmon knows ({SCHEMA_VERSION}); run a newer hfmon, or move the file "
                                     "aside to start a new history")
        if foreign:
            raise HistoryError(path, f"{path} is an SQLite database but not an hfmon history file; "
                                     "move it aside or point hfmon at another path")
        if mismatched:
            raise HistoryError(path, f"history file {path} says schema version {version} but does not have "
                                     "its tables; it was left untouched: move it aside to start a new history")
        if 0 < version < SCHEMA_VERSION:  # seconds on a large file: say why this start is slower, once
            print(f"hfmon: upgrading the history file {path} (one time)…", file=sys.stderr, flush=True)
        if version > 0 and (version < SCHEMA_VERSION or _journal_mode(conn) != "wal"):
            _check_intact(conn, path)  # about to change the file's shape: make sure it is sound first
        _enable_wal(conn)
        conn.execute(f"PRAGMA synchronous = {SYNCHRONOUS}")
        conn.execute(f"PRAGMA journal_size_limit = {WAL_SIZE_LIMIT}")
        conn.execute(f"PRAGMA wal_autocheckpoint = {AUTOCHECKPOINT_PAGES}")  # polls checkpoint in the background
        if version < SCHEMA_VERSION:
            conn.execute("BEGIN IMMEDIATE")
            try:
                version = user_version(conn)  # again under the write lock: another process may have migrated
                if version < SCHEMA_VERSION:
                    migrate(conn, version)
                conn.execute("COMMIT")
            except BaseException:
                rollback(conn)
                raise
    except BaseException:
        conn.close()
        raise
    return conn
