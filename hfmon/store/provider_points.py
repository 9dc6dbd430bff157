"""Inference Providers spend per provider over time in the history file: each namespace's set of providers
(period to date) written at the polls where it changed, read back as `ProviderPoint`s."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from hfmon.costs.credits import namespace_credits_period
from hfmon.history import ProviderPoint
from hfmon.models import Snapshot, SourceStatus
from hfmon.store.extract import decode_time, encode_money, encode_time

if TYPE_CHECKING:  # db.py writes the points through this module on each poll
    from hfmon.store.db import HistoryStore

UNTOLD = -1  # the requests of a provider whose count HF did not give: unknown (the column is NOT NULL since v8)
NO_PROVIDER = ""  # the one row of a set with no provider (nothing spent through any yet this period)
SPACING_US = 5 * 60 * 1_000_000  # a namespace's sets are at least this far apart (the charts' finest step)
_LATEST = """
    SELECT at, provider, period_start, used_usd, requests FROM provider_points
    WHERE namespace = ? AND at = (SELECT MAX(at) FROM provider_points WHERE namespace = ?)
"""
_SET = ("SELECT namespace, at, period_start, provider, used_usd, requests FROM provider_points "
        "WHERE namespace = ? AND at = ?")
_INSERT = ("INSERT INTO provider_points (namespace, at, period_start, provider, used_usd, requests) "
           "VALUES (?, ?, ?, ?, ?, ?)")

Set = frozenset[tuple[str, int, str, int]]  # (provider, period start, used USD as text, requests)


def provider_sets(snapshot: Snapshot) -> dict[str, Set]:
    """Each namespace's spend per provider this period, where this poll read it (`usage/live`)."""
    out: dict[str, Set] = {}
    for ns in snapshot.namespaces:
        billing = ns.billing.value
        if ns.billing.status is not SourceStatus.OK or billing is None or billing.by_provider is None:
            continue  # not read this poll: nothing is known, so nothing is written
        start = encode_time(namespace_credits_period(ns, snapshot.taken_at).start)
        rows = {(p.provider, start, str(encode_money(p.cost_usd)), UNTOLD if p.requests is None else p.requests)
                for p in billing.by_provider if p.provider != NO_PROVIDER}
        out[ns.namespace] = frozenset(rows or {(NO_PROVIDER, start, "0", 0)})
    return out


def record(conn: sqlite3.Connection, sets: dict[str, Set], at: int) -> None:
    """Write each namespace's set where it differs from the last one written, at most one every SPACING_US in a
    period (a poll a minute would write one a minute; a later poll writes what a skipped one saw). Inside the
    caller's transaction."""
    for namespace, rows in sets.items():
        found = conn.execute(_LATEST, (namespace,) * 2).fetchall()
        latest = frozenset((str(p), int(s), str(u), int(n)) for _, p, s, u, n in found)
        if latest == rows:
            continue
        same_period = bool(found) and {s for _, s, _, _ in rows} == {int(r[2]) for r in found}
        if same_period and at - int(found[0][0]) < SPACING_US:
            continue
        conn.executemany(_INSERT, [(namespace, at, start, provider, used, requests)
                                   for provider, start, used, requests in sorted(rows)])


def prune(conn: sqlite3.Connection, cutoff: int) -> None:
    """Drop the sets older than `cutoff`, keeping each namespace's last set before it (its state at the cutoff)."""
    conn.execute("""
        DELETE FROM provider_points WHERE at < ? AND at < (
            SELECT MAX(p.at) FROM provider_points p WHERE p.namespace = provider_points.namespace AND p.at < ?)
    """, (cutoff, cutoff))


def load(store: HistoryStore, times: Sequence[datetime]) -> tuple[ProviderPoint, ...]:
    """Each namespace's set as it stood at each of `times` (the last one written at or before it), and the last
    set of a period that ended between two of them; oldest first. These are all the sets the steps of the charts
    need (a step's spend is the set at its end against the set at its start), read by index lookups, however many
    sets the file holds."""
    moments = sorted({encode_time(t) for t in times})

    def read(conn: sqlite3.Connection) -> list[tuple[object, ...]]:
        wanted: list[tuple[str, int]] = []
        namespace = conn.execute("SELECT MIN(namespace) FROM provider_points").fetchone()[0]
        while namespace is not None:
            found = [conn.execute("SELECT MAX(at) FROM provider_points WHERE namespace = ? AND at <= ?",
                                  (namespace, t)).fetchone()[0] for t in moments]
            chosen = sorted({int(at) for at in found if at is not None})
            periods = dict(conn.execute(
                f"SELECT at, MIN(period_start) FROM provider_points WHERE namespace = ? AND at IN "
                f"({', '.join('?' * len(chosen))}) GROUP BY at", (namespace, *chosen)).fetchall()) if chosen else {}
            for before, after in zip(chosen, chosen[1:], strict=False):
                if periods[before] != periods[after]:  # a period ended between: its last set too
                    last = conn.execute(
                        "SELECT MAX(at) FROM provider_points WHERE namespace = ? AND at > ? AND at < ? "
                        "AND period_start = ?", (namespace, before, after, periods[before])).fetchone()[0]
                    if last is not None:
                        chosen.append(int(last))
            wanted += [(namespace, at) for at in chosen]
            namespace = conn.execute("SELECT MIN(namespace) FROM provider_points WHERE namespace > ?",
                                     (namespace,)).fetchone()[0]
        rows: list[tuple[object, ...]] = []
        for ns, at in wanted:
            rows += conn.execute(_SET, (ns, at)).fetchall()
        return rows

    rows = store.transaction(read, write=False)
    points = [ProviderPoint(str(ns), decode_time(int(at)), decode_time(int(period)),  # type: ignore[call-overload]
                            str(provider), Decimal(str(used)),
                            None if int(requests) == UNTOLD else int(requests))  # type: ignore[call-overload]
              for ns, at, period, provider, used, requests in rows]
    return tuple(sorted(points, key=lambda p: (p.at, p.namespace, p.provider)))
