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

INSERT_USAGE = """
    INSERT INTO usage_points (namespace, at, period_start, inference_used_usd, jobs_used_usd)
    VALUES (?, ?, ?, ?, ?)
"""
LAST_USAGE = """
    SELECT at, period_start, inference_used_usd, jobs_used_usd FROM usage_points
    WHERE namespace = ? AND at <= ? ORDER BY at DESC LIMIT 1
"""
RESOURCE = """
    SELECT state, hardware, replicas, changed_at, seen_at FROM resources WHERE kind = ? AND resource = ?
"""
STATE_AT = """
    SELECT state, hardware, replicas FROM state_changes
    WHERE kind = ? AND resource = ? AND at <= ? ORDER BY at DESC LIMIT 1
"""
INSERT_CHANGE = """
    INSERT INTO state_changes (kind, resource, at, state, hardware, replicas) VALUES (?, ?, ?, ?, ?, ?)
"""
UPSERT_RESOURCE = """
    INSERT INTO resources (kind, resource, state, hardware, replicas, changed_at, seen_at)
    VALUES (?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (kind, resource) DO UPDATE SET state = excluded.state, hardware = excluded.hardware,
        replicas = excluded.replicas, changed_at = excluded.changed_at,
        seen_at = MAX(seen_at, excluded.seen_at)
"""
TOUCH_RESOURCE = "UPDATE resources SET seen_at = ? WHERE kind = ? AND resource = ?"

# From each namespace's / resource's last row before :since (or from :since when there is none) onward.
LOAD_USAGE = _NAMESPACES + """
    SELECT u.namespace, u.at, u.period_start, u.inference_used_usd, u.jobs_used_usd
    FROM ns JOIN usage_points AS u ON u.namespace = ns.name
    WHERE u.at >= COALESCE(
        (SELECT MAX(m.at) FROM usage_points AS m WHERE m.namespace = ns.name AND m.at < :since), :since)
    ORDER BY u.at, u.namespace
"""
LOAD_CHANGES = """
    SELECT s.kind, s.resource, s.at, s.state, s.hardware, s.replicas
    FROM resources AS r CROSS JOIN state_changes AS s ON s.kind = r.kind AND s.resource = r.resource
    WHERE s.at >= COALESCE(
        (SELECT MAX(m.at) FROM state_changes AS m
         WHERE m.kind = r.kind AND m.resource = r.resource AND m.at < :since), :since)
    ORDER BY s.at, s.kind, s.resource
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


def prune(conn: sqlite3.Connection, cutoff: int) -> None:
    """Delete what is older than `cutoff`, keeping each remaining resource's last change before it."""
    params = {"cutoff": cutoff}
    conn.execute("""
        DELETE FROM state_changes
        WHERE (kind, resource) IN (SELECT kind, resource FROM resources WHERE seen_at < :cutoff)
    """, params)
    conn.execute("DELETE FROM resources WHERE seen_at < :cutoff", params)
    keys = conn.execute("SELECT kind, resource FROM resources").fetchall()
    conn.executemany("""
        DELETE FROM state_changes WHERE kind = :kind AND resource = :resource AND at < (
            SELECT MAX(at) FROM state_changes WHERE kind = :kind AND resource = :resource AND at < :cutoff)
    """, [{"kind": k, "resource": r, "cutoff": cutoff} for k, r in keys])
    names = [row[0] for row in conn.execute(_NAMESPACES + "SELECT name FROM ns WHERE name IS NOT NULL")]
    conn.executemany("DELETE FROM usage_points WHERE namespace = ? AND at < ?", [(n, cutoff) for n in names])
