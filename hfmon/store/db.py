"""`HistoryStore`: the SQLite file that keeps usage totals and resource state changes across runs.

Durability: WAL with `synchronous=NORMAL`. A commit is a write() to the WAL that completes before COMMIT
returns; `kill -9` cannot undo it because the data is already in the OS page cache, which outlives the
process (the kill -9 test checks this). FULL would add an fsync per commit, which only matters if the machine
itself loses power or crashes: then NORMAL may roll back the last few polls (never corrupting the file).
Losing a minute of re-observable poll data on a power cut is cheaper than an fsync stall in every poll
(benchmarks/history.py prints both).
Concurrency: every write is a `BEGIN IMMEDIATE` transaction (the write lock is taken up front, so a
read-then-write never fails on a stale snapshot), and a busy timeout lets a second process wait its turn.
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

import platformdirs

from hfmon import errors
from hfmon.files import narrow, private_dir, private_file
from hfmon.history import Figures, History, PollRun, StateChange, UsagePoint, Window, WindowTimes
from hfmon.models import Snapshot
from hfmon.store import figures as figures_read
from hfmon.store import provider_points
from hfmon.store import queries as q
from hfmon.store.aggregates import window_times
from hfmon.store.checkpoint import AUTOCHECKPOINT_PAGES, Checkpointer
from hfmon.store.extract import (
    decode_money,
    decode_time,
    encode_time,
    observe,
    usage_points,
)
from hfmon.store.ledger import fresh_sessions, record_sessions
from hfmon.store.record import record_poll, record_states, record_usage
from hfmon.store.schema import SCHEMA_VERSION, expected_shape, migrate, shape, user_version

T = TypeVar("T")

FILENAME = "history.sqlite3"
DEFAULT_RETENTION_DAYS = 90
BUSY_TIMEOUT_S = 30.0
PRUNE_EVERY = timedelta(days=1)
SYNCHRONOUS = "NORMAL"  # see the module docstring
RETRY_PAUSE_S = 0.02  # between attempts when SQLite reports "locked" without waiting
WAL_SIZE_LIMIT = 4 * 1024 * 1024  # bytes the WAL is truncated to after a checkpoint
Tuning = tuple[str, int, int]  # (pragma, its value during one transaction, its value after)
WRITE_CACHE: Tuning = ("cache_size", -32 * 1024, -2000)  # KiB; -2000 is SQLite's default
"""The page cache while a poll is recorded: a poll of 1,000 resources changes about 1,500 pages, which overflow the
default cache, and SQLite then writes dirty pages to the WAL mid-transaction, some several times (record() at 1,000
resources: 84 -> 62 ms CPU). Set back to the default after each poll: the memory is returned."""
MAPPED: Tuning = ("mmap_size", 256 * 1024 * 1024, 0)
"""The file read through a memory map while a poll is recorded and during a `Figures` load (`hfmon once`): they read
a few thousand pages scattered over a month of history, each otherwise one system call and a copy (at 1,000
resources the load's reads take 15 % less CPU, record() 10 % less). Unmapped after: mapped pages count in the
resident memory of a long-running dashboard."""


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


def _explain(path: Path, exc: sqlite3.Error) -> HistoryError:
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
    return HistoryError(path, f"history file {path}: {exc}")


def _rollback(conn: sqlite3.Connection) -> None:
    if conn.in_transaction:  # SQLite may already have rolled back (e.g. on a full disk)
        conn.execute("ROLLBACK")


def _is_busy(exc: sqlite3.Error) -> bool:
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
            if not _is_busy(exc):
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


def _connect(path: Path) -> sqlite3.Connection:
    """Open `path` and bring its schema to SCHEMA_VERSION; never writes to a file it cannot understand."""
    conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_S, isolation_level=None, check_same_thread=False)
    try:
        conn.execute("BEGIN")  # both reads from one snapshot, in case another process is creating the file
        version = user_version(conn)  # a read: raises SQLITE_NOTADB on garbage before anything is written
        foreign = version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0] > 0
        # A known version with other tables is not ours either: refuse it before anything (even WAL) is written.
        mismatched = 0 < version <= SCHEMA_VERSION and shape(conn) != expected_shape(version)
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
                _rollback(conn)
                raise
    except BaseException:
        conn.close()
        raise
    return conn


class HistoryStore:
    """Usage totals and resource state changes, kept in SQLite for `retention_days`."""

    def __init__(self, conn: sqlite3.Connection, path: Path, retention_days: int) -> None:
        self._conn = conn
        self._lock = threading.Lock()
        self._pruned_for: datetime | None = None
        self._loaded: _Loaded | None = None  # what the last load read (the next one adds only what is newer)
        self.path = path
        self.retention = timedelta(days=retention_days)
        self._checkpoints = Checkpointer(path, SYNCHRONOUS)  # a poll's pages reach the file off the caller's path

    @classmethod
    def open(cls, path: Path | None = None, *, retention_days: int = DEFAULT_RETENTION_DAYS) -> HistoryStore:
        """Open (creating or migrating) the history file, then drop what is older than the retention."""
        if retention_days < 1:
            raise ValueError(f"retention_days must be at least 1, not {retention_days}")
        if path is None:
            path = default_path()
            try:
                private_dir(path.parent)
            except OSError as exc:
                raise HistoryError(path, f"cannot create the history directory {path.parent} ({exc}); "
                                         "set HFMON_DATA_DIR to a writable directory") from exc
        path = Path(path)
        if not path.parent.is_dir():
            raise HistoryError(path, f"cannot open history file {path}: directory {path.parent} does not exist")
        try:
            private_file(path)  # account data: 0600, and SQLite gives the WAL and SHM files the same mode
        except OSError as exc:
            raise HistoryError(path, f"cannot create history file {path} ({exc}); make {path.parent} writable "
                                     "or set HFMON_DATA_DIR to a writable directory") from exc
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                conn = _connect(path)
                break
            except sqlite3.Error as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise _explain(path, exc) from exc
            time.sleep(RETRY_PAUSE_S)
        # Only a file accepted as ours is narrowed: a refused one is left untouched.
        narrow(path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm"))
        store = cls(conn, path, retention_days)
        try:
            store.prune()
        except BaseException:
            store.close()
            raise
        return store

    def close(self) -> None:
        """Close the file (committed data is already safe), after the background checkpoint running, if any."""
        self._checkpoints.close()
        with self._lock:
            self._conn.close()

    def __enter__(self) -> HistoryStore:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def _run(self, body: Callable[[sqlite3.Connection], T], begin: str = "BEGIN IMMEDIATE", *,
             tuning: Sequence[Tuning] = ()) -> T:
        """Run `body` in one transaction; retry it whole if SQLite reports "locked" without waiting.

        `tuning`: pragmas set for this transaction only (each set back after it, even when it fails)."""
        with self._lock:
            try:
                try:
                    for pragma, during, _ in tuning:
                        self._conn.execute(f"PRAGMA {pragma} = {during}")  # PRAGMA takes no bound parameters
                    return self._attempts(body, begin)
                finally:  # memory a setting took is returned: the dashboard's stays flat poll after poll
                    for pragma, _, after in tuning:
                        self._conn.execute(f"PRAGMA {pragma} = {after}")
            except sqlite3.Error as exc:  # setting a pragma failed (the transaction explains its own errors)
                raise _explain(self.path, exc) from exc

    def _attempts(self, body: Callable[[sqlite3.Connection], T], begin: str) -> T:
        """`_run`'s transaction and its retries (the caller holds the lock)."""
        deadline = time.monotonic() + BUSY_TIMEOUT_S
        while True:
            try:
                self._conn.execute(begin)
                try:
                    result = body(self._conn)
                    self._conn.execute("COMMIT")
                except BaseException:
                    _rollback(self._conn)
                    raise
                return result
            except sqlite3.Error as exc:
                if not _is_busy(exc) or time.monotonic() > deadline:
                    raise _explain(self.path, exc) from exc
            except OverflowError as exc:  # a number SQLite cannot hold: the poll goes on without history
                raise HistoryError(self.path, f"history file {self.path}: a value too large to store "
                                              f"({exc})") from exc
            time.sleep(RETRY_PAUSE_S)

    def transaction(self, body: Callable[[sqlite3.Connection], T], *, write: bool = True) -> T:
        """Run `body` in one transaction (holding the write lock from the start when `write`)."""
        return self._run(body, "BEGIN IMMEDIATE" if write else "BEGIN")

    # --- writing ---------------------------------------------------------------------------------

    def record(self, snapshot: Snapshot) -> None:
        """Append what `snapshot` adds (changed usage totals and resource states), in one transaction."""
        at = encode_time(snapshot.taken_at)
        points = usage_points(snapshot)
        observed = observe(snapshot)
        sessions = fresh_sessions(snapshot)
        providers = provider_points.provider_sets(snapshot)

        def write(conn: sqlite3.Connection) -> None:
            record_usage(conn, points, at)
            provider_points.record(conn, providers, at)  # spend per provider, for its charts over time
            record_sessions(conn, sessions, snapshot.taken_at)  # settled costs of the proxy's sessions
            record_states(conn, observed, at)
            if observed.listed:  # the poll saw resources: it counts for the gaps history must allow for
                record_poll(conn, at)

        self._run(write, tuning=(WRITE_CACHE, MAPPED))
        self._checkpoints.start()
        if self._loaded is not None and at <= self._loaded.mark:  # not after what was read: read it all again
            self._loaded = None
        if self._pruned_for is None or snapshot.taken_at - self._pruned_for >= PRUNE_EVERY:
            self.prune(snapshot.taken_at)

    def prune(self, now: datetime | None = None) -> int:
        """Drop rows older than the retention before `now` (default: the newest recorded time); return how many.

        Each resource keeps its last change before the cutoff, so its state at the window's start stays
        known; resources not seen for the whole retention window are forgotten entirely.
        """

        def delete(conn: sqlite3.Connection) -> tuple[int | None, int]:
            reference = encode_time(now) if now is not None else q.newest_time(conn)
            if reference is None:
                return None, 0
            before = conn.total_changes
            q.prune(conn, reference - self.retention // q.MICROSECOND)
            provider_points.prune(conn, reference - self.retention // q.MICROSECOND)
            return reference, conn.total_changes - before

        reference, deleted = self._run(delete)
        if deleted:
            self._loaded = None  # rows read before may be gone
            self._checkpoints.start()
        if reference is not None:
            self._pruned_for = decode_time(reference)
        return deleted

    # --- reading ---------------------------------------------------------------------------------

    def load(self, since: datetime, windows: Sequence[Window] = (), now: datetime | None = None, *,
             figures: Figures | None = None) -> History:
        """Usage points and state changes from `since` on, oldest first.

        For each namespace and each resource the last row before `since` comes too, so a window's
        starting state (and a trailing rate's starting total) is known. With `windows` (each ending by `now`),
        each resource's time in each state within them is summed in SQL (`History.window_times`).

        Incremental: when the previous load had the same `since` and no other process wrote since (SQLite's
        `data_version`), only the rows this process recorded after it are read and added to what it read.

        With `figures` (a caller that reports figures only), the rows are recent ones and older history comes
        summed (`store.figures`); the Report has the same figures. Such a load is never incremental.
        """
        start = encode_time(since)
        if (windows or figures) and now is None:
            raise ValueError("load(windows=..., figures=...) needs now=")
        before = self._loaded if self._loaded is not None and self._loaded.since == start else None
        found: list[figures_read.Read] = []

        def read(conn: sqlite3.Connection) -> tuple[int, list[Any], list[Any], dict[int, tuple[str, str]],
                                                    list[Any], WindowTimes | None]:
            version = conn.execute("PRAGMA data_version").fetchone()[0]  # changes when another process commits
            if figures is not None and now is not None:
                found.append(figures_read.read(conn, start, figures, windows, now))
                usage, changes = found[0].usage, found[0].changes
            elif before is None or version != before.version:
                usage = conn.execute(q.LOAD_USAGE, {"since": start}).fetchall()
                changes = conn.execute(q.LOAD_CHANGES, {"since": start}).fetchall()
            else:
                usage = conn.execute(q.USAGE_AFTER, {"after": before.mark}).fetchall()
                changes = conn.execute(q.CHANGES_AFTER, {"after": before.mark}).fetchall()
            return (version, usage, changes,
                    {rid: (kind, resource) for rid, kind, resource in conn.execute(q.RESOURCE_NAMES)},
                    conn.execute(q.LOAD_POLL_RUNS, {"since": start}).fetchall(),
                    window_times(conn, windows, now) if windows and now is not None else None)

        version, usage_rows, change_rows, names, run_rows, summed = self._run(
            read, "BEGIN", tuning=(MAPPED,) if figures is not None else ())  # one read snapshot
        added = not found and before is not None and version == before.version
        times: dict[int, datetime] = {}  # one poll's rows share a time: decode it once

        def time_of(value: int) -> datetime:
            moment = times.get(value)
            if moment is None:
                moment = times[value] = decode_time(value)
            return moment

        usage = tuple(
            UsagePoint(ns, time_of(at), time_of(period_start), Decimal(inference), decode_money(jobs))
            for ns, at, period_start, inference, jobs in usage_rows)
        changes = tuple(
            StateChange(*names[rid], time_of(at), state, hardware, replicas)
            for rid, at, state, hardware, replicas in change_rows)
        runs = tuple(PollRun(decode_time(first), decode_time(last), gap / 10**6) for first, last, gap in run_rows)
        if found:
            return History(usage=usage, changes=changes, poll_runs=runs, window_times=summed, seen=found[0].seen,
                           span_times=found[0].span_times, detail=False)
        marks = [rows[-1][1] for rows in (usage_rows, change_rows) if rows]  # each ordered by time: its last is latest
        if added and before is not None:
            usage, changes = before.usage + usage, before.changes + changes  # all new rows are later: still in order
            marks.append(before.mark)
        self._loaded = _Loaded(start, version, max(marks), usage, changes) if marks else None
        return History(usage=usage, changes=changes, poll_runs=runs, window_times=summed)


@dataclass(frozen=True, slots=True)
class _Loaded:
    """What the last `load` read: every usage point and state change from `since` up to `mark` (times encoded)."""

    since: int
    version: int  # SQLite's data_version then: another process's commit changes it
    mark: int
    usage: tuple[UsagePoint, ...]
    changes: tuple[StateChange, ...]
