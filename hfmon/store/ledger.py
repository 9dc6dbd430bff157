"""The proxy's ledger in the history file: rows appended in short transactions, settled session costs upserted.

Writers never conflict: the proxy and a dashboard (or `hfmon run` and `hfmon receipt`) each take SQLite's write
lock for one short `BEGIN IMMEDIATE` transaction, and the busy timeout makes the other wait its turn (WAL lets
readers go on meanwhile). `LedgerWriter` keeps that off the proxy's event loop: rows go through a queue to one
thread that commits whatever has queued up as one transaction.
"""

from __future__ import annotations

import logging
import queue
import sqlite3
import threading
import time
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from hfmon.history import History
from hfmon.ledger import LedgerGap, LedgerRow, Outcome, SessionSettled
from hfmon.models import SessionCost, Snapshot, SourceStatus
from hfmon.store.extract import decode_money, decode_time, encode_money, encode_time

if TYPE_CHECKING:  # db.py writes sessions through this module on each poll
    from hfmon.store.db import HistoryStore
    from hfmon.store.journal import Journal

log = logging.getLogger(__name__)

_COLUMNS = ("at, run_id, namespace, route, model, policy, provider, streamed, status, outcome, ttfb_us, latency_us, "
            "prompt_tokens, completion_tokens, request_id, session_id, estimated_usd, caller, entry")
# OR IGNORE: a row of the proxy's journal (`entry`) already written (by the proxy before it was killed) is not again
_INSERT = f"INSERT OR IGNORE INTO ledger ({_COLUMNS}) VALUES ({', '.join('?' * 19)})"
_SELECT = f"SELECT {_COLUMNS} FROM ledger"
_UPSERT_SESSION = """
    INSERT INTO ledger_sessions (session_id, requests, settled_usd, read_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (session_id) DO UPDATE SET requests = excluded.requests, settled_usd = excluded.settled_usd,
        read_at = excluded.read_at WHERE excluded.read_at >= ledger_sessions.read_at
"""
_BATCH = 500  # rows per transaction at most: a long backlog still commits in short transactions
FLUSH_S = 0.25  # how long a row may wait for others to share its transaction
RETRY_S = 5.0  # how soon rows a failed write kept are tried again when no new row comes
BACKLOG_MAX = 20_000  # rows kept from failed writes (about 10 MB): past it the oldest are dropped, counted


def _us(seconds: float | None) -> int | None:
    return None if seconds is None else round(seconds * 1_000_000)


def encode_row(row: LedgerRow) -> tuple[object, ...]:
    """A row as the ledger table's column values (and the proxy's journal's)."""
    return (encode_time(row.at), row.run_id, row.namespace, row.route, row.model, row.policy, row.provider,
            int(row.streamed), row.status, row.outcome.value, _us(row.ttfb_s), _us(row.latency_s),
            row.prompt_tokens, row.completion_tokens, row.request_id, row.session_id, encode_money(row.estimated_usd),
            row.caller, row.entry)


def decode_row(values: tuple[object, ...]) -> LedgerRow:
    """The inverse of `encode_row` (ValueError or TypeError when the values are not a row's)."""
    (at, run_id, namespace, route, model, policy, provider, streamed, status, outcome, ttfb, latency,
     prompt, completion, request_id, session_id, estimated, caller, entry) = values
    return LedgerRow(
        at=decode_time(int(at)),  # type: ignore[call-overload]
        namespace=namespace, route=str(route), model=str(model), policy=policy, provider=provider,  # type: ignore[arg-type]
        streamed=bool(streamed), status=status, outcome=Outcome(outcome),  # type: ignore[arg-type]
        ttfb_s=None if ttfb is None else int(ttfb) / 1e6,  # type: ignore[call-overload]
        latency_s=None if latency is None else int(latency) / 1e6,  # type: ignore[call-overload]
        prompt_tokens=prompt, completion_tokens=completion, request_id=request_id,  # type: ignore[arg-type]
        session_id=session_id, estimated_usd=decode_money(estimated), run_id=run_id,  # type: ignore[arg-type]
        caller=caller, entry=entry)  # type: ignore[arg-type]


def append(store: HistoryStore, rows: Iterable[LedgerRow]) -> None:
    """Append ledger rows in one short transaction."""
    encoded = [encode_row(r) for r in rows]
    if encoded:
        store.transaction(lambda conn: conn.executemany(_INSERT, encoded))


_GAP_COLUMNS = "first_at, last_at, requests, why, run_id, namespace, caller, owned"


