"""A load for a caller that reports figures only (`history.Figures`): recent rows, and sums for older history.

Every answer here is the one a load of every row from `since` gives, read without materialising that period:
- state changes from `changes_since`, or from the first stretch no poll watched if earlier (what the state recorded
  there says is taken out of the uptime), each resource's last change before it too, and further back to the last
  change in an unbilled state before it (so the stretch a resource has been up is walked as over every row);
- per resource, its first change and most replicas as every row from `since` gives them (`history.Seen`);
- usage points from `usage_since`, plus exactly the ones the Report reads of older history: each namespace's
  first point, its last point at or before each window's ends (Inference spend in a window telescopes between
  them while the billing period stays the same), and the first point of the period at or over each threshold
  (when the credits were used up). A namespace whose period changed within the loaded stretch has every row;
- the "minutes vs history" spans: each resource's time per state within each span, summed in SQL.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple

from hfmon.costs.credits import restarted
from hfmon.history import BILLING, Figures, Seen, Span, SpanTime, StateTime, Window, WindowTimes, unwatched
from hfmon.store import queries as q
from hfmon.store.aggregates import billed_condition, spent_until, window_times
from hfmon.store.extract import decode_listing_runs, decode_runs, decode_time, encode_time


def _first(resource: str) -> str:
    """SQL for the first change of resource `resource`.id as a load from :since gives it: its last one before :since,
    else its first after."""
    return f"""
        COALESCE((SELECT MAX(m.at) FROM state_changes AS m WHERE m.resource_id = {resource}.id AND m.at < :since),
                 (SELECT MIN(m.at) FROM state_changes AS m WHERE m.resource_id = {resource}.id AND m.at >= :since))
    """


_FIRST = _first("r")

_COLUMNS = "rowid, namespace, at, period_start, inference_used_usd, jobs_used_usd"  # a usage point, as `usage` reads it


def changes(conn: sqlite3.Connection, since: int, changes_since: int) -> list[Any]:
    """(resource_id, at, state, hardware, replicas) from each resource's lower bound (module docstring), in the
    order `queries.LOAD_CHANGES` gives."""
    billed = billed_condition("m.state", "r.kind")
    return conn.execute(f"""
        WITH d AS MATERIALIZED (  -- each resource's bounds once, not again for each of its changes
            SELECT r.id, r.kind, r.resource,
                   (SELECT m.at FROM state_changes AS m WHERE m.resource_id = r.id AND m.at < :rows AND NOT {billed}
                    ORDER BY m.at DESC LIMIT 1) AS down
            FROM resources AS r
        ), b AS MATERIALIZED (
            -- from its last unbilled change before :rows (else its first): its last change before :rows is at or after
            -- either, so no seek finds that one; one at or after :since is after its first, found only when needed
            SELECT d.id, d.kind, d.resource,
                   CASE WHEN d.down >= :since THEN d.down WHEN d.down IS NULL THEN {_first("d")}
                        ELSE MAX(d.down, {_first("d")}) END AS lower
            FROM d
        )
        SELECT s.resource_id, s.at, s.state, s.hardware, s.replicas
        FROM b CROSS JOIN state_changes AS s ON s.resource_id = b.id
        WHERE b.lower IS NOT NULL AND s.at >= b.lower
        ORDER BY s.at, b.kind, b.resource
    """, {"since": since, "rows": changes_since}).fetchall()


def seen(conn: sqlite3.Connection, since: int) -> list[tuple[int, str, str, int, int]]:
    """(id, kind, resource, first change, most replicas) of every resource with a change from its first on.

    Its latest change (whose replicas `resources` holds) is one of those: only a key with more replicas is looked for
    among its changes from the first on."""
    return conn.execute(f"""
        WITH b AS MATERIALIZED (SELECT r.id, r.kind, r.resource, r.replicas, {_FIRST} AS first FROM resources AS r)
        SELECT b.id, b.kind, b.resource, b.first,
               COALESCE((SELECT MAX(k.replicas) FROM state_keys AS k WHERE k.resource_id = b.id
                         AND k.replicas > b.replicas AND EXISTS (
                    SELECT 1 FROM state_changes AS m WHERE m.key_id = k.id AND m.at >= b.first)), b.replicas)
        FROM b
        WHERE b.first IS NOT NULL
    """, {"since": since}).fetchall()


def span_times(conn: sqlite3.Connection, since: int, spans: Sequence[Span]) -> dict[Span, SpanTime | None]:
    """Each span's time per recorded billed state and its transitions, as `costs.observed.span_times` gives them
    from the changes a load from `since` holds (from the running sums); None for a resource with no change there."""
    out: dict[Span, SpanTime | None] = {}
    unique = list(dict.fromkeys(spans))
    for i in range(0, len(unique), 200):
        chunk = unique[i:i + 200]
        values = ", ".join("(?, ?, ?, ?, ?)" for _ in chunk)
        params: list[Any] = []
        for n, (kind, resource, start, end) in enumerate(chunk):
            params += [n, kind, resource, encode_time(start), encode_time(end)]
        found: dict[int, tuple[list[StateTime], int]] = {}
        for n, first, state, hardware, replicas, to_end, to_start, first_seq, last_seq in conn.execute(f"""
            WITH asked(n, kind, resource, lo, hi) AS (VALUES {values}),
            known AS (
                SELECT a.n, r.id, r.kind, a.hi, COALESCE(
                    (SELECT MAX(m.at) FROM state_changes AS m WHERE m.resource_id = r.id AND m.at < ?),
                    (SELECT MIN(m.at) FROM state_changes AS m WHERE m.resource_id = r.id)) AS first, a.lo
                FROM asked AS a JOIN resources AS r ON r.kind = a.kind AND r.resource = a.resource
            ),
            a AS MATERIALIZED (SELECT n, id, kind, hi, first, MAX(lo, first) AS lo FROM known),
            b AS MATERIALIZED (  -- once per span, not per key
                SELECT a.*,
                       (SELECT m.seq FROM state_changes AS m WHERE m.resource_id = a.id AND m.at >= a.lo
                        AND m.at < a.hi ORDER BY m.at LIMIT 1) AS first_seq,
                       (SELECT m.seq FROM state_changes AS m WHERE m.resource_id = a.id AND m.at < a.hi
                        ORDER BY m.at DESC LIMIT 1) AS last_seq
                FROM a
            )
            SELECT b.n, b.first, k.state, k.hardware, k.replicas, {spent_until("b.hi")}, {spent_until("b.lo")},
                   b.first_seq, b.last_seq
            FROM b LEFT JOIN state_keys AS k ON k.resource_id = b.id AND {billed_condition("k.state", "b.kind")}
        """, [*params, since]):
            if first is None:
                continue
            transitions = 0 if first_seq is None else last_seq - first_seq + 1
            states, _ = found.get(n, ([], transitions))
            if state is not None and to_end - to_start > 0:
                states.append(StateTime(state, hardware, replicas, to_end - to_start))
            found[n] = (states, transitions)
        for n, span in enumerate(chunk):
            got = found.get(n)
            out[span] = None if got is None else SpanTime(tuple(got[0]), got[1])
    return out


# Each period start the namespace's usage points carry, as p(v), each found by a seek (one NULL row last).
_PERIOD_STARTS = """
    WITH RECURSIVE p(v) AS (
        SELECT (SELECT MIN(period_start) FROM usage_points WHERE namespace = :ns)
        UNION ALL
        SELECT (SELECT MIN(period_start) FROM usage_points WHERE namespace = :ns AND period_start > p.v)
        FROM p WHERE p.v IS NOT NULL
    )
