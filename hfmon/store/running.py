"""The running sums on the state changes (schema v7): kept up to date as changes are written.

Each change carries its key (`state_keys`: one resource in one state, on one hardware, at one replica count), the
time of the resource's next change (`until`), the microseconds the resource spent in that key before the change
(`spent`) and its position among the resource's changes (`seq`). A resource's time in a key up to a moment is
then one index seek (`aggregates`).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping, Sequence

from hfmon.store.extract import compact_json
from hfmon.store.schema import FILL_KEY_IDS, FILL_RUNNING_SUMS, FILL_STATE_KEYS

_NEW_KEY = "INSERT OR IGNORE INTO state_keys (resource_id, state, hardware, replicas) VALUES (?, ?, ?, ?)"
_BEFORE = "SELECT at, seq FROM state_changes WHERE resource_id = ? AND at < ? ORDER BY at DESC LIMIT 1"
_FROM = "SELECT at, key_id FROM state_changes WHERE resource_id = ? AND at >= ? ORDER BY at"
_KEY_BEFORE = """
    SELECT spent + until - at FROM state_changes WHERE key_id = ? AND at < ? ORDER BY at DESC LIMIT 1
"""
_SET_UNTIL = "UPDATE state_changes SET until = ? WHERE resource_id = ? AND at = ?"
_SET_SUMS = "UPDATE state_changes SET until = ?, spent = ?, seq = ? WHERE resource_id = ? AND at = ?"
_INSERT = """
    INSERT OR REPLACE INTO state_changes (resource_id, at, state, hardware, replicas, key_id, until, spent, seq)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
"""

# Each resource's keys (a JSON list of resource ids): one index range each.
_KEYS = """
    SELECT k.resource_id, k.id, k.state, k.hardware, k.replicas
    FROM json_each(?) AS w JOIN state_keys AS k ON k.resource_id = w.value
"""
# Each resource's latest change before a time: a JSON object from resource id to the time of that change where known
# (?1: the row is read by its key), and one from resource id to the time it is the latest before (?2). Objects keyed
# by id, not lists of pairs: json_each hands each value as it is, where `json_extract` parses each pair's text again
# (~1.9k instructions an extract; the write's three reads at 1,000 resources: about 4 M of their 31 M).
_LATEST_BEFORE = """
    SELECT s.resource_id, s.key_id, s.at, s.until, s.spent, s.seq
    FROM json_each(?1) AS w JOIN state_changes AS s ON s.resource_id = CAST(w.key AS INTEGER) AND s.at = w.value
    UNION ALL
    SELECT s.resource_id, s.key_id, s.at, s.until, s.spent, s.seq
    FROM json_each(?2) AS w JOIN state_changes AS s ON s.resource_id = CAST(w.key AS INTEGER) AND s.at = (
        SELECT MAX(m.at) FROM state_changes AS m WHERE m.resource_id = CAST(w.key AS INTEGER) AND m.at < w.value)
"""
# Each key's time before a time (a JSON object from key id to that time) that is not its resource's latest change's
# key: its latest change before then has ended (NULL: none, or a file whose sums say nothing: 0).
_KEYS_SPENT = """
    SELECT CAST(w.key AS INTEGER), (
        SELECT s.spent + s.until - s.at FROM state_changes AS s WHERE s.key_id = CAST(w.key AS INTEGER)
        AND s.at < w.value ORDER BY s.at DESC LIMIT 1)
    FROM json_each(?) AS w
