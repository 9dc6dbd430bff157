"""The running sums on the state changes (schema v7): kept up to date as changes are written.

Each change carries its key (`state_keys`: one resource in one state, on one hardware, at one replica count), the
time of the resource's next change (`until`), the microseconds the resource spent in that key before the change
(`spent`) and its position among the resource's changes (`seq`). A resource's time in a key up to a moment is
then one index seek (`aggregates`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

from hfmon.store.schema import FILL_KEY_IDS, FILL_RUNNING_SUMS, FILL_STATE_KEYS

_NEW_KEY = "INSERT OR IGNORE INTO state_keys (resource_id, state, hardware, replicas) VALUES (?, ?, ?, ?)"
_BEFORE = "SELECT at, seq FROM state_changes WHERE resource_id = ? AND at < ? ORDER BY at DESC LIMIT 1"
_FROM = "SELECT at, key_id FROM state_changes WHERE resource_id = ? AND at >= ? ORDER BY at"
_KEY_BEFORE = """
    SELECT spent + until - at FROM state_changes WHERE key_id = ? AND at < ? ORDER BY at DESC LIMIT 1
"""
_SET_UNTIL = "UPDATE state_changes SET until = ? WHERE resource_id = ? AND at = ?"
_SET_SUMS = "UPDATE state_changes SET until = ?, spent = ?, seq = ? WHERE resource_id = ? AND at = ?"


# A change with its key and running sums, worked out from the changes before it (right when it is the latest).
_INSERT = """
    INSERT OR REPLACE INTO state_changes (resource_id, at, state, hardware, replicas, key_id, until, spent, seq)
    SELECT :rid, :at, :state, :hardware, :replicas, k.id, NULL,
           COALESCE((SELECT s.spent + s.until - s.at FROM state_changes AS s WHERE s.key_id = k.id AND s.at < :at
                     ORDER BY s.at DESC LIMIT 1), 0),
           COALESCE((SELECT s.seq + 1 FROM state_changes AS s WHERE s.resource_id = :rid AND s.at < :at
                     ORDER BY s.at DESC LIMIT 1), 0)
    FROM state_keys AS k
    WHERE k.resource_id = :rid AND k.state = :state AND IFNULL(k.hardware, x'') = IFNULL(:hardware, x'')
      AND k.replicas = :replicas
"""


def write_changes(conn: sqlite3.Connection, changes: Sequence[tuple[int, int, str, str | None, int]],
                  latest: Mapping[int, int | None]) -> None:
    """Write (resource id, at, state, hardware, replicas) changes with their keys and running sums.

    `latest`: each resource's latest change before these were written (None: none). A change after it (or
    replacing it, at the same instant) is appended in bulk; one before it, or several of one resource, are placed
    among the others (`reindex`).
    """
    conn.executemany(_NEW_KEY, [(rid, state, hardware, replicas) for rid, _, state, hardware, replicas in changes])
    conn.executemany(_SET_UNTIL, [(at, rid, previous) for rid, at, *_ in changes
                                  if (previous := latest[rid]) is not None and previous < at])
    conn.executemany(_INSERT, [{"rid": rid, "at": at, "state": state, "hardware": hardware, "replicas": replicas}
                               for rid, at, state, hardware, replicas in changes])
    earliest: dict[int, int] = {}
    several: set[int] = set()  # resources with more than one change here (a Job's start and end, dated by it)
    for rid, at, *_ in changes:
        if rid in earliest:
            several.add(rid)
            at = min(at, earliest[rid])
        earliest[rid] = at
    for rid, at in earliest.items():
        previous = latest[rid]
        if rid in several or (previous is not None and at < previous):
            reindex(conn, rid, at)


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