def encode_gap(gap: LedgerGap) -> tuple[object, ...]:
    """A gap as the ledger_gaps table's values (`_GAP_COLUMNS`, then `entry`), and the proxy's gaps file's."""
    namespace, caller = gap.owner or (None, None)
    return (encode_time(gap.first_at), encode_time(gap.last_at), gap.requests, gap.why, gap.run_id, namespace,
            caller, int(gap.owner is not None), gap.entry)


def decode_gap(values: Sequence[object]) -> LedgerGap:
    """The inverse of `encode_gap` (ValueError or TypeError when the values are not a gap's)."""
    first, last, requests, why, run_id, namespace, caller, owned, entry = values
    return LedgerGap(decode_time(int(first)), decode_time(int(last)), int(requests), str(why),  # type: ignore[call-overload]
                     run_id, (namespace, caller) if owned else None, entry)  # type: ignore[arg-type]


def record_gap(store: HistoryStore, gap: LedgerGap) -> None:
    """Record requests the ledger lost for good (in a transaction of its own)."""
    values = encode_gap(gap)
    store.transaction(lambda conn: conn.execute(  # OR IGNORE: a journal's gap (`entry`) recorded already
        f"INSERT OR IGNORE INTO ledger_gaps ({_GAP_COLUMNS}, entry) VALUES ({', '.join('?' * len(values))})", values))


def load_gaps(store: HistoryStore, since: datetime) -> tuple[LedgerGap, ...]:
    """The requests the ledger lost for good from `since` on, oldest first."""
    return _gaps(store, "last_at >= ?", encode_time(since))


def run_gaps(store: HistoryStore, run_id: str) -> tuple[LedgerGap, ...]:
    """The requests of one `hfmon run` the ledger lost for good, oldest first."""
    return _gaps(store, "run_id = ?", run_id)


def _gaps(store: HistoryStore, where: str, arg: object) -> tuple[LedgerGap, ...]:
    rows = store.transaction(lambda c: c.execute(
        f"SELECT {_GAP_COLUMNS} FROM ledger_gaps WHERE {where} ORDER BY first_at, rowid", (arg,)).fetchall(),
        write=False)
    return tuple(decode_gap((*row, None)) for row in rows)


def load(store: HistoryStore, since: datetime) -> tuple[LedgerRow, ...]:
    """The ledger rows from `since` on, oldest first."""
    start = encode_time(since)
    rows = store.transaction(lambda c: c.execute(_SELECT + " WHERE at >= ? ORDER BY at, id", (start,)).fetchall(),
                             write=False)
    return tuple(decode_row(tuple(r)) for r in rows)


def load_run(store: HistoryStore, run_id: str) -> tuple[LedgerRow, ...]:
    """The ledger rows of one `hfmon run`, oldest first."""
    rows = store.transaction(lambda c: c.execute(_SELECT + " WHERE run_id = ? ORDER BY at, id", (run_id,))
                             .fetchall(), write=False)
    return tuple(decode_row(tuple(r)) for r in rows)


def record_sessions(conn: sqlite3.Connection, sessions: Iterable[SessionCost], read_at: datetime) -> None:
    """Store what HF reports as settled for the sessions the ledger knows (inside the caller's transaction).

    A session spanning months comes once per monthly period: the periods are summed. A session whose request count
    HF did not give (in any period) is not stored, and its earlier reading stays: its count is what tells a settled
    session from one still settling, or one shared with requests outside the ledger (`costs.ledger.settled`), and 0
    would count a shared session's whole cost as the ledger's.
    """
    totals: dict[str, tuple[int, Decimal]] = {}
    untold: set[str] = set()
    for s in sessions:
        if s.requests is None:
            untold.add(s.session_id)
            continue
        count, usd = totals.get(s.session_id, (0, Decimal(0)))
        totals[s.session_id] = (count + s.requests, usd + s.cost_usd)
    for sid in untold:
        totals.pop(sid, None)
    if not totals:
        return
    known = {row[0] for row in conn.execute("SELECT DISTINCT session_id FROM ledger WHERE session_id IS NOT NULL")}
    at = encode_time(read_at)
    conn.executemany(_UPSERT_SESSION, [(sid, n, encode_money(usd), at)
                                       for sid, (n, usd) in totals.items() if sid in known])


def fresh_sessions(snapshot: Snapshot) -> list[SessionCost]:
    """The session costs this poll read (not stale ones), of every namespace."""
    return [s for ns in snapshot.namespaces if ns.sessions.status is SourceStatus.OK and ns.sessions.value
            for s in ns.sessions.value]


def store_sessions(store: HistoryStore, sessions: Iterable[SessionCost], read_at: datetime) -> None:
    """`record_sessions` in a transaction of its own."""
    items = tuple(sessions)
    store.transaction(lambda conn: record_sessions(conn, items, read_at))