"""

Key = tuple[str, str | None, int]  # (state, hardware, replicas)
Change = tuple[int, int, str, str | None, int]  # (resource id, at, state, hardware, replicas)


def write_changes(conn: sqlite3.Connection, changes: Sequence[Change], latest: Mapping[int, int | None]) -> None:
    """Write (resource id, at, state, hardware, replicas) changes with their keys and running sums.

    `latest`: each resource's latest change before these were written (None: none). The changes of a resource that
    all come at or after it (appended, or replacing it at the same instant: a poll's usual case) get their sums
    worked out here from three bulk reads (each resource's keys and latest change before them, and the time in each
    other key they enter), and are written in one statement with every other resource's; those of a resource with
    one before it are placed among the others (`reindex`). Of two changes of one resource at one instant, the later
    in `changes` stands.
    """
    mine: dict[int, dict[int, Key]] = {}
    for rid, at, state, hardware, replicas in changes:
        mine.setdefault(rid, {})[at] = (state, hardware, replicas)
    ordered = {rid: sorted(by_time.items()) for rid, by_time in mine.items()}
    placed = {rid: rows[0][0] for rid, rows in ordered.items()  # resource id -> its earliest change written here
              if (previous := latest[rid]) is not None and rows[0][0] < previous}
    keys: dict[int, dict[Key, int]] = {rid: {} for rid in ordered}  # each resource's key ids
    for rid, kid, state, hardware, replicas in conn.execute(_KEYS, (compact_json(list(ordered)),)):
        keys[rid][(state, hardware, replicas)] = kid
    for rid, rows in ordered.items():  # a key never recorded: the resource's first change in it (few a poll)
        for _, key in rows:
            if key not in keys[rid]:
                keys[rid][key] = conn.execute(_NEW_KEY + " RETURNING id", (rid, *key)).fetchone()[0]
    appended = {rid: rows[0][0] for rid, rows in ordered.items() if rid not in placed}
    known: dict[int, int] = {}  # resource id -> its change before its first one here, when known
    unknown: dict[int, int] = {}  # resource id -> its first change here, the one before it to be found
    for rid, first in appended.items():  # after its latest change (a poll's usual case) that change is the one before
        previous = latest[rid]
        if previous is not None and previous < first:
            known[rid] = previous
        else:
            unknown[rid] = first
    # (key id, at, until, spent, seq) of each appended resource's latest change before its first one here
    last: dict[int, tuple[int, int, int | None, int, int]] = {
        rid: (kid, at, until, spent, seq) for rid, kid, at, until, spent, seq in conn.execute(
            _LATEST_BEFORE, (compact_json(known), compact_json(unknown)))}
    spent_before: dict[tuple[int, int], int] = {}  # (resource id, key id) -> its time in the key before `first`
    others = []
    for rid, first in appended.items():
        before = last.get(rid)
        if before is not None:  # its latest change lasted until the first one here
            spent_before[(rid, before[0])] = before[3] + first - before[1]
        others += [(rid, kid, first) for kid in {keys[rid][key] for _, key in ordered[rid]}
                   if before is None or kid != before[0]]
    found = dict(conn.execute(_KEYS_SPENT, (compact_json({kid: first for _, kid, first in others}),)).fetchall())
    for rid, kid, _ in others:
        spent_before[(rid, kid)] = found.get(kid) or 0
    ends: list[tuple[int, int, int]] = []
    written: list[tuple[int, int, str, str | None, int, int, int | None, int, int]] = []
    for rid, rows in ordered.items():
        if rid in placed:
            written.extend((rid, at, *key, keys[rid][key], None, 0, 0) for at, key in rows)
            continue
        first = rows[0][0]
        before = last.get(rid)
        if before is not None:
            ends.append((first, rid, before[1]))
        seq = 0 if before is None else before[4] + 1
        spent: dict[int, int] = {}
        for i, (at, key) in enumerate(rows):
            kid = keys[rid][key]
            if kid not in spent:
                spent[kid] = spent_before[(rid, kid)]
            until = rows[i + 1][0] if i + 1 < len(rows) else None
            written.append((rid, at, *key, kid, until, spent[kid], seq + i))
            if until is not None:
                spent[kid] += until - at
    conn.executemany(_SET_UNTIL, ends)
    conn.executemany(_INSERT, written)
    for rid, start in placed.items():
        reindex(conn, rid, start)


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
