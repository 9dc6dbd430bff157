"""The proxy's journal: each request's ledger row appended to a file beside the history file as the request goes
(`os.write`, which a `kill -9` does not undo), so that rows not yet in the history file when the proxy dies are not
lost: the next proxy (or `hfmon run`) writes them in (`replay_dead`), once each (`LedgerRow.entry` is unique).

A request is journaled twice or three times: as it is sent on (a row saying `proxy_stopped`: should the proxy die
before the answer ends, HF may still bill it, and the ledger's figures read "at least"), when it ends, and once whose
token made it is known. The last record of a request is the one that counts. Never a token, a prompt or an answer:
only the ledger row's own columns.

Files are segments of at most SEGMENT_MAX bytes, each held under an exclusive `flock` by its process while it lives
(the kernel drops it when the process dies, however it dies): a segment nobody holds is a dead proxy's. A segment
is removed once every row in it is in the history file; all of them together stay under JOURNAL_MAX bytes (past it
requests are not journaled, and the proxy keeps them in memory only, as it did before the journal).
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import secrets
import threading
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from hfmon.ledger import LedgerGap, LedgerRow, Outcome
from hfmon.store import ledger
from hfmon.store.extract import compact_json
from hfmon.store.ledger import decode_gap, decode_row, encode_gap, encode_row

if TYPE_CHECKING:
    from hfmon.store.db import HistoryStore

log = logging.getLogger(__name__)

DIRECTORY = "proxy-journal"  # beside the history file
SEGMENT_MAX = 4 << 20  # bytes of one segment before the next is begun (about 10,000 requests)
JOURNAL_MAX = 64 << 20  # bytes of every live segment together (about 150,000 requests)
_SUFFIX = ".jsonl"
_GAPS = ".gaps"  # one small file per proxy: the requests it lost for good and has not recorded yet (`keep_gaps`)
_REPLAY_BATCH = 500  # rows per transaction when a dead proxy's journal is written in


def _place(entry: str) -> tuple[str, int]:
    """The segment and the request number a row's `entry` names."""
    name, _, count = entry.rpartition(":")
    return name, int(count)


def directory_beside(history: Path) -> Path:
    """Where the proxies writing to the history file `history` keep their journals."""
    return history.parent / DIRECTORY


@dataclass(eq=False)
class _Segment:
    name: str
    fd: int
    size: int = 0
    pending: set[int] = field(default_factory=set)  # requests journaled here whose last row is not in history yet
    ended: set[int] = field(default_factory=set)  # of those, the ones whose last row is journaled