"""

# A point of another billing period than :period in [:lo, :hi).
_OTHER_PERIOD = _PERIOD_STARTS + """
    SELECT 1 FROM p WHERE p.v IS NOT NULL AND p.v != :period AND EXISTS (
        SELECT 1 FROM usage_points WHERE namespace = :ns AND period_start = p.v AND at >= :lo AND at < :hi)
    LIMIT 1
"""


def usage(conn: sqlite3.Connection, since: int, figures: Figures, windows: Sequence[Window], now: int,
          namespaces: Iterable[str]) -> list[Any]:
    """(rowid, namespace, at, period_start, inference, jobs) of the usage points the module docstring lists, in
    the order `queries.LOAD_USAGE` gives."""
    usage_since = max(encode_time(figures.usage_since), since)
    ends = sorted({encode_time(t) for window in windows for t in window})
    columns = _COLUMNS
    found: dict[int, Any] = {}
    for namespace in namespaces:
        first = conn.execute(f"SELECT {columns} FROM usage_points WHERE namespace = ? AND at < ? "
                             "ORDER BY at DESC LIMIT 1", (namespace, since)).fetchone() or conn.execute(
            f"SELECT {columns} FROM usage_points WHERE namespace = ? AND at >= ? ORDER BY at LIMIT 1",
            (namespace, since)).fetchone()
        if first is None:
            continue
        lower = first[2]
        recent = max(lower, usage_since)
        if conn.execute(_OTHER_PERIOD, {"ns": namespace, "period": first[3], "lo": lower, "hi": recent}).fetchone():
            recent = lower  # the period changed before the recent rows: every row, as a load from `since` reads them
        before = conn.execute(f"SELECT {columns} FROM usage_points WHERE namespace = ? AND at < ? "
                              "ORDER BY at DESC LIMIT 1", (namespace, recent)).fetchone()
        picked = [first, *([before] if before is not None and before[2] >= lower else [])]
        picked += conn.execute(f"SELECT {columns} FROM usage_points WHERE namespace = ? AND at >= ?",
                               (namespace, recent)).fetchall()
        for end in ends:
            if lower <= end < recent:
                row = conn.execute(f"SELECT {columns} FROM usage_points WHERE namespace = ? AND at <= ? "
                                   "ORDER BY at DESC LIMIT 1", (namespace, end)).fetchone()
                if row is not None and row[2] >= lower:
                    picked.append(row)
        for ns, period_start, used, threshold in figures.thresholds:
            if ns == namespace:
                row = _period_first_over(conn, namespace, period_start, used, threshold, lower, now)
                if row is not None:
                    picked.append(row)
        found.update((row[0], row) for row in picked)
    return sorted(found.values(), key=lambda row: (row[2], row[1]))


OVER_READ = 2_000
"""Usage points at or over an amount read by amount (index `usage_points_amount`) before reading the period's points by
time instead: few points are over an amount the spend reached lately, few are before one it reached early."""


# Each period start the namespace's points in [:lo, :hi] carry, with its first and last point's time there.
_LABELS = _PERIOD_STARTS + """
    SELECT p.v,
        (SELECT MIN(at) FROM usage_points WHERE namespace = :ns AND period_start = p.v AND at >= :lo AND at <= :hi),
        (SELECT MAX(at) FROM usage_points WHERE namespace = :ns AND period_start = p.v AND at >= :lo AND at <= :hi)
    FROM p WHERE p.v IS NOT NULL
