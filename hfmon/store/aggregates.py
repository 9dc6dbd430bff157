"""What the store sums in SQL instead of handing every row to Python: time in each state per spend window."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from datetime import datetime

from hfmon.history import StateTime, Window, WindowTimes
from hfmon.store import queries as q
from hfmon.store.extract import encode_time


def window_times(conn: sqlite3.Connection, windows: Sequence[Window], now: datetime) -> WindowTimes:
    """Each resource's time in each recorded state within each window (every window ends at or before `now`)."""
    unique = tuple(dict.fromkeys(windows))
    if not unique:
        return WindowTimes(())
    if any(end > now or start >= end for start, end in unique):
        raise ValueError(f"windows must be non-empty and end by {now.isoformat()}: {unique!r}")
    params: dict[str, int] = {"now": encode_time(now), "floor": min(encode_time(start) for start, _ in unique)}
    for i, (start, end) in enumerate(unique):
        params[f"lo{i}"], params[f"hi{i}"] = encode_time(start), encode_time(end)
    times: dict[tuple[str, str], dict[Window, list[StateTime]]] = {}
    for kind, resource, state, hardware, replicas, *micros in conn.execute(q.state_times(len(unique)), params):
        mine = times.setdefault((kind, resource), {})
        for window, spent in zip(unique, micros, strict=True):
            if spent > 0:
                mine.setdefault(window, []).append(StateTime(state, hardware, replicas, spent))
    return WindowTimes(unique, {key: {w: tuple(states) for w, states in by_window.items()}
                                for key, by_window in times.items()})