class Journal:
    """One proxy process's journal (see the module). Thread-safe: the proxy's loop journals, the ledger's writer
    thread says what the history file took."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self._id = secrets.token_hex(6)
        self._lock = threading.Lock()
        self._segments: dict[str, _Segment] = {}
        self._current: _Segment | None = None
        self._count = 0
        self._begun = 0  # segments begun
        self._size = 0  # bytes in the live segments
        self._gaps_fd: int | None = None
        self.gaps_kept = False  # the gaps last handed to `keep_gaps` are in its file
        self._gap_count = 0
        self._noted: dict[str, LedgerRow] = {}  # the row last journaled of requests not ended: not written twice
        self.broken: str | None = None  # why the journal stopped (a write failed): rows since are in memory only
        self._full_said = False

    @property
    def size(self) -> int:
        """Bytes in the live segments."""
        with self._lock:
            return self._size

    def key(self) -> str | None:
        """A key for a request about to be sent on (its rows' `entry`); None when the journal is off or full (the
        request is then kept in memory only, as before the journal)."""
        with self._lock:
            if self.broken is not None or not self._room():
                return None
            assert self._current is not None
            self._count += 1
            return f"{self._current.name}:{self._count}"

    def start(self, row: LedgerRow) -> None:
        """Journal a request as it is sent on (`row`, keyed by `key`): as the proxy, killed now, would leave it
        (`Outcome.PROXY_STOPPED`, its tokens unknown)."""
        if row.entry is None:
            return
        name, count = _place(row.entry)
        with self._lock:
            segment = self._segments.get(name)
            if segment is not None and self.broken is None and self._write(segment, row):
                segment.pending.add(count)

    def note(self, row: LedgerRow, *, last: bool = True) -> None:
        """Journal what a request journaled by `start` came to (`last`: its row as the ledger takes it; else what
        is known before whose token made it is)."""
        if row.entry is None:
            return
        name, count = _place(row.entry)
        with self._lock:
            segment = self._segments.get(name)
            if segment is None or self.broken is not None:
                return
            noted = self._noted.pop(row.entry, None)
            if noted is not row and noted != row and not self._write(segment, row):
                return
            if last:
                segment.ended.add(count)
            else:
                self._noted[row.entry] = row

    def holds(self, row: LedgerRow) -> bool:
        """Whether the row (as the ledger takes it) is in the journal, to be read back from it."""
        if row.entry is None:
            return False
        name, count = _place(row.entry)
        with self._lock:
            segment = self._segments.get(name)
            return segment is not None and count in segment.ended

    def committed(self, rows: Iterable[LedgerRow]) -> None:
        """These rows (their last record) are in the history file: their segments may go."""
        with self._lock:
            for row in rows:
                if row.entry is not None:
                    name, count = _place(row.entry)
                    segment = self._segments.get(name)
                    if segment is not None:
                        segment.pending.discard(count)
                        segment.ended.discard(count)
            for segment in list(self._segments.values()):
                if not segment.pending:
                    self._retire(segment)

    def gap_key(self) -> str:
        """A key for a gap of requests lost for good (`LedgerGap.entry`)."""
        with self._lock:
            self._gap_count += 1
            return f"{self._id}:gap:{self._gap_count}"

    def keep_gaps(self, gaps: tuple[LedgerGap, ...]) -> None:
        """Keep the gaps not recorded yet (all of them, replacing what was kept) in this proxy's gaps file, so that
        should it stop before the history file takes them, the next poll or proxy records them (`replay_dead`)."""
        data = compact_json([encode_gap(g) for g in gaps]).encode() if gaps else b""
        with self._lock:
            try:
                if self._gaps_fd is None:
                    if not data:
                        return
                    self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
                    self._gaps_fd = _locked(self.directory / f"{self._id}{_GAPS}", os.O_RDWR)
                # in place (the lock is on this file): killed between the two calls, the old tail is ignored
                os.pwrite(self._gaps_fd, data, 0)
                os.ftruncate(self._gaps_fd, len(data))
                self.gaps_kept = True
            except OSError as exc:
                self.gaps_kept = False
                log.warning("could not keep the requests lost for good beside the journal (%s): if the proxy stops "
                            "before the history file takes them, their count is lost too", exc.strerror or exc)

    def uncommitted(self) -> list[LedgerRow]:
        """The rows (as the ledger takes them) journaled and not in the history file yet, oldest first: read back
        after the ledger's writer dropped them from memory."""
        with self._lock:
            segments = [(s.name, set(s.ended)) for s in self._segments.values() if s.ended]
        out: list[LedgerRow] = []
        for name, pending in segments:
            out += [r for r in _rows(self.directory / f"{name}{_SUFFIX}")
                    if r.entry is not None and _place(r.entry)[1] in pending]
        return sorted(out, key=lambda r: r.at)

    def close(self) -> None:
        """Remove the segments whose rows are all in the history file, and let go of the rest (the next proxy
        writes them in)."""
        with self._lock:
            for segment in list(self._segments.values()):
                if not segment.pending:
                    self._retire(segment, current_too=True)
                else:
                    os.close(segment.fd)
            self._segments.clear()
            self._noted.clear()
            if self._gaps_fd is not None:
                if os.fstat(self._gaps_fd).st_size == 0:
                    (self.directory / f"{self._id}{_GAPS}").unlink(missing_ok=True)
                os.close(self._gaps_fd)
                self._gaps_fd = None
            self._current = None
            self.broken = self.broken or "closed"

    def _room(self) -> bool:
        """Whether there is room for another request; begins a segment when the current one is full."""
        total = self._size
        if total >= JOURNAL_MAX:
            if not self._full_said:
                log.warning("the proxy's journal holds %d bytes of requests not yet in the history file: new "
                            "requests are kept in memory only until it takes them", total)
                self._full_said = True
            return False
        self._full_said = False
        if self._current is None or self._current.size >= SEGMENT_MAX:
            try:
                self._begin()
            except OSError as exc:
                self._stop(f"cannot create {self.directory}: {exc.strerror or exc}")
                return False
        return True

    def _begin(self) -> None:
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._begun += 1
        name = f"{self._id}-{self._begun}"
        fd = _locked(self.directory / f"{name}{_SUFFIX}", os.O_WRONLY | os.O_APPEND)
        previous, self._current = self._current, _Segment(name, fd)
        self._segments[name] = self._current
        if previous is not None and not previous.pending:
            self._retire(previous)

    def _write(self, segment: _Segment, row: LedgerRow) -> bool:
        line = compact_json(encode_row(row)).encode() + b"\n"
        try:
            written = os.write(segment.fd, line)
        except OSError as exc:
            self._stop(f"cannot write {self.directory}: {exc.strerror or exc}")
            return False
        segment.size += written
        self._size += written
        if written < len(line):  # the disk is full: what follows would run into this line
            self._stop(f"cannot write {self.directory}: the disk holding it is full")
            return False
        return True

    def _retire(self, segment: _Segment, current_too: bool = False) -> None:
        """A segment all of whose rows are in the history file: emptied when it is the current one, else removed."""
        try:
            if segment is self._current and not current_too:
                if segment.size:
                    os.ftruncate(segment.fd, 0)  # O_APPEND: the next row goes at its start
                    self._size -= segment.size
                    segment.size = 0
                return
            os.unlink(self.directory / f"{segment.name}{_SUFFIX}")
        except OSError:
            pass  # kept (or gone already): a dead proxy's rows are written in once whatever is left
        os.close(segment.fd)
        self._size -= segment.size
        del self._segments[segment.name]

    def _stop(self, why: str) -> None:
        if self.broken is None:
            log.warning("the proxy's journal stopped (%s): requests from now on are kept in memory only until the "
                        "history file takes them, and lost if the proxy is killed first", why)
        self.broken = why