def settled(store: HistoryStore, session_ids: Iterable[str]) -> dict[str, SessionSettled]:
    """The settled cost HF reported for each of these sessions (absent: not reported yet)."""
    wanted = sorted(set(session_ids))

    def read(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
        out: list[tuple[object, ...]] = []
        for i in range(0, len(wanted), 500):
            chunk = wanted[i:i + 500]
            out += conn.execute("SELECT session_id, requests, settled_usd, read_at FROM ledger_sessions "
                                f"WHERE session_id IN ({', '.join('?' * len(chunk))})", chunk).fetchall()
        return out

    return {str(sid): SessionSettled(str(sid), int(n), Decimal(str(usd)), decode_time(int(at)))  # type: ignore[call-overload]
            for sid, n, usd, at in store.transaction(read, write=False)}


class LedgerWriter:
    """Appends ledger rows from a background thread, so a request never waits for the disk: rows are committed
    together, at most FLUSH_S after the first of them arrived (and all of them on `close`).

    A write that fails (the disk full, the file locked past its busy timeout) loses nothing: its rows are kept and
    written with the next batch, or RETRY_S later, or on `close`. Past BACKLOG_MAX kept rows the oldest leave memory:
    those in the proxy's `journal` are read back from it once the file takes rows again (or written in by the next
    proxy); the others are counted in `lost`, and recorded as a `LedgerGap` per owner by the next write that succeeds
    (every figure of the ledger over their time, of the account whose bill they were on, is then partial). What
    `close` could not write is `unwritten` (the caller still has those; `journaled` of them are in the journal).

    With a journal, the first write also writes in the journals of proxies that died (`journal.replay_dead`)."""

    def __init__(self, store: HistoryStore, journal: Journal | None = None) -> None:
        self.store = store
        self.journal = journal
        self._replay_due = journal is not None  # dead proxies' journals to write in, with the first write
        self._spilled = 0  # journaled rows dropped from memory: read back from the journal by the next write
        self._closed: tuple[tuple[LedgerRow, ...], tuple[LedgerRow, ...]] | None = None  # those two at `close`
        self._queue: queue.SimpleQueue[LedgerRow | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._backlog: list[LedgerRow] = []  # rows whose write failed, oldest first, to write with the next batch
        self.lost = 0  # rows dropped for good past BACKLOG_MAX: in no file and no memory
        # the dropped rows not yet recorded as gaps, one per owner and run (written once the file takes)
        self._gaps: dict[tuple[tuple[str | None, str | None], str | None], LedgerGap] = {}
        self.error: str | None = None  # why the last write failed; None once a write succeeds
        self._thread = threading.Thread(target=self._drain, name="hfmon-ledger", daemon=True)
        self._thread.start()

    @property
    def unwritten(self) -> tuple[LedgerRow, ...]:
        """The rows not in the history file yet (after `close`: those it could not write), oldest first."""
        if self._closed is not None:
            return self._closed[0]
        with self._lock:
            kept = list(self._backlog)
            spilled = self._spilled
        if spilled and self.journal is not None:
            held = {r.entry for r in kept}
            kept += [r for r in self.journal.uncommitted() if r.entry not in held]
            kept.sort(key=lambda r: r.at)
        return tuple(kept)

    @property
    def journaled(self) -> tuple[LedgerRow, ...]:
        """The `unwritten` rows that are in the journal (the next proxy writes them in)."""
        if self._closed is not None:
            return self._closed[1]
        journal = self.journal
        if journal is None:
            return ()
        unwritten = self.unwritten
        return tuple(r for r in unwritten if journal.holds(r))

    def put(self, row: LedgerRow) -> None:
        """Queue one row (never blocks)."""
        self._queue.put(row)

    def close(self, timeout_s: float = 30.0) -> None:
        """Write what is queued (and what earlier writes could not), then stop the thread."""
        self._queue.put(None)
        self._thread.join(timeout_s)
        journal = self.journal
        if journal is not None and not self._thread.is_alive():
            unwritten = self.unwritten  # as they were: the journal lets go of its files
            self._closed = unwritten, tuple(r for r in unwritten if journal.holds(r))
            held = {r.entry for r in self._closed[1]}
            if unheld := [r for r in unwritten if r.entry is None or r.entry not in held]:
                self._count_lost(unheld)  # in no file: the next poll records them as lost
            journal.close()

    def _drain(self) -> None:
        stop = False
        while not stop:
            batch: list[LedgerRow] = []
            try:
                item = self._queue.get(timeout=RETRY_S if self._backlog else None)
            except queue.Empty:  # nothing new: time to retry what a failed write left
                self._write(batch)
                continue
            # Gather for a moment before writing: a thread that woke to commit each row would take the GIL back
            # from the event loop at every request (each socket send then waits out the switch interval).
            if item is not None:
                time.sleep(FLUSH_S)
            while True:
                if item is None:
                    stop = True
                    break
                batch.append(item)
                if len(batch) >= _BATCH:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            self._write(batch)

    def _write(self, batch: list[LedgerRow]) -> None:
        """Write the rows kept from failed writes, then `batch`, in transactions of _BATCH rows; keep what fails."""
        with self._lock:
            pending = self._backlog + batch
        written = 0
        try:
            recorded_any = False
            for key, gap in list(self._gaps.items()):
                record_gap(self.store, gap)
                del self._gaps[key]
                recorded_any = True
            if self.journal is not None and recorded_any and not self._gaps:
                self.journal.keep_gaps(())
            if self.journal is not None:
                self._from_journal(self.journal)
            while written < len(pending):
                chunk = pending[written:written + _BATCH]
                append(self.store, chunk)
                if self.journal is not None:
                    self.journal.committed(chunk)
                written = min(len(pending), written + _BATCH)
        except Exception as exc:  # noqa: BLE001 - the proxy goes on serving; the rows are kept to retry
            if self.error is None:
                log.warning("could not write %d ledger row(s), keeping them to retry: %s", len(pending) - written,
                            exc)
            self.error = str(exc)
        else:
            if self.error is not None:
                log.warning("wrote the %d ledger row(s) kept since a write failed", len(pending))
            self.error = None
        kept = pending[written:]
        dropped = max(0, len(kept) - BACKLOG_MAX)
        if dropped and self.journal is not None:  # those in the journal are read back from it: not lost
            held: list[LedgerRow] = []
            not_held: list[LedgerRow] = []
            for row in kept[:dropped]:
                (held if self.journal.holds(row) else not_held).append(row)
            self._spilled += len(held)
            kept = not_held + kept[dropped:]
            dropped = max(0, len(kept) - BACKLOG_MAX)
        if dropped:
            self.lost += dropped
            self._count_lost(kept[:dropped])
            log.error("dropped %d ledger row(s) for good (from %s to %s): the history file refuses more rows than "
                      "hfmon keeps to retry (%d)", dropped, kept[0].at.isoformat(), kept[dropped - 1].at.isoformat(),
                      BACKLOG_MAX)
        with self._lock:
            self._backlog = kept[dropped:]

    def _count_lost(self, rows: Sequence[LedgerRow]) -> None:
        """Count rows lost for good in a gap per owner and run (recorded by the next write that succeeds), kept beside
        the journal meanwhile: should the proxy stop first, the next poll or proxy records them."""
        for row in rows:  # whose each was: only that account's figures miss it
            key = (row.owner, row.run_id)
            gap = self._gaps.get(key) or LedgerGap(row.at, row.at, 0, "", row.run_id, row.owner,
                                                   self.journal.gap_key() if self.journal is not None else None)
            self._gaps[key] = replace(gap, first_at=min(gap.first_at, row.at), last_at=max(gap.last_at, row.at),
                                      requests=gap.requests + 1, why=self.error or "")
        if self.journal is not None:
            self.journal.keep_gaps(tuple(self._gaps.values()))
            self.journal.committed(rows)  # counted in a gap: their journal records are not rows to write in too

    def _from_journal(self, journal: Journal) -> None:
        """Write in dead proxies' journals (once), and this proxy's rows that left memory for its journal."""
        from hfmon.store.journal import replay_dead

        if self._replay_due:
            replay_dead(self.store, journal.directory)
            self._replay_due = False
        if self._spilled:
            back = journal.uncommitted()
            for start in range(0, len(back), _BATCH):
                append(self.store, back[start:start + _BATCH])
                journal.committed(back[start:start + _BATCH])
            log.warning("wrote the %d ledger row(s) read back from the proxy's journal", len(back))
            self._spilled = 0


def with_ledger(store: HistoryStore, history: History, since: datetime,
                provider_times: Sequence[datetime] = ()) -> History:
    """`history` with the ledger rows from `since` on (killed proxies' journals written in first) and the settled
    costs of their sessions, and the spend per provider as it stood at `provider_times` (what the Inference screen
    charts beside the ledger's)."""
    from hfmon.store import provider_points
    from hfmon.store.journal import write_in_dead

    write_in_dead(store)  # what killed proxies held counts: the rows read below would be read as the whole
    rows = load(store, since)
    found = settled(store, {r.session_id for r in rows if r.session_id is not None})
    return replace(history, ledger=rows, settled=tuple(found.values()), ledger_gaps=load_gaps(store, since),
                   provider_points=provider_points.load(store, provider_times) if provider_times else ())
