"""Each poll's ZeroGPU overage per Space in the history file, as runs of polls that read the same total (one row per
total a Space's overage lines reached in a period, whatever the number of polls), read back as `OverageRun`s."""

from __future__ import annotations

import sqlite3
from collections.abc import Mapping
from dataclasses import replace
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from hfmon.history import History, OverageRun
from hfmon.store.extract import decode_time, encode_money, encode_time

if TYPE_CHECKING:  # monitor.py reads the runs through this module on each poll
    from hfmon.store.db import HistoryStore

Totals = Mapping[tuple[str, str, datetime], Decimal]  # (namespace, Space, period start) -> overage billed so far

_LATEST = ("SELECT rowid, total_usd, last_at FROM zero_gpu_overage WHERE namespace = ? AND space = ? "
           "AND period_start = ? ORDER BY last_at DESC LIMIT 1")
_EXTEND = "UPDATE zero_gpu_overage SET last_at = ? WHERE rowid = ?"
_INSERT = ("INSERT INTO zero_gpu_overage (namespace, space, period_start, total_usd, first_at, last_at) "
           "VALUES (?, ?, ?, ?, ?, ?)")
_LOAD = ("SELECT namespace, space, period_start, total_usd, first_at, last_at FROM zero_gpu_overage "
         "WHERE last_at >= ? ORDER BY first_at")


def record(conn: sqlite3.Connection, totals: Totals, at: int) -> None:
    """Extend each Space's latest run to `at` when this poll read the same total, else start a run at `at` (a total
    that changed, or a latest run later than `at`: another process, or a clock stepped back). Inside the caller's
    transaction."""
    for (namespace, space, period_start), total in totals.items():
        text = encode_money(total)
        found = conn.execute(_LATEST, (namespace, space, encode_time(period_start))).fetchone()
        if found is not None and found[1] == text and int(found[2]) <= at:
            conn.execute(_EXTEND, (at, found[0]))
        else:
            conn.execute(_INSERT, (namespace, space, encode_time(period_start), text, at, at))


def prune(conn: sqlite3.Connection, cutoff: int) -> None:
    """Drop the runs that ended before `cutoff`."""
    conn.execute("DELETE FROM zero_gpu_overage WHERE last_at < ?", (cutoff,))


def load(store: HistoryStore, since: datetime) -> tuple[OverageRun, ...]:
    """The runs that reach `since` or later, oldest first."""
    rows = store.transaction(lambda conn: conn.execute(_LOAD, (encode_time(since),)).fetchall(), write=False)
    return tuple(OverageRun(str(ns), str(space), decode_time(int(period)), Decimal(str(total)),
                            decode_time(int(first)), decode_time(int(last)))
                 for ns, space, period, total, first, last in rows)


def with_overage_runs(store: HistoryStore, history: History, since: datetime) -> History:
    """`history` with the ZeroGPU overage runs from `since` on (`costs.zero_gpu_windows.overage_in` reads them)."""
    return replace(history, zero_gpu_overage=load(store, since))
