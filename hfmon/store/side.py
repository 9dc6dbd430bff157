"""A second reader for one load: part of the reading runs on a connection of its own in a thread, from the same
snapshot of the file as the caller's transaction, while the caller reads the rest (`hfmon once`).

SQLite releases the GIL while it works, so two readers use two cores. The same snapshot: the caller holds the write
lock (`BEGIN IMMEDIATE`) until this reader's transaction has read once (which fixes its snapshot); no commit can
land between the two, so both see the very same history.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Generic, TypeVar

T = TypeVar("T")


class SideRead(Generic[T]):
    """`body` run on its own connection to `path`, in a thread, inside one read transaction."""

    def __init__(self, path: Path, body: Callable[[sqlite3.Connection], T], pragmas: tuple[str, ...] = (),
                 timeout_s: float = 30.0) -> None:
        self._path = path
        self._body = body
        self._pragmas = pragmas
        self._timeout_s = timeout_s
        self._started = threading.Event()
        self._result: list[T] = []  # its one result, once `body` returned
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._read, name="hfmon-history-read", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        try:
            conn = sqlite3.connect(f"{self._path.resolve().as_uri()}?mode=rw", uri=True, timeout=self._timeout_s,
                                   isolation_level=None, check_same_thread=False)
            try:
                for pragma in self._pragmas:
                    conn.execute(f"PRAGMA {pragma}")  # PRAGMA takes no bound parameters
                conn.execute("BEGIN")
                conn.execute("SELECT 1 FROM resources LIMIT 1").fetchall()  # the first read fixes the snapshot
                self._started.set()
                self._result.append(self._body(conn))
                conn.execute("COMMIT")
            finally:
                conn.close()  # a read transaction still open ends with it
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread, which raises it
            self._error = exc
        finally:
            self._started.set()

    def wait_started(self) -> None:
        """Return once this reader's snapshot is fixed (or it failed: `result` then raises why)."""
        self._started.wait()

    def join(self) -> None:
        """Wait for the reader to finish, whatever its outcome (its connection is then closed)."""
        self._thread.join()

    def result(self) -> T:
        """Wait for `body`'s result; raise what it (or opening the connection) raised."""
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._result[0]