"""


def _period_labels(conn: sqlite3.Connection, namespace: str, period_start: datetime, used: Decimal, lower: int,
                   now: int) -> list[tuple[int, int]]:
    """(period start, from when) of each label the namespace's points of the period whose total is `used` now
    carry in [lower, now]: back from now until `credits.restarted` says a period began (labels taken as
    contiguous in time, as hfmon writes them)."""
    runs = sorted(((first, last, label) for label, first, last in conn.execute(
        _LABELS, {"ns": namespace, "lo": lower, "hi": now}) if first is not None), reverse=True)
    later_period, later_used, out = period_start, used, []
    for first, last, label in runs:
        (last_used,) = conn.execute("SELECT inference_used_usd FROM usage_points WHERE namespace = ? AND "
                                    "period_start = ? AND at = ?", (namespace, label, last)).fetchone()
        if restarted(decode_time(last), decode_time(label), Decimal(last_used), later_period, later_used):
            break
        (first_used,) = conn.execute("SELECT inference_used_usd FROM usage_points WHERE namespace = ? AND "
                                     "period_start = ? AND at = ?", (namespace, label, first)).fetchone()
        out.append((label, first))
        later_period, later_used = decode_time(label), Decimal(first_used)
    return out


def _period_first_over(conn: sqlite3.Connection, namespace: str, period_start: datetime, used: Decimal,
                       threshold: Decimal, lower: int, now: int) -> Any:
    """The first usage point (from `lower`, up to `now`) at or over `threshold` USD of the period whose total is
    `used` now, under whichever period start it was written (`_period_labels`)."""
    found = (_first_over(conn, namespace, label, threshold, max(lower, start), now)
             for label, start in _period_labels(conn, namespace, period_start, used, lower, now))
    return min((row for row in found if row is not None), key=lambda row: (row[2], row[0]), default=None)


def _first_over(conn: sqlite3.Connection, namespace: str, period_start: int, threshold: Decimal, lower: int,
                now: int) -> Any:
    """The namespace's first usage point of the period (from `lower`, up to `now`) at or over `threshold` USD.

    SQLite compares the text amounts as floats, with a margin below the threshold; each candidate is then
    checked exactly, in Decimal. The points over the margin come by amount when there are at most OVER_READ of them,
    else the period's points by time until the first over it.
    """
    approx = float(threshold) * (1 - 1e-9) - 1e-9
    over = conn.execute("""
        SELECT at, rowid, inference_used_usd FROM usage_points INDEXED BY usage_points_amount
        WHERE namespace = ? AND period_start = ? AND CAST(inference_used_usd AS REAL) >= ? AND at >= ? AND at <= ?
        LIMIT ?
    """, (namespace, period_start, approx, lower, now, OVER_READ + 1)).fetchall()
    if len(over) <= OVER_READ:
        first = min(((at, rowid) for at, rowid, amount in over if Decimal(amount) >= threshold), default=None)
        return None if first is None else conn.execute(
            f"SELECT {_COLUMNS} FROM usage_points WHERE rowid = ?", (first[1],)).fetchone()
    for row in conn.execute(f"""
        SELECT {_COLUMNS} FROM usage_points INDEXED BY usage_points_period
        WHERE namespace = ? AND at >= ? AND at <= ? AND period_start = ? AND CAST(inference_used_usd AS REAL) >= ?
        ORDER BY at
    """, (namespace, lower, now, period_start, approx)):
        if Decimal(row[4]) >= threshold:
            return row
    return None


class Read(NamedTuple):
    """What `read` found, as rows (`HistoryStore.load` builds the values)."""

    usage: list[Any]  # (namespace, at, period_start, inference, jobs), as queries.LOAD_USAGE
    changes: list[Any]  # (resource_id, at, state, hardware, replicas), as queries.LOAD_CHANGES
    seen: dict[tuple[str, str], Seen]
    names: dict[int, tuple[str, str]]  # (kind, name) by id of each resource `changes` may name (all with a change)


def _unwatched_from(conn: sqlite3.Connection, since: int, now: datetime) -> int | None:
    """The start of the first stretch from `since` no poll watched (`history.unwatched`) that a recorded state
    reaches into, in any listing (the polls that listed one namespace's kind fresh): the uptime takes out what that
    state says there, so the changes must reach back to it. The stretch before a listing's first run of polls counts
    only when a change was recorded before that run (else it is before history, and a load from `since` holds
    nothing of it)."""
    listings = decode_listing_runs(conn.execute(q.LOAD_LISTING_RUNS).fetchall())
    starts = []
    resource_listings = [runs for (_, kind), runs in listings.items() if kind != BILLING]  # what uptimes read
    for runs in (decode_runs(conn.execute(q.LOAD_POLL_RUNS, {"since": since}).fetchall()), *resource_listings):
        gaps = unwatched(runs, decode_time(since), now)
        if gaps and gaps[0][1] == runs[0].first and not conn.execute(
                _CHANGED_BEFORE, (encode_time(runs[0].first),)).fetchone()[0]:
            gaps = gaps[1:]
        if gaps:
            starts.append(gaps[0][0])
    return encode_time(min(starts)) if starts else None


# Whether any resource has a change before a moment: one seek per resource (state_changes has no index on `at`).
_CHANGED_BEFORE = """
    SELECT EXISTS (SELECT 1 FROM resources AS r
                   WHERE (SELECT MIN(m.at) FROM state_changes AS m WHERE m.resource_id = r.id) < ?)
"""


def read(conn: sqlite3.Connection, since: int, figures: Figures, windows: Sequence[Window], now: datetime) -> Read:
    """The rows of a `Figures` load, from the caller's transaction (`sums` reads the rest, on the same snapshot)."""
    changes_since = max(encode_time(figures.changes_since), since)
    unwatched_from = _unwatched_from(conn, since, now)
    changes_since = changes_since if unwatched_from is None else min(changes_since, unwatched_from)
    namespaces = [row[0] for row in conn.execute(q.NAMESPACE_NAMES)]
    points = [row[1:] for row in usage(conn, since, figures, windows, encode_time(now), namespaces)]
    rows = seen(conn, since)
    found = {(kind, resource): Seen(decode_time(first), most) for _, kind, resource, first, most in rows}
    names = {rid: (kind, resource) for rid, kind, resource, _, _ in rows}
    return Read(points, changes(conn, since, changes_since), found, names)


def sums(conn: sqlite3.Connection, since: int, figures: Figures, windows: Sequence[Window], now: datetime,
         ) -> tuple[WindowTimes | None, dict[Span, SpanTime | None]]:
    """The sums of a `Figures` load: each window's time per billed state (`aggregates.window_times`) and the
    "minutes vs history" spans (`span_times`), from the caller's transaction."""
    return window_times(conn, windows, now) if windows else None, span_times(conn, since, figures.spans)
