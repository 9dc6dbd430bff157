"""A resource's share of a window spent in a billed state (its period and 24-hour uptime). Pure.

Uptime is the share of wall time in [window start, now) spent in a billed state. History (observed state
changes) covers the time since history began (a resource first seen after that was not billed before it
was seen); before that, a job's own start/finish,
else the statement lines' startedAt..stoppedAt spans (complete from the period start: no line means not
billed) fill in. Time covered by none of them is left out of the window; with no data at all uptime is None.
A resource that never runs more than one replica has its period uptime from billed minutes over the whole
minutes elapsed since the period start (once the first minute is over).

After history began, a stretch no poll watched (`history.unwatched`: hfmon was not running) is unknown unless the
same complete spans cover it: the share is then only a lower bound (that time counted as not billed), with the
window's unwatched share beside it; never a figure that counts the recorded state through the gap.

Time watched in a state no source says bills or not with replicas that may serve through it (an Endpoint
`updating`/`updateFailed`: `billing_rules.bills_unknown`, the one rule that makes its cost unknown) is neither up nor
down: the share is then a lower bound too, with that time's share beside it (`unsure`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from hfmon.costs.billing_rules import bills_unknown, is_billed
from hfmon.history import StateChange, Window


def union_time(spans: Sequence[tuple[datetime, datetime]], start: datetime, end: datetime) -> timedelta:
    """Wall time within [start, end) covered by at least one span."""
    total = timedelta(0)
    cursor = start
    for s, e in sorted(spans):
        s, e = max(s, cursor), min(e, end)
        if e > s:
            total += e - s
            cursor = e
    return total


def state_spans(changes: Sequence[StateChange], start: datetime,
                end: datetime) -> Iterator[tuple[StateChange, datetime, datetime]]:
    """Each recorded state in effect during [start, end), oldest first, with the part of it inside (may be empty).

    A state lasts until the next change; the last one until `end`. Starts with the last change at or before
    `start` (found by bisection: history is long, a window is short).
    """
    last = len(changes) - 1
    for i in range(max(bisect_right(changes, start, key=lambda c: c.at) - 1, 0), last + 1):
        change = changes[i]
        if change.at >= end:
            break
        yield change, max(change.at, start), min(changes[i + 1].at if i < last else end, end)


def billed_since(kind: str, changes: Sequence[StateChange], start: datetime, now: datetime) -> timedelta:
    """Wall time in [start, now) that recorded changes show in a billed state (same as `billed_time`)."""
    return sum((stop - begin for change, begin, stop in state_spans(changes, start, now)
                if is_billed(kind, change.state) and stop > begin), timedelta(0))


class UpTime(NamedTuple):
    """Wall time of one resource in a window: in a billed state, and in one whose billing is unknown."""

    billed: timedelta
    unsure: timedelta


def up_since(kind: str, changes: Sequence[StateChange], start: datetime, now: datetime) -> UpTime:
    """Wall time in [start, now) that recorded changes show in a billed state (as `billed_since`), and in a state no
    source says bills or not with replicas that may serve through it (`billing_rules.bills_unknown`, the rule its
    cost is unknown by): up or not, unknown. One pass over the changes."""
    billed = unsure = _NONE
    for change, begin, stop in state_spans(changes, start, now):
        if stop <= begin:
            continue
        if is_billed(kind, change.state):
            billed += stop - begin
        elif bills_unknown(kind, change.state, change.replicas):
            unsure += stop - begin
    return UpTime(billed, unsure)


BilledTime = Callable[[datetime, datetime], tuple[int, int] | None]
"""Billed and unsure wall time of one resource in [start, end), in microseconds, as the store summed it
(`HistoryIndex.billed_time`); None when it did not sum that window (then it is worked out from the changes)."""


FROM_CHANGES = datetime.max.replace(tzinfo=UTC)
"""`first_seen` when it is the first of `changes` (they hold every row from history's start)."""


class UptimeShare(NamedTuple):
    """Share (%) of a window spent billed: exact, or only at least `at_least` where hfmon did not watch part of it
    or the resource spent part of it in a state whose billing is undocumented."""

    exact: Decimal | None  # None: `unwatched` or `unsure` > 0
    at_least: Decimal  # with the unwatched and unsure time counted as not billed (the share itself when exact)
    unwatched: Decimal  # share (%) of the window no poll watched and nothing else covers
    unsure: Decimal = Decimal(0)  # share (%) of it watched in a state no source says bills (`bills_unknown`)


_NONE = timedelta(0)
_CENT = Decimal("0.01")
_NO_SHARE = Decimal(0).quantize(_CENT)  # what `_pct` gives for no time
# constants, not built again in each of the thousands of calls a Report makes (a third of `_pct`'s time)


def _micros(span: timedelta) -> int:
    """`span` in whole microseconds (what `span // timedelta(microseconds=1)` gives, without its temporaries)."""
    return (span.days * 86_400 + span.seconds) * 1_000_000 + span.microseconds


_SHARES: dict[int, Decimal] = {}  # hundredths of a percent -> the share, made once (a few thousand at most)


def _pct(part: int, whole: int) -> Decimal:
    """`part` as a share (%) of `whole` (microseconds, `whole` > 0), to the hundredth, half to even (as Decimal's
    quantize), at most 100."""
    if not part:
        return _NO_SHARE  # the resource was never up in the window, or hfmon watched all of it
    if part >= whole:
        hundredths = 10_000
    else:  # exact integer rounding: what Decimal's 28 digits then quantize give (a half is exact or far from one)
        hundredths, rest = divmod(part * 10_000, whole)
        if rest * 2 > whole or (rest * 2 == whole and hundredths % 2):
            hundredths += 1
    share = _SHARES.get(hundredths)
    if share is None:
        share = _SHARES[hundredths] = Decimal(hundredths).scaleb(-2)
    return share


PERIOD_JUST_BEGAN_WHY = "the period has just begun"
NO_POLLS_WHY = "no polls of it in history"
SHORT_HISTORY_WHY = "history covers under half the period"


def _observed(first_seen: datetime | None, observed_from: datetime | None, spans_from: datetime | None) -> bool:
    """History or its own spans say something of when it billed (else `uptime_pct` has nothing to go on)."""
    return first_seen is not None or observed_from is not None or spans_from is not None


def uptime_unknown_why(changes: Sequence[StateChange], spans_from: datetime | None, start: datetime, now: datetime,
                       observed_from: datetime | None = None, first_seen: datetime | None = FROM_CHANGES) -> str:
    """Why `uptime_pct` gave None for [start, now) with these arguments: the window is empty, nothing watched the
    resource, or what watched it covers less than half the window."""
    if now <= start:
        return PERIOD_JUST_BEGAN_WHY
    if first_seen is FROM_CHANGES:
        first_seen = changes[0].at if changes else None
    return SHORT_HISTORY_WHY if _observed(first_seen, observed_from, spans_from) else NO_POLLS_WHY


def uptime_pct(kind: str, changes: Sequence[StateChange], spans: Sequence[tuple[datetime, datetime]],
               spans_from: datetime | None, start: datetime, now: datetime,
               observed_from: datetime | None = None, summed: BilledTime | None = None,
               first_seen: datetime | None = FROM_CHANGES, unwatched: Sequence[Window] = ()) -> UptimeShare | None:
    """Share (%) of [start, now) spent billed, or None without data (see the module docstring).

    `observed_from`: when history began (its earliest row); a resource first seen later did not exist (or
    did not bill) before. `spans` are billed spans known to be complete from `spans_from` on (None: no such
    knowledge); they fill the time before history, and the time no poll watched (`unwatched`, oldest first).
    Time covered by neither is left out of the window.
    `first_seen`: when history first recorded the resource (None: never), when `changes` are recent ones only.
    """
    if now <= start:
        return None
    if first_seen is FROM_CHANGES:
        first_seen = changes[0].at if changes else None
    if not _observed(first_seen, observed_from, spans_from):
        return None  # nothing observed it, nothing else says when it billed: none of the window is covered
    # comparisons rather than min/max: two per resource and window, thousands per Report
    history_from = first_seen if first_seen is not None else now
    if observed_from is not None and observed_from < history_from:
        history_from = observed_from
    if now < history_from:
        history_from = now
    # in whole microseconds: timedelta arithmetic, two calls per resource and window, was most of a Report's uptime
    times = summed(start, now) if summed is not None else None
    if times is not None:
        billed, unsure = times
    elif changes:
        up = up_since(kind, changes, start, now)
        billed, unsure = _micros(up.billed), _micros(up.unsure)
    else:
        billed = unsure = 0
    window_start = history_from if history_from > start else start
    if spans_from is not None and history_from > start:
        covered_from = max(start, spans_from)
        if covered_from < history_from:
            billed += _micros(union_time(spans, covered_from, history_from))
            window_start = covered_from
    total = _micros(now - window_start)
    if total <= 0 or total * 2 < _micros(now - start):  # less than half the window seen: not enough
        return None
    unknown = 0
    for gap_start, gap_end in unwatched:  # the recorded state there is no evidence: take it out
        begin, stop = max(gap_start, start, history_from), min(gap_end, now)
        if stop <= begin:
            continue
        if changes:  # the recorded state there is no evidence, billed or unsure: the stretch is unwatched
            seen = up_since(kind, changes, begin, stop)
            billed, unsure = billed - _micros(seen.billed), unsure - _micros(seen.unsure)
        filled = stop if spans_from is None else min(stop, max(begin, spans_from))  # spans cover from spans_from
        unknown += _micros(filled - begin)
        if filled < stop:
            billed += _micros(union_time(spans, filled, stop))
    at_least = _pct(billed if billed > 0 else 0, total)
    if not unknown and unsure <= 0:  # watched all through in known states: exact
        share = _EXACT.get(at_least)
        if share is None:
            share = _EXACT[at_least] = UptimeShare(at_least, at_least, _NO_SHARE, _NO_SHARE)
        return share
    unsure = max(unsure, 0)
    # `tuple.__new__`: a NamedTuple's own constructor is Python code (fields checked below, at import)
    return _new_share(UptimeShare, (None if unknown or unsure else at_least, at_least, _pct(unknown, total),
                                    _pct(unsure, total)))


_new_share = tuple.__new__
if UptimeShare._fields != ("exact", "at_least", "unwatched", "unsure"):  # what `uptime_pct` builds
    raise TypeError("UptimeShare's fields changed: update uptime_pct")


_EXACT: dict[Decimal, UptimeShare] = {}  # an exact share -> its UptimeShare, made once (as `_SHARES`)
