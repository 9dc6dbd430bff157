"""Writing one poll to the history file: the rows it adds, inside the caller's transaction."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from hfmon.history import GONE, POLL_RUN_BREAK, Listing, UsagePoint
from hfmon.store import queries as q
from hfmon.store.extract import (
    Observed,
    compact_json,
    dated_changes,
    decode_money,
    decode_time,
    encode_money,
    encode_time,
    same_usage,
    unseen_stretch,
)
from hfmon.store.running import write_changes

USAGE_KEEPALIVE = timedelta(hours=1)  # store an unchanged usage point this often, for 24 h burn rates
SEEN_REFRESH = timedelta(hours=1)  # how stale a resource's "last seen" may get before it is rewritten


def record_poll(conn: sqlite3.Connection, at: int) -> None:
    """Extend the latest run of polls with this one, or start a new run after a break.

    A poll older than the latest one (another process recorded a newer poll first) can only shorten a gap:
    it is left out, which errs towards allowing more for poll lag, never less.
    """
    last = conn.execute(q.LAST_POLL_RUN).fetchone()
    if last is None or at - last[1] > POLL_RUN_BREAK // q.MICROSECOND:
        conn.execute(q.NEW_POLL_RUN, (at, at))
    elif at > last[1]:
        conn.execute(q.EXTEND_POLL_RUN, (at, at - last[1], last[0]))


def record_listings(conn: sqlite3.Connection, listed: Iterable[Listing], at: int) -> None:
    """`record_poll` for each listing this poll made fresh: extend its latest run, or start a new one after a break
    (one statement reads every listing's latest run; a file has a few namespaces times four kinds)."""
    latest = {(ns, kind): (first, last) for ns, kind, first, last in conn.execute(q.LAST_LISTING_RUNS)}
    new, extended = [], []
    for listing in listed:
        run = latest.get(listing)
        if run is None or at - run[1] > POLL_RUN_BREAK // q.MICROSECOND:
            new.append((*listing, at, at))
        elif at > run[1]:
            extended.append((at, at - run[1], *listing, run[0]))
    conn.executemany(q.NEW_LISTING_RUN, new)
    conn.executemany(q.EXTEND_LISTING_RUN, extended)


def record_bounds(conn: sqlite3.Connection, bounds: Mapping[tuple[str, str], tuple[datetime, bool]], at: int) -> None:
    """Keep each resource's statement bound read at `at` (`costs.uptime.statement_bounds`), after `record_states`.
    One that is its period's start leaves an earlier one kept: the line began with the period, the resource may
    have been up since the earlier one all along (the uptime takes it only while history saw it up since)."""
    if not bounds:
        return
    names: dict[str, list[str]] = {}
    for kind, resource in bounds:
        names.setdefault(kind, []).append(resource)
    rows = []
    # a resource not found is in no listing read fresh: history holds no row of it
    for kind, resource, rid, stored_since, read_at in conn.execute(q.STATEMENT_BOUNDS_OF, (compact_json(names),)):
        since, period_start = bounds[(kind, resource)]
        begins = encode_time(since)
        if read_at is not None and (read_at > at or (period_start and stored_since < begins)):
            continue  # a later read kept (another process), or an earlier bound the new period does not contradict
        rows.append((rid, begins, at))
    conn.executemany(q.SET_STATEMENT_BOUND, rows)


def record_usage(conn: sqlite3.Connection, points: list[UsagePoint], at: int) -> None:
    """Append the usage points that changed, or that are USAGE_KEEPALIVE old (for 24 h burn rates)."""
    rows = []
    for point in points:
        last = conn.execute(q.LAST_USAGE, (point.namespace, at)).fetchone()
        if last is not None:
            last_at, period_start, inference, jobs = last
            previous = UsagePoint(point.namespace, decode_time(last_at), decode_time(period_start),
                                  Decimal(inference), decode_money(jobs))
            if same_usage(previous, point) and at - last_at < USAGE_KEEPALIVE // q.MICROSECOND:
                continue
        rows.append((point.namespace, at, encode_time(point.period_start),
                     encode_money(point.inference_used_usd), encode_money(point.jobs_used_usd)))
    conn.executemany(q.INSERT_USAGE, rows)


def previous_polls(conn: sqlite3.Connection, at: int) -> dict[Listing, int]:
    """Each listing's latest poll before `at` in a run `at` extends (read before `record_listings` adds this one)."""
    brk = POLL_RUN_BREAK // q.MICROSECOND
    return {(ns, kind): last for ns, kind, _, last in conn.execute(q.LAST_LISTING_RUNS) if 0 < at - last <= brk}


def record_states(conn: sqlite3.Connection, observed: Observed, at: int) -> int | None:
    """Append each resource's state where it changed (or vanished from a fresh listing), refresh "last seen".

    A change is dated at the poll, or at the time the resource gives for it (`extract.dated_changes`: a Job's
    start and end, an Endpoint's `updatedAt` between the polls); one no source dates marks the stretch since the
    listing's previous poll (`extract.unseen_stretch`). Returns the earliest time a change was written at (None: no
    change)."""
    changes: list[tuple[int, int, str, str | None, int]] = []
    changed, seen = [], []
    latest: dict[int, int | None] = {}  # each changed resource's latest stored change (None: a new resource)
    refresh = SEEN_REFRESH // q.MICROSECOND
    # every stored resource in one pass (the deletions below need each one anyway), not a lookup per resource seen
    stored: dict[tuple[str, str], tuple[Any, ...]] = {}
    present = []
    for rid, namespace, kind, resource, state, hardware, replicas, changed_at, seen_at in conn.execute(q.RESOURCES):
        stored[(kind, resource)] = (rid, state, hardware, replicas, changed_at, seen_at)
        if state != GONE:
            present.append((rid, namespace, kind, resource, changed_at))
    since = previous_polls(conn, at)
    for key, (namespace, state) in observed.states.items():
        now = (state.state, state.hardware, state.replicas)
        row = stored.get(key)
        if row is None:
            dated = dated_changes(state, None, None, at, since.get((namespace, key[0])))
            (rid,) = conn.execute(q.NEW_RESOURCE, (*key, namespace, *dated[-1][1:], dated[-1][0], at)).fetchone()
            changes.extend((rid, *change) for change in dated)
            latest[rid] = None
            continue
        rid, changed_at, seen_at = row[0], row[4], row[5]
        latest[rid] = changed_at
        if at < changed_at:
            # Older than the latest stored change (another process recorded a newer poll first): compare
            # with the state as of this time, and leave the resource's latest state alone.
            before = conn.execute(q.STATE_AT, (rid, at)).fetchone()
            if before is None or tuple(before) != now:
                changes.append((rid, at, *now))
        else:
            # a new state, or the one it is recorded in left and re-entered since (its own change time moved)
            moved = state.changed_at is not None and encode_time(state.changed_at) > changed_at
            dated = dated_changes(state, row[1:4], changed_at, at, since.get((namespace, key[0]))) \
                if row[1:4] != now or moved else []
            if dated:
                changes.extend((rid, *change) for change in dated)
                changed.append((*now, dated[-1][0], at, rid))
            elif at - seen_at >= refresh:
                seen.append((at, rid))
    # A resource its namespace's fresh listing no longer shows was deleted: record that, or a later
    # resource of the same name would seem to have been running all along.
    gone = (GONE, None, 0)
    for rid, namespace, kind, resource, changed_at in present:
        if (namespace, kind) in observed.listed and (kind, resource) not in observed.states and at > changed_at:
            previous = since.get((namespace, kind))
            if previous is not None and changed_at <= previous < at - 1:  # gone some time since that poll
                before = conn.execute(q.STATE_AT, (rid, previous)).fetchone()
                stretch = None if before is None else unseen_stretch(kind, tuple(before), gone, previous)
                if stretch is not None:
                    changes.append((rid, *stretch))
            changes.append((rid, at, *gone))
            changed.append((*gone, at, at, rid))
            latest[rid] = changed_at
    write_changes(conn, changes, latest)
    conn.executemany(q.CHANGED_RESOURCE, changed)
    conn.executemany(q.TOUCH_RESOURCE, seen)
    return min((change[1] for change in changes), default=None)
