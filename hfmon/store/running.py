"""The running sums on the state changes (schema v7): kept up to date as changes are written.

Each change carries its key (`state_keys`: one resource in one state, on one hardware, at one replica count), the
time of the resource's next change (`until`), the microseconds the resource spent in that key before the change
(`spent`) and its position among the resource's changes (`seq`). A resource's time in a key up to a moment is
then one index seek (`aggregates`).
"""

from __future__ import annotations

import sqlite3

from hfmon.store.schema import FILL_KEY_IDS, FILL_RUNNING_SUMS, FILL_STATE_KEYS

_KEY_ID = """
    SELECT id FROM state_keys
    WHERE resource_id = ? AND state = ? AND IFNULL(hardware, x'') = IFNULL(?, x'') AND replicas = ?
"""
_NEW_KEY = "INSERT OR IGNORE INTO state_keys (resource_id, state, hardware, replicas) VALUES (?, ?, ?, ?)"
_BEFORE = "SELECT at, seq FROM state_changes WHERE resource_id = ? AND at < ? ORDER BY at DESC LIMIT 1"
_FROM = "SELECT at, key_id FROM state_changes WHERE resource_id = ? AND at >= ? ORDER BY at"
_KEY_BEFORE = """
    SELECT spent + until - at FROM state_changes WHERE key_id = ? AND at < ? ORDER BY at DESC LIMIT 1
"""
_SET_UNTIL = "UPDATE state_changes SET until = ? WHERE resource_id = ? AND at = ?"
_SET_SUMS = "UPDATE state_changes SET until = ?, spent = ?, seq = ? WHERE resource_id = ? AND at = ?"


def key_id(conn: sqlite3.Connection, resource_id: int, state: str, hardware: str | None, replicas: int) -> int:
    """The id of a resource's (state, hardware, replicas), added when new."""
    conn.execute(_NEW_KEY, (resource_id, state, hardware, replicas))
    return int(conn.execute(_KEY_ID, (resource_id, state, hardware, replicas)).fetchone()[0])


def reindex(conn: sqlite3.Connection, resource_id: int, start: int) -> None:
    """Bring the running sums of one resource's changes from `start` on (and its change before) up to date, after
    changes at or after `start` were written (appended, or inserted among older ones)."""
    before = conn.execute(_BEFORE, (resource_id, start)).fetchone()
    rows = conn.execute(_FROM, (resource_id, start)).fetchall()
    if before is not None:
        conn.execute(_SET_UNTIL, (rows[0][0] if rows else None, resource_id, before[0]))
    seq = before[1] + 1 if before is not None else 0
    spent: dict[int, int] = {}
    updates = []
    for i, (at, key) in enumerate(rows):
        if key not in spent:  # its time in this key over the changes before `start`
            found = conn.execute(_KEY_BEFORE, (key, start)).fetchone()
            spent[key] = 0 if found is None or found[0] is None else int(found[0])
        until = rows[i + 1][0] if i + 1 < len(rows) else None
        updates.append((until, spent[key], seq + i, resource_id, at))
        if until is not None:
            spent[key] += until - at
    conn.executemany(_SET_SUMS, updates)


def rebuild(conn: sqlite3.Connection) -> None:
    """Fill the keys and running sums of every change from scratch (after changes were written by plain SQL, as
    the benchmarks do to copy days of history)."""
    conn.execute(FILL_STATE_KEYS)
    conn.execute(FILL_KEY_IDS)
    conn.execute(FILL_RUNNING_SUMS)
