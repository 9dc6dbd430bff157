"""A spend window's Inference Providers part: what usage-v2 said of the window itself when asked at the poll
(`asked_inference`), else the rises of the period-to-date totals history recorded at each poll (`usage_rises`: the
window before `period`, and Reports of polls that did not ask). Pure."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import pairwise
from operator import attrgetter

from hfmon.costs.billing_rules import micro
from hfmon.costs.credits import labels_kept, restarted
from hfmon.figures import WINDOW_REFUSED
from hfmon.history import UsagePoint
from hfmon.models import SourceResult, UsageWindows
from hfmon.report import Total


def _steps(points: Sequence[UsagePoint], start: datetime, end: datetime,
           ordered: bool = False) -> Iterator[tuple[UsagePoint, UsagePoint, bool]] | None:
    """(previous point, point, whether the total restarted between them) for each point in (start, end], from the
    last point at or before start; None when there is none. A point whose period label a later point contradicts
    is none of them (`credits.labels_kept`). `ordered`: the points are sorted by time (found by bisection, where a
    month of polls makes tens of thousands; a clock stepped back may leave them unsorted)."""
    if ordered:
        first = bisect_right(points, start, key=_AT)
        low = min((p.period_start for p in points[first:]), default=None)  # the earliest label after start
        lo = first - 1
        while lo > 0 and low is not None and points[lo].period_start > low:
            lo -= 1  # from a point no later label contradicts
        kept = labels_kept(points[max(lo, 0):])
        found = bisect_right(kept, start, key=_AT)
        before = kept[found - 1] if found else None
        inside: Iterable[UsagePoint] = kept[found:bisect_right(kept, end, lo=found, key=_AT)]
    else:
        kept = labels_kept(points)
        before = next((p for p in reversed(kept) if p.at <= start), None)
        inside = [p for p in kept if start < p.at <= end]
    if before is None:
        return None

    def walk(prev: UsagePoint) -> Iterator[tuple[UsagePoint, UsagePoint, bool]]:
        for p in inside:
            yield prev, p, restarted(prev.at, prev.period_start, prev.inference_used_usd, p.period_start,
                                     p.inference_used_usd)
            prev = p
    return walk(before)


_AT = attrgetter("at")


def in_order(points: Sequence[UsagePoint]) -> bool:
    """Whether usage points are sorted by time (as the store loads them, unless a clock stepped back)."""
    return all(a.at <= b.at for a, b in pairwise(points))


def window_usage(points: Sequence[UsagePoint], start: datetime, end: datetime,
                 ordered: bool = False) -> tuple[Decimal, bool, bool] | None:
    """`usage_rises` and `period_tail_unseen` of one window in one pass over its steps: (rises, fell, tail unseen);
    None: no total at or before start."""
    steps = _steps(points, start, end, ordered)
    if steps is None:
        return None
    total, fell, tail = Decimal(0), False, False
    for prev, p, new in steps:
        delta = p.inference_used_usd - (0 if new else prev.inference_used_usd)
        if delta < 0:
            fell = True
        else:
            total += delta
        tail = tail or (new and prev.at < p.period_start)
    return micro(total), fell, tail


def usage_rises(points: Sequence[UsagePoint], start: datetime, end: datetime,
                ordered: bool = False) -> tuple[Decimal, bool] | None:
    """The sum of the period-to-date total's rises in [start, end), and whether it fell in it (None: no total at or
    before start; `ordered`: as `_steps` takes it).

    Without a fall the rises are the spend in the window. With one, placeholders booked before settled lower in it:
    each step between two polls is what was booked in it less what settled lower in it, so no rise exceeds what was
    booked in its step, and a fall hides all of its step's bookings: what was booked in the window is at least the
    rises, by how much more HF does not give (never the difference of the totals, which may even be negative)."""
    usage = window_usage(points, start, end, ordered)
    return None if usage is None else (usage[0], usage[1])


def usage_between(points: Sequence[UsagePoint], start: datetime, end: datetime) -> Decimal | None:
    """Inference Providers spend in [start, end) from period-to-date totals (None: no total at or before start,
    or the total fell inside the window: only a lower bound is known, `usage_rises`)."""
    rises = usage_rises(points, start, end)
    return None if rises is None or rises[1] else rises[0]


def period_tail_unseen(points: Sequence[UsagePoint], start: datetime, end: datetime, ordered: bool = False) -> bool:
    """Whether a period ended in the window after hfmon's last poll of it: its spend from that poll to its end is in
    no total hfmon read (the next poll reads the new period's, from $0), so the window's inference is at least what
    the totals add up to. A poll read after its period ended (usage-v2 labelling the rollover late) saw all of it.
    `ordered`: as `_steps` takes it."""
    usage = window_usage(points, start, end, ordered)
    return usage is not None and usage[2]


UsageInWindows = SourceResult[UsageWindows]
"""usage-v2 asked for each window at the poll (`NamespaceData.usage_windows`)."""


def asked_inference(asked: UsageInWindows | None, length: timedelta) -> tuple[Total[Decimal], Total[Decimal]] | None:
    """HF's own Inference Providers spend in the window of `length` ending at the poll and in the one before it, as
    usage-v2 answered for each, each on its own (unknown when it gave none: named for the source, or `WINDOW_REFUSED`
    when HF refused that window's ask); None: not asked (the window's figure then comes from history's totals)."""
    if asked is None:
        return None
    unread: Total[Decimal] = Total(None, (asked.name,))
    if not asked.value:  # never a last good answer: it was other windows
        return unread, unread
    refused: Total[Decimal] = Total(None, (f"{WINDOW_REFUSED}:{asked.name.partition(':')[2]}",))
    end = max(u.end for u in asked.value)
    found = {(u.start, u.end): Total(micro(u.used_usd), ()) if u.used_usd is not None else refused if u.refused
             else unread for u in asked.value}
    return found.get((end - length, end), unread), found.get((end - 2 * length, end - length), unread)
