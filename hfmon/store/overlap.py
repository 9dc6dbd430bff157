"""A `Figures` load overlapping the poll's write (`HistoryStore.record_and_load`): read on a second connection from
the file as it was before the write, while the write runs, then patched with what the write changed.

Why it is the same load: a resource's changes, running sums and keys are its own rows, so the load's figures for a
resource the write added no change to are the same before and after it; the write's transaction holds the write
lock from before the early read fixes its snapshot until it commits, so no other process's commit lands between the
two (`store.side`). The resources it changed (new, changed, gone, or with a change placed among older ones) are read
again after it, with the usage points, which are few.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import NamedTuple

from hfmon.history import Span, SpanTime, WindowTimes
from hfmon.store.figures import Read


class Loaded(NamedTuple):
    """Everything a `Figures` load reads, as `store.figures` returns it."""

    read: Read
    window_times: WindowTimes | None
    span_times: dict[Span, SpanTime | None]


def merged(early: Loaded, late: Loaded, ids: Collection[int], names: Mapping[int, tuple[str, str]]) -> Loaded:
    """The load after the write: `late` (read after it, for the resources `ids` only, and every usage point) for the
    resources it changed, `early` (read before it) for the others; rows and entries in the order one whole load
    gives them (`names`: every resource's (kind, name) by id, as after the write)."""
    changed = {names[rid] for rid in ids}
    order = {name: rid for rid, name in names.items()}  # the sums come by resource id
    changes = [row for row in early.read.changes if row[0] not in ids] + late.read.changes
    changes.sort(key=lambda row: (row[1], *names[row[0]]))  # ORDER BY at, kind, resource: no two rows tie
    seen = {key: value for key, value in early.read.seen.items() if key not in changed}
    seen.update(late.read.seen)
    read = Read(late.read.usage, changes, seen)
    window_times = early.window_times
    if window_times is not None and late.window_times is not None:
        times = {key: value for key, value in window_times.times.items() if key not in changed}
        times.update(late.window_times.times)
        window_times = WindowTimes(window_times.windows,
                                   {key: times[key] for key in sorted(times, key=order.__getitem__)})
    span_times = {span: late.span_times[span] if span[:2] in changed else time
                  for span, time in early.span_times.items()}
    return Loaded(read, window_times, span_times)
