"""What the store sums in SQL instead of handing every row to Python: time in each billed state per window, from the
running sums on the state changes (`store.running`): two index seeks per resource, state and moment, however long
the history."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from hfmon.costs.billing_rules import MAY_BILL_STATES
from hfmon.history import StateTime, Window, WindowTimes
from hfmon.store.extract import encode_time


def billed_condition(column: str, kind_column: str) -> str:
    """An SQL condition true when `column` is a state of the resource's kind that bills or may bill
    (`billing_rules.MAY_BILL_STATES`: the rule's own sets, as quoted literals: constants of the code, never input)."""
    cases = []
    for kind, states in sorted(MAY_BILL_STATES.items()):
        names = ", ".join(_quoted(state) for state in sorted(states))
        cases.append(f"WHEN {_quoted(kind)} THEN {column} IN ({names})")
    return f"(CASE {kind_column} {' '.join(cases)} ELSE 0 END)"


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def spent_until(moment: str) -> str:
    """SQL for the microseconds the key `k.id` was in effect before `moment` (a bound parameter or column).

    The key's last change before it: its running sum plus its own time up to the moment; without one, the sum its
    first change after the moment carries (the time of changes retention deleted); without either, 0.
    """
    return f"""COALESCE(
        (SELECT s.spent + MIN({moment}, COALESCE(s.until, {moment})) - s.at FROM state_changes AS s
         WHERE s.key_id = k.id AND s.at < {moment} ORDER BY s.at DESC LIMIT 1),
        (SELECT s.spent FROM state_changes AS s WHERE s.key_id = k.id AND s.at >= {moment} ORDER BY s.at LIMIT 1),
        0)"""


def window_times(conn: sqlite3.Connection, windows: Sequence[Window], now: datetime) -> WindowTimes:
    """Each resource's time in each recorded billed state within each window (every window ends at or before `now`).

    As `costs.resources.state_spans` gives it from the changes: a state lasts until the next change, the last one
    until `now` (changes at or after `now` are left out). Every resource with a change before `now` and a billed
    state recorded has an entry. Unbilled states are left out: they cost nothing and count no uptime, and summing
    them doubled the seeks (a resource is mostly in one billed and one unbilled state).
    """
    unique = tuple(dict.fromkeys(windows))
    if not unique:
        return WindowTimes(())
    if any(end > now or start >= end for start, end in unique):
        raise ValueError(f"windows must be non-empty and end by {now.isoformat()}: {unique!r}")
    moments = sorted({encode_time(t) for window in unique for t in window})
    billed = billed_condition("k.state", "r.kind")
    params = {"now": encode_time(now), **{f"m{i}": m for i, m in enumerate(moments)}}
    columns = ", ".join(spent_until(f":m{i}") for i in range(len(moments)))
    index = {m: i for i, m in enumerate(moments)}
    edges = [(window, 6 + index[encode_time(window[0])], 6 + index[encode_time(window[1])])  # row positions
             for window in unique]
    times: dict[tuple[str, str], dict[Window, tuple[StateTime, ...]]] = {}
    new = tuple.__new__  # StateTime(...) without its __new__ in Python: a month at 1,000 resources builds thousands
    mine: dict[Window, tuple[StateTime, ...]] = {}
    last = None
    # a resource's latest change (`changed_at`) before `now` answers "a change before now" without a seek
    for row in conn.execute(f"""
        SELECT r.id, r.kind, r.resource, k.state, k.hardware, k.replicas, {columns}
        FROM resources AS r JOIN state_keys AS k ON k.resource_id = r.id
        WHERE {billed}
          AND (r.changed_at < :now
               OR EXISTS (SELECT 1 FROM state_changes AS c WHERE c.resource_id = r.id AND c.at < :now))
        ORDER BY r.id, k.id
    """, params):
        if row[0] != last:  # rows come by resource
            last = row[0]
            mine = times[(row[1], row[2])] = {}
        for window, lo, hi in edges:
            micros = row[hi] - row[lo]
            if micros > 0:
                time = new(StateTime, (row[3], row[4], row[5], micros))
                before = mine.get(window)  # a resource is mostly in one billed state: one tuple, built once
                mine[window] = (time,) if before is None else (*before, time)
    return WindowTimes(unique, times)
