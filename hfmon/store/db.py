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

import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any, TypeVar

from hfmon.costs.uptime import statement_bounds
from hfmon.costs.zero_gpu_windows import overage_totals
from hfmon.files import narrow, private_dir, private_file
from hfmon.history import BILLING, Figures, History, Span, SpanTime, StateChange, UsagePoint, Window, WindowTimes
from hfmon.models import Snapshot
from hfmon.store import figures as figures_read
from hfmon.store import provider_points, zero_gpu_points
from hfmon.store import queries as q
from hfmon.store.aggregates import window_times
from hfmon.store.checkpoint import Checkpointer
from hfmon.store.connection import (
    BUSY_TIMEOUT_S,
    RETRY_PAUSE_S,
    SYNCHRONOUS,
    HistoryError,
    connect,
    default_path,
    explain,
    is_busy,
    rollback,
)
from hfmon.store.extract import (
    decode_bounds,
    decode_listing_runs,
    decode_rows,
    decode_runs,
    decode_time,
    encode_time,
    observe,
    usage_points,
)
from hfmon.store.ledger import fresh_sessions, record_sessions
from hfmon.store.record import record_bounds, record_listings, record_poll, record_states, record_usage
from hfmon.store.side import SideRead

T = TypeVar("T")
Sums = tuple[WindowTimes | None, dict[Span, SpanTime | None]]  # what `figures.sums` reads

DEFAULT_RETENTION_DAYS = 90
PRUNE_EVERY = timedelta(days=1)
# The proxy's figures reach 60 days back (30 d and the 30 d before it) and the period before this one: its ledger
# rows (small) are kept that long whatever retention_days says, or a shorter retention would make this period's
# counts fall and read complete
LEDGER_KEPT = timedelta(days=62)
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
HELD = (WRITE_CACHE, MAPPED)
"""What `record_and_load` holds over a poll's write and the load after it."""
SIDE_READ_FROM = 500
"""Resources from which a `Figures` load sums on a second connection in a thread (`store.side`): at 1,000 resources
the sums are ~70 of its ~150 ms of CPU, and run on the other core; at 200 the second connection costs more than it
saves (benchmarks/once.py)."""


