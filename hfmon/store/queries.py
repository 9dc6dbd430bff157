"""The SQL the store runs, kept apart so `db.py` reads as the logic. Times are epoch microseconds."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

MICROSECOND = timedelta(microseconds=1)

# Distinct namespaces by walking the (namespace, at) index: one seek per namespace, not a table scan.
_NAMESPACES = """
    WITH RECURSIVE ns(name) AS (
        SELECT (SELECT MIN(namespace) FROM usage_points)
        UNION ALL
        SELECT (SELECT MIN(namespace) FROM usage_points WHERE namespace > ns.name) FROM ns WHERE ns.name IS NOT NULL
    )
"""

NAMESPACE_NAMES = _NAMESPACES + "SELECT name FROM ns WHERE name IS NOT NULL"

INSERT_USAGE = """
    INSERT INTO usage_points (namespace, at, period_start, inference_used_usd, jobs_used_usd)
    VALUES (?, ?, ?, ?, ?)
"""
LAST_USAGE = """
    SELECT at, period_start, inference_used_usd, jobs_used_usd FROM usage_points
    WHERE namespace = ? AND at <= ? ORDER BY at DESC LIMIT 1
"""


RESOURCES = """
    SELECT id, namespace, kind, resource, state, hardware, replicas, changed_at, seen_at FROM resources
"""  # what record() compares a poll with: every resource's latest state, in one pass over the table


NEW_RESOURCE = """
    INSERT INTO resources (kind, resource, namespace, state, hardware, replicas, changed_at, seen_at)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id
"""
CHANGED_RESOURCE = """
    UPDATE resources SET state = ?, hardware = ?, replicas = ?, changed_at = ?, seen_at = MAX(seen_at, ?)
    WHERE id = ?
"""
TOUCH_RESOURCE = "UPDATE resources SET seen_at = ? WHERE id = ?"
STATE_AT = """
    SELECT state, hardware, replicas FROM state_changes
    WHERE resource_id = ? AND at <= ? ORDER BY at DESC LIMIT 1
"""
# Two observations of one resource at the very same instant: the later write wins.
INSERT_CHANGE = """
    INSERT OR REPLACE INTO state_changes (resource_id, at, state, hardware, replicas, key_id) VALUES (?, ?, ?, ?, ?, ?)
"""

# From each namespace's / resource's last row before :since (or from :since when there is none) onward.
LOAD_USAGE = _NAMESPACES + """
    SELECT u.namespace, u.at, u.period_start, u.inference_used_usd, u.jobs_used_usd
    FROM ns JOIN usage_points AS u ON u.namespace = ns.name
    WHERE u.at >= COALESCE(
        (SELECT MAX(m.at) FROM usage_points AS m WHERE m.namespace = ns.name AND m.at < :since), :since)
    ORDER BY u.at, u.namespace
"""
LOAD_CHANGES = """
    SELECT s.resource_id, s.at, s.state, s.hardware, s.replicas
    FROM resources AS r CROSS JOIN state_changes AS s ON s.resource_id = r.id
    WHERE s.at >= COALESCE(
        (SELECT MAX(m.at) FROM state_changes AS m WHERE m.resource_id = r.id AND m.at < :since), :since)
    ORDER BY s.at, r.kind, r.resource
"""

# What a poll added after the previous load (`HistoryStore.load` reading incrementally): rows newer than :after.
USAGE_AFTER = _NAMESPACES + """
    SELECT u.namespace, u.at, u.period_start, u.inference_used_usd, u.jobs_used_usd
    FROM ns JOIN usage_points AS u ON u.namespace = ns.name
    WHERE u.at > :after
    ORDER BY u.at, u.namespace
"""
CHANGES_AFTER = """
    SELECT s.resource_id, s.at, s.state, s.hardware, s.replicas
    FROM resources AS r CROSS JOIN state_changes AS s ON s.resource_id = r.id
    WHERE s.at > :after
    ORDER BY s.at, r.kind, r.resource
"""

RESOURCE_NAMES = "SELECT id, kind, resource FROM resources"
RESOURCE_COUNT = "SELECT count(*) FROM resources"


LOAD_STATEMENT_BOUNDS = """
    SELECT r.kind, r.resource, b.since, b.read_at FROM statement_bounds AS b JOIN resources AS r ON r.id = b.resource_id
"""
# Each resource named (a JSON object from kind to a list of names) with the bound kept of it, if any: one statement
# for a poll's bounds, not two lookups per resource (CROSS JOIN keeps that order: one seek per name)
STATEMENT_BOUNDS_OF = """
    SELECT r.kind, r.resource, r.id, b.since, b.read_at
    FROM json_each(?) AS k CROSS JOIN json_each(k.value) AS n
    CROSS JOIN resources AS r ON r.kind = k.key AND r.resource = n.value
    LEFT JOIN statement_bounds AS b ON b.resource_id = r.id
"""
SET_STATEMENT_BOUND = "INSERT OR REPLACE INTO statement_bounds (resource_id, since, read_at) VALUES (?, ?, ?)"
MOST_REPLICAS_FROM = """
    SELECT MAX(m.replicas) FROM state_changes AS m JOIN resources AS r ON r.id = m.resource_id
    WHERE r.kind = :kind AND r.resource = :resource AND m.at >= COALESCE(
        (SELECT MAX(p.at) FROM state_changes AS p WHERE p.resource_id = r.id AND p.at < :since), :since)
