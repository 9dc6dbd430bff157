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

    def start(self) -> None:
        """Checkpoint what is committed now, in the background (after the running checkpoint, if there is one)."""
        with self._lock:
            if self._running:
                self._again = True
                return
            self._running = True
            self._closing.clear()
            self._thread = threading.Thread(target=self._run, name="hfmon-checkpoint", daemon=True)
            self._thread.start()

    def close(self) -> None:
        """Skip a rerun still waiting out MIN_GAP_S, and wait for the checkpoint running (the store is closing)."""
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
        while True:
            checkpoint(self._path, self._synchronous)
            with self._lock:
                if not self._again:
                    self._running = False
                    return
                self._again = False
            if self._closing.wait(MIN_GAP_S):
                with self._lock:
                    self._running = self._again = False
                return


def checkpoint(path: Path, synchronous: str) -> None:
    """One PASSIVE checkpoint of `path` on a connection of its own; a failure is logged and left to the next one."""
    try:
        # timeout=0: PASSIVE takes no lock that waits; a connection that finds the file busy gives up at once
        conn = sqlite3.connect(path, timeout=0, isolation_level=None)
        try:
            conn.execute(f"PRAGMA synchronous = {synchronous}")
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        log.debug("background checkpoint of %s skipped: %s", path, exc)