class HistoryStore:
    """Usage totals and resource state changes, kept in SQLite for `retention_days`."""

    def __init__(self, conn: sqlite3.Connection, path: Path, retention_days: int) -> None:
        self._conn = conn
        self._lock = threading.RLock()  # re-entered by record_and_load's transactions
        self._held = False  # record_and_load holds its tuning over both transactions: each leaves it alone
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
                conn = connect(path)
                break
            except sqlite3.Error as exc:
                if not is_busy(exc) or time.monotonic() > deadline:
                    raise explain(path, exc) from exc
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

        `tuning`: pragmas set for this transaction only (each set back after it, even when it fails), unless
        `record_and_load` holds them over both of its transactions."""
        with self._lock:
            if self._held:
                tuning = ()
            try:
                try:
                    for pragma, during, _ in tuning:
                        self._conn.execute(f"PRAGMA {pragma} = {during}")  # PRAGMA takes no bound parameters
                    return self._attempts(body, begin)
                finally:  # memory a setting took is returned: the dashboard's stays flat poll after poll
                    for pragma, _, after in tuning:
                        self._conn.execute(f"PRAGMA {pragma} = {after}")
            except sqlite3.Error as exc:  # setting a pragma failed (the transaction explains its own errors)
                raise explain(self.path, exc) from exc

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
                    rollback(self._conn)
                    raise
                return result
            except sqlite3.Error as exc:
                if not is_busy(exc) or time.monotonic() > deadline:
                    raise explain(self.path, exc) from exc
            except OverflowError as exc:  # a number SQLite cannot hold: the poll goes on without history
                raise HistoryError(self.path, f"history file {self.path}: a value too large to store "
                                              f"({exc})") from exc
            time.sleep(RETRY_PAUSE_S)

    def transaction(self, body: Callable[[sqlite3.Connection], T], *, write: bool = True) -> T:
        """Run `body` in one transaction (holding the write lock from the start when `write`)."""
        return self._run(body, "BEGIN IMMEDIATE" if write else "BEGIN")

    # --- writing ---------------------------------------------------------------------------------

    def record(self, snapshot: Snapshot, since: datetime | None = None) -> None:
        """Append what `snapshot` adds (changed usage totals and resource states), in one transaction. `since`: where
        the load that follows starts (None: every row kept), for the most replicas history recorded of a resource,
        as the Report reads them (`statement_bounds`)."""
        at = encode_time(snapshot.taken_at)
        points = usage_points(snapshot)
        observed = observe(snapshot)
        listed = observed.listed | {(p.namespace, BILLING) for p in points}  # billing read fresh: usage totals
        sessions = fresh_sessions(snapshot)
        providers = provider_points.provider_sets(snapshot)
        overage = overage_totals(snapshot)

        def write(conn: sqlite3.Connection) -> int:
            record_usage(conn, points, at)
            provider_points.record(conn, providers, at)  # spend per provider, for its charts over time
            record_sessions(conn, sessions, snapshot.taken_at)  # settled costs of the proxy's sessions
            earliest = record_states(conn, observed, at)
            from_at = 0 if since is None else encode_time(since)
            record_bounds(conn, statement_bounds(snapshot, lambda kind, resource: conn.execute(
                q.MOST_REPLICAS_FROM, {"kind": kind, "resource": resource, "since": from_at}).fetchone()[0] or 0), at)
            zero_gpu_points.record(conn, overage, at)  # ZeroGPU overage so far, for windows inside a line
            if observed.listed:  # the poll saw resources: it counts for the gaps history must allow for
                record_poll(conn, at)
            record_listings(conn, listed, at)  # what it watched: only those listings' figures are known
            return at if earliest is None else min(at, earliest)

        earliest = self._run(write, tuning=(WRITE_CACHE, MAPPED))
        self._checkpoints.start()
        # a row not after what was read (a Job's start dated before the last load): read it all again
        if self._loaded is not None and earliest <= self._loaded.mark:
            self._loaded = None
        if self._pruned_for is None or snapshot.taken_at - self._pruned_for >= PRUNE_EVERY:
            self.prune(snapshot.taken_at)

    def prune(self, now: datetime | None = None) -> int:
        """Drop rows older than the retention before `now` (default: the newest recorded time); return how many.

        Each resource keeps its last change before the cutoff, so its state at the window's start stays
        known; resources not seen for the whole retention window are forgotten entirely. A run of polls reaching
        back before the cutoff is cut there: the time before is no longer watched history (`history.unwatched`).
        """

        def delete(conn: sqlite3.Connection) -> tuple[int | None, int]:
            reference = encode_time(now) if now is not None else q.newest_time(conn)
            if reference is None:
                return None, 0
            before = conn.total_changes
            q.prune(conn, reference - self.retention // q.MICROSECOND, reference - LEDGER_KEPT // q.MICROSECOND)
            provider_points.prune(conn, reference - self.retention // q.MICROSECOND)
            zero_gpu_points.prune(conn, reference - self.retention // q.MICROSECOND)
            return reference, conn.total_changes - before

        reference, deleted = self._run(delete)
        if deleted:
            self._loaded = None  # rows read before may be gone
            self._checkpoints.start()
        if reference is not None:
            self._pruned_for = decode_time(reference)
        return deleted

    def record_and_load(self, snapshot: Snapshot, since: datetime, windows: Sequence[Window], now: datetime, *,
                        figures: Figures | None = None) -> History:
        """`record(snapshot)` then `load(since, windows, now, figures=figures)`, the write's large page cache and
        memory map held over both (set back after, even when one fails): the load finds the pages the write just
        read and wrote in memory instead of reading them from the file again."""
        with self._lock:
            try:
                try:
                    for pragma, during, _ in HELD:
                        self._conn.execute(f"PRAGMA {pragma} = {during}")  # PRAGMA takes no bound parameters
                    self._held = True
                    self.record(snapshot, since)
                    return self.load(since, windows, now, figures=figures)
                finally:
                    self._held = False
                    for pragma, _, after in HELD:
                        self._conn.execute(f"PRAGMA {pragma} = {after}")
            except sqlite3.Error as exc:  # setting a pragma failed (each transaction explains its own errors)
                raise explain(self.path, exc) from exc

    # --- reading ---------------------------------------------------------------------------------

    def period_start_at(self, namespace: str, at: datetime) -> datetime | None:
        """The period start the namespace's last usage point at or before `at` is labelled with (None: none)."""
        row = self.transaction(lambda conn: conn.execute(q.LAST_USAGE, (namespace, encode_time(at))).fetchone(),
                               write=False)
        return None if row is None else decode_time(row[1])

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
        if figures is not None and now is not None:
            return self._load_figures(start, figures, windows, now)
        before = self._loaded if self._loaded is not None and self._loaded.since == start else None

        def read(conn: sqlite3.Connection) -> tuple[int, list[Any], list[Any], dict[int, tuple[str, str]],
                                                    list[Any], list[Any], WindowTimes | None, list[Any]]:
            version = conn.execute("PRAGMA data_version").fetchone()[0]  # changes when another process commits
            if before is None or version != before.version:
                usage = conn.execute(q.LOAD_USAGE, {"since": start}).fetchall()
                changes = conn.execute(q.LOAD_CHANGES, {"since": start}).fetchall()
            else:
                usage = conn.execute(q.USAGE_AFTER, {"after": before.mark}).fetchall()
                changes = conn.execute(q.CHANGES_AFTER, {"after": before.mark}).fetchall()
            return (version, usage, changes, _names(conn), conn.execute(q.LOAD_POLL_RUNS, {"since": start}).fetchall(),
                    conn.execute(q.LOAD_LISTING_RUNS).fetchall(),
                    window_times(conn, windows, now) if windows and now is not None else None,
                    conn.execute(q.LOAD_STATEMENT_BOUNDS).fetchall())

        version, usage_rows, change_rows, names, run_rows, listing_rows, summed, bound_rows = self._run(read, "BEGIN")
        added = before is not None and version == before.version
        usage, changes = decode_rows(usage_rows, change_rows, names)
        runs = decode_runs(run_rows)
        marks = [rows[-1][1] for rows in (usage_rows, change_rows) if rows]  # each ordered by time: its last is latest
        if added and before is not None:
            usage, changes = before.usage + usage, before.changes + changes  # all new rows are later: still in order
            marks.append(before.mark)
        self._loaded = _Loaded(start, version, max(marks), usage, changes) if marks else None
        return History(usage=usage, changes=changes, poll_runs=runs, window_times=summed,
                       listing_runs=decode_listing_runs(listing_rows), statement_bounds=decode_bounds(bound_rows))

    def _load_figures(self, start: int, figures: Figures, windows: Sequence[Window], now: datetime) -> History:
        """`load` with `figures`. From SIDE_READ_FROM resources, the sums on a second connection in a thread
        (`store.side`) while this one reads the rows, both from one snapshot: this transaction holds the write lock
        until the other has read once."""
        side: list[SideRead[Sums]] = []

        def sums(conn: sqlite3.Connection) -> Sums:
            return figures_read.sums(conn, start, figures, windows, now)

        def read(conn: sqlite3.Connection) -> tuple[figures_read.Read, list[Any], list[Any], Sums | None, list[Any]]:
            for earlier in side:  # an attempt retried (the file was busy): its reader's snapshot is not this one
                earlier.join()
            side.clear()
            try:
                if conn.execute(q.RESOURCE_COUNT).fetchone()[0] >= SIDE_READ_FROM:
                    side.append(SideRead(self.path, sums, (f"{MAPPED[0]} = {MAPPED[1]}",), BUSY_TIMEOUT_S))
                    side[-1].wait_started()
            except RuntimeError:  # no thread to be had: the sums are read here too
                pass
            found = figures_read.read(conn, start, figures, windows, now)
            here = None if side else sums(conn)
            return (found, conn.execute(q.LOAD_POLL_RUNS, {"since": start}).fetchall(),
                    conn.execute(q.LOAD_LISTING_RUNS).fetchall(), here,
                    conn.execute(q.LOAD_STATEMENT_BOUNDS).fetchall())

        try:
            (usage_rows, change_rows, seen, names), run_rows, listing_rows, here, bound_rows = self._run(
                read, "BEGIN IMMEDIATE", tuning=(MAPPED,))
            usage, changes = decode_rows(usage_rows, change_rows, names)  # while the other reader sums
            summed, span_times = here if here is not None else side[-1].result()
        except sqlite3.Error as exc:  # the other connection's
            raise explain(self.path, exc) from exc
        finally:
            for reader in side:
                reader.join()  # never left reading after the load
        return History(usage=usage, changes=changes, poll_runs=decode_runs(run_rows), window_times=summed, seen=seen,
                       span_times=span_times, detail=False, listing_runs=decode_listing_runs(listing_rows),
                       statement_bounds=decode_bounds(bound_rows))


def _names(conn: sqlite3.Connection) -> dict[int, tuple[str, str]]:
    """Each resource's (kind, name) by id."""
    return {rid: (kind, resource) for rid, kind, resource in conn.execute(q.RESOURCE_NAMES)}


@dataclass(frozen=True, slots=True)
class _Loaded:
    """What the last `load` read: every usage point and state change from `since` up to `mark` (times encoded)."""

    since: int
    version: int  # SQLite's data_version then: another process's commit changes it
    mark: int
    usage: tuple[UsagePoint, ...]
    changes: tuple[StateChange, ...]
