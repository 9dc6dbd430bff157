"""Checkpoints off the caller's path: what a poll wrote moves from the WAL into the database file in a background
thread, while the caller goes on reading and evaluating.

A checkpoint is mostly two fsyncs (the WAL, then the database file): 60 ms after a poll of 200 resources, 200 ms at
1,000 on the development machine (benchmarks/once.py). SQLite runs one inside the COMMIT that takes the WAL past
`wal_autocheckpoint` pages, and another when the last connection closes; both are on the caller's path, `hfmon once`
paying the second at exit. Here a second connection runs a PASSIVE checkpoint (it never blocks a reader or the
writer) in a thread; the sqlite3 module releases the GIL while SQLite works. Closing the store waits for it, so the
last close finds nothing left to copy. Durability is unchanged: a commit is in the WAL before COMMIT returns, and a
checkpoint only copies committed pages; a checkpoint that fails or is cut short leaves them in the WAL, where the
next one (or the next open) finds them.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from pathlib import Path

log = logging.getLogger(__name__)

AUTOCHECKPOINT_PAGES = 4096
"""SQLite's own checkpoint inside a COMMIT, at this many WAL pages (its default is 1,000): a backstop for writers
that start no background checkpoint. A poll of 1,000 resources writes about 1,500 pages; its checkpoint belongs in
the background, not in its COMMIT."""


MIN_GAP_S = 1.0
"""Seconds between one background checkpoint and the next: a burst of records (a benchmark, a test) gets one a
second, not one per record competing with the next record for the disk and a CPU."""


class Checkpointer:
    """Runs one background checkpoint of a history file at a time; `wait` joins the one running."""

    def __init__(self, path: Path, synchronous: str) -> None:
        self._path = path
        self._synchronous = synchronous
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None
        self._running = False
        self._again = False  # asked while one ran: what was committed after its start may be left behind
        self._closing = threading.Event()  # a rerun still waiting is skipped: the last close checkpoints the rest
        self._closed = False  # set by close and never cleared

    def start(self) -> None:
        """Checkpoint what is committed now, in the background (after the running checkpoint, if there is one);
        nothing once the store is closing (a record that committed just before `close` starts no thread after it).
        """
        with self._lock:
            if self._closed:
                return
            if self._running:
                self._again = True
                return
            thread = threading.Thread(target=self._run, name="hfmon-checkpoint", daemon=True)
            try:
                thread.start()  # under the lock: the thread cannot finish before it is marked as running
            except RuntimeError as exc:  # no thread to be had: the commit is safe in the WAL, the next one copies it
                log.debug("background checkpoint of %s not started: %s", self._path, exc)
                return
            self._thread, self._running = thread, True

    def close(self) -> None:
        """Start no checkpoint from now on, skip a rerun still waiting out MIN_GAP_S, and wait for the one running
        (the store is closing)."""
        with self._lock:
            self._closed = True
        self._closing.set()
        self.wait()

    def wait(self) -> None:
        """Return when no checkpoint is running or waiting to run again (each bounded by SQLite's work on the WAL,
        never by a lock wait)."""
        while True:
            with self._lock:
                thread = self._thread
            if thread is None:
                return
            thread.join()
            with self._lock:
                if self._thread is thread and not self._running:
                    return

    def _run(self) -> None:
        try:
            while True:
                checkpoint(self._path, self._synchronous)
                with self._lock:
                    if not self._again:
                        return
                    self._again = False
                if self._closing.wait(MIN_GAP_S):
                    return
        finally:  # however the thread ends, it is no longer running: `wait` returns and `start` can start another
            with self._lock:
                self._running = self._again = False


def checkpoint(path: Path, synchronous: str) -> None:
    """One PASSIVE checkpoint of `path` on a connection of its own; a failure is logged and left to the next one.
    A file that is gone (moved aside meanwhile) is never created again."""
    try:
        # timeout=0: PASSIVE takes no lock that waits; a connection that finds the file busy gives up at once
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=rw", uri=True, timeout=0, isolation_level=None)
        try:
            conn.execute(f"PRAGMA synchronous = {synchronous}")
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            conn.close()
    except Exception as exc:  # noqa: BLE001 - any failure leaves the pages in the WAL, where the next one finds them
        log.debug("background checkpoint of %s skipped: %s", path, exc)