"""  # the most replicas of a resource's changes as a load from :since holds them (its last one before :since too)
LAST_POLL_RUN = "SELECT first_at, last_at, max_gap FROM poll_runs ORDER BY first_at DESC LIMIT 1"
NEW_POLL_RUN = "INSERT OR IGNORE INTO poll_runs (first_at, last_at, max_gap) VALUES (?, ?, 0)"
EXTEND_POLL_RUN = "UPDATE poll_runs SET last_at = ?, max_gap = MAX(max_gap, ?) WHERE first_at = ?"
LOAD_POLL_RUNS = "SELECT first_at, last_at, max_gap FROM poll_runs WHERE last_at >= :since ORDER BY first_at"
LAST_LISTING_RUNS = """
    SELECT namespace, kind, MAX(first_at), last_at FROM listing_runs GROUP BY namespace, kind
"""  # SQLite takes last_at from the row whose first_at is the MAX: each listing's latest run
NEW_LISTING_RUN = """
    INSERT OR IGNORE INTO listing_runs (namespace, kind, first_at, last_at, max_gap) VALUES (?, ?, ?, ?, 0)
"""
EXTEND_LISTING_RUN = """
    UPDATE listing_runs SET last_at = ?, max_gap = MAX(max_gap, ?) WHERE namespace = ? AND kind = ? AND first_at = ?
"""
LOAD_LISTING_RUNS = """
    SELECT namespace, kind, first_at, last_at, max_gap FROM listing_runs ORDER BY namespace, kind, first_at
"""


def newest_time(conn: sqlite3.Connection) -> int | None:
    """The latest time anything was recorded (None for an empty history)."""
    row = conn.execute(_NAMESPACES + """
        SELECT MAX(at) FROM (
            SELECT MAX(seen_at) AS at FROM resources
            UNION ALL
            SELECT (SELECT MAX(at) FROM usage_points WHERE namespace = ns.name) FROM ns WHERE ns.name IS NOT NULL
        )
    """).fetchone()
    return None if row[0] is None else int(row[0])


def prune(conn: sqlite3.Connection, cutoff: int, ledger_cutoff: int | None = None) -> None:
    """Delete what is older than `cutoff` (the proxy's ledger: than `ledger_cutoff`, when earlier), keeping each
    remaining resource's last change before it; the runs of polls kept begin at `cutoff` at the earliest."""
    ledger_cutoff = cutoff if ledger_cutoff is None else min(cutoff, ledger_cutoff)
    forgotten = [row[0] for row in conn.execute("SELECT id FROM resources WHERE seen_at < ?", (cutoff,))]
    conn.executemany("DELETE FROM state_changes WHERE resource_id = ?", [(i,) for i in forgotten])
    conn.executemany("DELETE FROM state_keys WHERE resource_id = ?", [(i,) for i in forgotten])
    conn.executemany("DELETE FROM statement_bounds WHERE resource_id = ?", [(i,) for i in forgotten])
    conn.executemany("DELETE FROM resources WHERE id = ?", [(i,) for i in forgotten])
    # only resources with two changes or more before the cutoff have one to delete: found in one statement (a seek
    # each) instead of a DELETE per resource, as on most days there is none
    conn.executemany("""
        DELETE FROM state_changes WHERE resource_id = :id AND at < (
            SELECT MAX(at) FROM state_changes WHERE resource_id = :id AND at < :cutoff)
    """, [{"id": row[0], "cutoff": cutoff} for row in conn.execute("""
        SELECT r.id FROM resources AS r WHERE (SELECT m.at FROM state_changes AS m WHERE m.resource_id = r.id
                                               AND m.at < ? ORDER BY m.at LIMIT 1 OFFSET 1) IS NOT NULL
    """, (cutoff,)).fetchall()])
    conn.execute("DELETE FROM poll_runs WHERE last_at < ?", (cutoff,))
    conn.execute("DELETE FROM listing_runs WHERE last_at < ?", (cutoff,))
    # a run kept whole would say the pruned time was watched: what a resource did there is gone (its changes but
    # the last), so history says it did not run then. Watched from the cutoff on; the time before it is unwatched.
    conn.execute("UPDATE poll_runs SET first_at = ? WHERE first_at < ?", (cutoff, cutoff))
    conn.execute("UPDATE listing_runs SET first_at = ? WHERE first_at < ?", (cutoff, cutoff))
    conn.execute("DELETE FROM alert_events WHERE at < ?", (cutoff,))
    conn.execute("DELETE FROM ledger WHERE at < ?", (ledger_cutoff,))
    conn.execute("DELETE FROM ledger_gaps WHERE last_at < ?", (ledger_cutoff,))
    conn.execute("DELETE FROM ledger_sessions WHERE read_at < ? AND session_id NOT IN "
                 "(SELECT session_id FROM ledger WHERE session_id IS NOT NULL)", (ledger_cutoff,))
    names = [row[0] for row in conn.execute(NAMESPACE_NAMES)]
    conn.executemany("DELETE FROM usage_points WHERE namespace = ? AND at < ?", [(n, cutoff) for n in names])
