"""Alert state in the history database, shared by every hfmon process that uses the file.

Each transition is one `BEGIN IMMEDIATE` transaction: an upsert that only changes a row still in the other
state (and not moved since by a newer poll), so of two processes that see the same crossing exactly one
changes the row, and only that one records the event and delivers the alert.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime

from hfmon.alerts.engine import DELIVERY_LEASE, RETRY_UNDELIVERED, AlertEvent, Pending
from hfmon.store.db import HistoryStore
from hfmon.store.extract import decode_time, encode_time

_CLAIM = """
    INSERT INTO alert_state (key, firing, changed_at) VALUES (:key, :firing, :at)
    ON CONFLICT (key) DO UPDATE SET firing = excluded.firing, changed_at = excluded.changed_at
    WHERE alert_state.firing != excluded.firing AND alert_state.changed_at <= excluded.changed_at
"""

# an event too old to send, or no longer its alert's latest transition (a reset supersedes its firing)
_DROP_UNDELIVERABLE = """
    UPDATE alert_events SET pending = 0 WHERE pending != 0 AND (at < :oldest OR at != coalesce(
        (SELECT changed_at FROM alert_state WHERE alert_state.key = alert_events.key), at - 1))
"""
_TAKE = """
    UPDATE alert_events SET taken_at = :at WHERE pending != 0 AND (taken_at IS NULL OR taken_at <= :lease)
    RETURNING id, document, pending
"""

# a key kept under no account or profile (every kept one starts `[profile] ` or `[@user] `)
_UNOWNED = "substr(key, 1, 1) != '['"


class SqliteAlertState:
    """`hfmon.alerts.engine.AlertState` over a HistoryStore."""

    def __init__(self, store: HistoryStore) -> None:
        self.store = store

    def firing(self) -> set[str]:
        """Keys of the alerts firing now."""
        rows = self.store.transaction(
            lambda conn: conn.execute("SELECT key FROM alert_state WHERE firing = 1").fetchall(), write=False)
        return {str(r[0]) for r in rows}

    def claim(self, key: str, firing: bool, event: AlertEvent, pending: int = 0) -> bool:
        """Move `key` to the new state and record `event` with the targets it has to reach (`pending`), unless another
        process (or poll) did it first."""
        at = encode_time(event.at)

        def write(conn: sqlite3.Connection) -> bool:
            if not firing and conn.execute("SELECT 1 FROM alert_state WHERE key = ?", (key,)).fetchone() is None:
                return False  # never fired here: nothing to reset
            if conn.execute(_CLAIM, {"key": key, "firing": int(firing), "at": at}).rowcount != 1:
                return False
            conn.execute("INSERT INTO alert_events (at, key, kind, document, pending) VALUES (?, ?, ?, ?, ?)",
                         (at, key, event.kind, json.dumps(event.document()), pending))
            return True

        return self.store.transaction(write)

    def take_undelivered(self, now: datetime) -> list[Pending]:
        """The events still to deliver (`AlertState.take_undelivered`), taken in one transaction: of two processes
        polling at once, one takes each."""
        at = encode_time(now)

        def write(conn: sqlite3.Connection) -> list[Pending]:
            conn.execute(_DROP_UNDELIVERABLE, {"oldest": encode_time(now - RETRY_UNDELIVERED)})
            rows = conn.execute(_TAKE, {"at": at, "lease": encode_time(now - DELIVERY_LEASE)}).fetchall()
            return [Pending(int(i), AlertEvent.from_document(json.loads(doc)), int(left)) for i, doc, left in rows]

        return sorted(self.store.transaction(write), key=lambda p: p.id)

    def delivered(self, taken: Pending, left: int) -> None:
        """Record what delivering `taken` left to reach; free it for the next poll's deliveries."""
        self.store.transaction(lambda conn: conn.execute(
            "UPDATE alert_events SET pending = ?, taken_at = NULL WHERE id = ?", (left, taken.id)))

    def failing_since(self) -> dict[str, datetime]:
        """When each source was first seen failing."""
        rows = self.store.transaction(
            lambda conn: conn.execute("SELECT source, since FROM alert_failing").fetchall(), write=False)
        return {str(name): decode_time(since) for name, since in rows}

    def note_failing(self, failing: Iterable[str], answered: Iterable[str], at: datetime) -> None:
        """Record the sources failing now (keeping the earliest time seen), forget those that answered
        (another process polling other namespaces leaves the rest alone)."""
        def write(conn: sqlite3.Connection) -> None:
            conn.executemany("INSERT INTO alert_failing (source, since) VALUES (?, ?) ON CONFLICT (source) "
                             "DO UPDATE SET since = min(since, excluded.since)",
                             [(n, encode_time(at)) for n in sorted(set(failing))])
            conn.executemany("DELETE FROM alert_failing WHERE source = ?", [(n,) for n in sorted(set(answered))])

        self.store.transaction(write)

    def adopt_unowned(self, scope: str) -> None:
        """Move the state kept under no account (hfmon before alerts were kept per account) to `scope`, in one
        transaction: the first account that polls keeps what was firing, so nothing fires a second time."""
        prefix = f"[{scope}] "

        def write(conn: sqlite3.Connection) -> None:
            if conn.execute(f"SELECT 1 FROM alert_state WHERE {_UNOWNED} UNION ALL "
                            f"SELECT 1 FROM alert_failing WHERE {_UNOWNED.replace('key', 'source')} LIMIT 1"
                            ).fetchone() is None:
                return
            conn.execute("INSERT INTO alert_state (key, firing, changed_at) SELECT :p || key, firing, changed_at "
                         f"FROM alert_state WHERE {_UNOWNED} AND true ON CONFLICT (key) DO NOTHING", {"p": prefix})
            conn.execute(f"DELETE FROM alert_state WHERE {_UNOWNED}")
            unowned = _UNOWNED.replace("key", "source")
            conn.execute("INSERT INTO alert_failing (source, since) SELECT :p || source, since FROM alert_failing "
                         f"WHERE {unowned} AND true ON CONFLICT (source) DO UPDATE SET since = min(since, "
                         "excluded.since)", {"p": prefix})
            conn.execute(f"DELETE FROM alert_failing WHERE {unowned}")

        self.store.transaction(write)

    def history(self, limit: int = 100) -> list[AlertEvent]:
        """The latest events, newest first."""
        rows = self.store.transaction(lambda conn: conn.execute(
            "SELECT document FROM alert_events ORDER BY at DESC, id DESC LIMIT ?", (limit,)).fetchall(), write=False)
        return [AlertEvent.from_document(json.loads(r[0])) for r in rows]