def _locked(path: Path, flags: int) -> int:
    """A new file at `path`, open and locked by this process before it is there under that name: a replayer never
    takes it for a dead proxy's."""
    hidden = path.with_name(f".{path.name}.new")
    fd = os.open(hidden, flags | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # nobody else knows of it
        os.rename(hidden, path)
    except OSError:
        os.close(fd)
        hidden.unlink(missing_ok=True)
        raise
    return fd


def _rows(path: Path) -> list[LedgerRow]:
    """The last record of each request in a journal segment, in the order they began (a line that cannot be read,
    which only a full disk leaves, is skipped)."""
    last: dict[str, LedgerRow] = {}
    try:
        content = path.read_bytes()
    except OSError:
        return []
    for line in content.splitlines():
        try:
            row = decode_row(tuple(json.loads(line)))
        except (ValueError, TypeError):
            continue
        if row.entry is not None:
            last[row.entry] = row
    return list(last.values())


def _gaps_in(path: Path) -> list[LedgerGap]:
    """The gaps a gaps file keeps (the first JSON value in it: a tail past it is an older, longer one's)."""
    try:
        text = path.read_text()
        kept, _ = json.JSONDecoder().raw_decode(text) if text.strip() else ([], 0)
        return [decode_gap(values) for values in kept]
    except (OSError, ValueError, TypeError):
        log.warning("could not read %s: the requests it counted as lost are not recorded", path)
        return []


def replay_dead(store: HistoryStore, directory: Path) -> int:
    """Write the rows of dead proxies' journals in `directory` into the history file (those already there are not
    written again), removing each journal once it is in; how many segments were written in. Raises what the
    history file raises (the journal is then left for the next try)."""
    try:
        paths = sorted(directory.glob(f"*{_SUFFIX}")) + sorted(directory.glob(f"*{_GAPS}"))
    except OSError:
        return 0
    replayed = 0
    for path in paths:
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue  # removed meanwhile
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                continue  # its proxy lives
            if path.suffix == _GAPS:
                for gap in _gaps_in(path):
                    ledger.record_gap(store, gap)
                path.unlink(missing_ok=True)
                continue
            rows = _rows(path)
            for start in range(0, len(rows), _REPLAY_BATCH):
                ledger.append(store, rows[start:start + _REPLAY_BATCH])
            path.unlink(missing_ok=True)
            replayed += 1
            if rows:
                stopped = sum(1 for r in rows if r.outcome is Outcome.PROXY_STOPPED)
                log.warning("wrote in %d request(s) a stopped proxy had journaled (%d under way when it stopped)",
                            len(rows), stopped)
        finally:
            os.close(fd)
    return replayed


def write_in_dead(store: HistoryStore) -> None:
    """`replay_dead` for the proxies writing to `store`'s file, by any process that reads their ledger (a poll): what
    a killed proxy held counts without waiting for the next proxy. A failure is logged; the journal stays."""
    try:
        replay_dead(store, directory_beside(store.path))
    except Exception as exc:  # noqa: BLE001 - the next poll or proxy tries again; the rows are still journaled
        log.warning("could not write a stopped proxy's journal into the history file (tried again next poll): %s",
                    exc)
