"""What a resource cost over time, from the states history recorded: its state timeline and $/h by hour.

A state lasts from its change until the next one (`resources.state_spans`). A span bills
`price x replicas` per hour while its state bills (`billing_rules.is_billed`), else $0. A billed span on
hardware with no price makes every figure over it unknown (None), never $0. Before the first change history
recorded of a resource, the resource was not seen: it did not bill (the store records every resource it sees).
A figure over time that history does not cover (before it began, or where polls were further apart than
`history.POLL_RUN_BREAK`) is unknown: hfmon cannot tell what happened between two polls it did not make.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

from hfmon.costs.billing_rules import (
    BETWEEN_POLLS_STATE,
    bills_unknown,
    floor_only,
    is_billed,
    job_price,
    micro,
    seconds,
)
from hfmon.costs.resources import state_spans
from hfmon.history import History, Listing, StateChange, StateTime, covering_run
from hfmon.pricing.catalog import Catalog, is_zero_gpu

HardwarePrice = Callable[[str | None], Decimal | None]
"""USD per hour of one replica on a hardware (None: no catalog layer prices it)."""

HOUR = timedelta(hours=1)
MICROS_PER_HOUR = 3_600_000_000
_MICROS_PER_HOUR = Decimal(MICROS_PER_HOUR)  # divided by at every state of every window: converted once
NO_SPEND = micro(Decimal(0))  # what no time in a billed state costs
_ZERO = Decimal(0)
SPARK_HOURS = 24


@dataclass(frozen=True, slots=True)
class StateSpan:
    """One recorded state of a resource and what it cost per hour while it lasted."""

    state: str
    hardware: str | None
    replicas: int
    start: datetime
    end: datetime
    usd_per_hour: Decimal | None  # $0 while the state does not bill; None: billed on hardware with no price


def rated_spans(kind: str, changes: Sequence[StateChange], price_of: HardwarePrice, start: datetime,
                end: datetime) -> tuple[StateSpan, ...]:
    """The states in effect during [start, end), oldest first, each with its $/h."""
    return _rated(kind, (span for span in state_spans(changes, start, end) if span[2] > span[1]), price_of)


def recent_rated_spans(kind: str, changes: Sequence[StateChange], price_of: HardwarePrice, start: datetime,
                       end: datetime, last: int) -> tuple[int, tuple[StateSpan, ...]]:
    """How many states were in effect during [start, end), and the most recent `last` of them as `rated_spans`
    gives them (only those are priced: a detail view over 30 days shows a dozen of hundreds)."""
    spans = [span for span in state_spans(changes, start, end) if span[2] > span[1]]
    return len(spans), _rated(kind, spans[len(spans) - last:] if last > 0 else (), price_of)


def _rated(kind: str, spans: Iterable[tuple[StateChange, datetime, datetime]],
           price_of: HardwarePrice) -> tuple[StateSpan, ...]:
    return tuple(StateSpan(change.state, change.hardware, change.replicas, begin, stop,
                           state_rate(kind, change.state, change.hardware, change.replicas, price_of))
                 for change, begin, stop in spans)


def state_rate(kind: str, state: str, hardware: str | None, replicas: int, price_of: HardwarePrice) -> Decimal | None:
    """$/h of one recorded state: price x replicas while the state bills, else $0; None: billed on hardware with no
    price, or with a replica count HF did not give (recorded as 0: a state that bills never runs none), or in a state
    no source says bills or not with replicas recorded (`billing_rules.bills_unknown`). A stretch between two polls
    on hardware that costs a known $0/h cost $0, whatever state it passed through."""
    if not is_billed(kind, state):
        if not bills_unknown(kind, state, replicas):
            return Decimal(0)
        return Decimal(0) if state == BETWEEN_POLLS_STATE and price_of(hardware) == 0 else None
    price = price_of(hardware)
    return None if price is None or replicas <= 0 else price * replicas


class Bound(NamedTuple):
    """What a resource cost in a window: at least `known`; more by what a billed stretch without a figure cost."""

    known: Decimal
    unpriced: bool = False  # billed on hardware no catalog prices
    unseen: bool = False  # a billed state began or ended (or its rate changed) between two polls, when no source says
    unknown: bool = False  # billed with a replica count HF did not give, or in a state no source says bills
    zero_gpu: bool = False  # a Space up (or maybe up) on ZeroGPU: its GPU time over the quota bills (`may_overrun`)

    @property
    def value(self) -> Decimal | None:
        """The cost when every billed stretch has a figure, else None (unknown); a `zero_gpu` one has its hosting
        figure here: what it cost beyond is the statement's to say (`windows.Resources.spend`)."""
        return None if self.unpriced or self.unseen or self.unknown else self.known


_new_bound = tuple.__new__
if Bound._fields != ("known", "unpriced", "unseen", "unknown", "zero_gpu"):  # what `_FLAGS` and `_new_bound` build
    raise TypeError("Bound's fields changed: update _FLAGS and times_bound")

NOTHING = Bound(NO_SPEND)
"""What no billed time costs (a window in which a resource was never billed)."""


def may_overrun(kind: str, state: str, hardware: str | None) -> bool:
    """Whether time in a recorded state may have used ZeroGPU past its daily quota, which HF bills by the GPU-minute
    (hf-api.md 0.5) and no state history measures: a Space up on ZeroGPU, or maybe up (a stretch between two polls)."""
    return kind == "space" and bool(hardware) and is_zero_gpu(hardware or "") \
        and (is_billed(kind, state) or state == BETWEEN_POLLS_STATE)


def _why_unrated(kind: str, state: str, replicas: int) -> str:
    """Which `Bound` flag a billed state with no rate raises (`state_rate` gave None)."""
    if state == BETWEEN_POLLS_STATE:
        return "unseen"
    return "unknown" if replicas <= 0 or bills_unknown(kind, state, replicas) else "unpriced"


_UNPRICED, _UNSEEN, _UNKNOWN, _ZERO_GPU = 1, 2, 4, 8  # `Bound`'s flags as bits, in its field order
_FLAGS = tuple(tuple(bool(bits & flag) for flag in (_UNPRICED, _UNSEEN, _UNKNOWN, _ZERO_GPU)) for bits in range(16))
_FLAG_OF = {"unpriced": _UNPRICED, "unseen": _UNSEEN, "unknown": _UNKNOWN}

StateRates = dict[tuple[str, str | None, int], tuple[Decimal | None, int]]
"""(state, hardware, replicas) -> its `state_rate` and the `Bound` flags time in it raises (as bits)."""


def _rated_state(kind: str, state: str, hardware: str | None, replicas: int, price_of: HardwarePrice) \
        -> tuple[Decimal | None, int]:
    """One recorded state's $/h and the flags time in it raises: as `spend_bound` judges a span in it."""
    rate = state_rate(kind, state, hardware, replicas, price_of)
    flags = 0
    if rate is None:
        flags = _FLAG_OF[_why_unrated(kind, state, replicas)]
    elif not rate and may_overrun(kind, state, hardware):
        flags = _ZERO_GPU
    if floor_only(state):  # at least its rate: more by what no source says
        flags |= _UNSEEN
    return rate, flags


def times_bound(kind: str, states: Sequence[StateTime], price_of: HardwarePrice,
                rates: StateRates | None = None) -> Bound:
    """What the time in `states` (one resource, one window, summed by the store) cost; as `spend_bound` over the
    spans. `rates`: the resource's states judged so far (filled as they are worked out; many windows ask)."""
    if not states:  # most resources in most windows: nothing to price
        return NOTHING
    total, rates, why = _ZERO, {} if rates is None else rates, 0
    for t in states:
        key = t[:3]  # (state, hardware, replicas)
        rated = rates.get(key)
        if rated is None:
            rated = rates[key] = _rated_state(kind, t.state, t.hardware, t.replicas, price_of)
        rate = rated[0]
        if rate:
            # the value of rate x seconds / 3600 (`spend`), one operation fewer: scaling by 10**6 rounds nothing
            total += rate * t.micros / _MICROS_PER_HOUR
        why |= rated[1]
    if total is _ZERO:  # billed nothing at a rate
        return NOTHING if not why else _new_bound(Bound, (NO_SPEND, *_FLAGS[why]))
    # a NamedTuple's own constructor (and `_make`) is Python code, and every resource in every window makes one
    return _new_bound(Bound, (micro(total), *_FLAGS[why]))


def spend_bound(spans: Sequence[StateSpan], start: datetime, end: datetime, kind: str) -> Bound:
    """What the spans cost within [start, end): the priced part, and why any billed part has no figure."""
    total, why = Decimal(0), set()
    # spans are consecutive, so their ends are sorted: skip those over before `start` (history is long)
    for i in range(bisect_right(spans, start, key=lambda s: s.end), len(spans)):
        s = spans[i]
        if s.start >= end:
            break
        begin, stop = max(s.start, start), min(s.end, end)
        if stop <= begin:
            continue
        if s.usd_per_hour == 0:
            if may_overrun(kind, s.state, s.hardware):
                why.add("zero_gpu")
            continue
        if s.usd_per_hour is None:
            why.add(_why_unrated(kind, s.state, s.replicas))
        else:
            total += s.usd_per_hour * seconds(stop - begin) / 3600
        if floor_only(s.state):  # at least its rate: more by what no source says
            why.add("unseen")
    return Bound(micro(total), **dict.fromkeys(why, True))


def spend(spans: Sequence[StateSpan], start: datetime, end: datetime) -> Decimal | None:
    """USD the spans cost within [start, end) (None: a billed part of it has no figure: `spend_bound`)."""
    return spend_bound(spans, start, end, "").value


class Coverage:
    """Which stretches of time history covers: from its first row, within one run of polls that listed what is asked
    about fresh (a poll of another namespace, or whose listing of this kind failed, did not watch it)."""

    def __init__(self, history: History, since: datetime | None) -> None:
        self.since = since
        self.history = history
        ends = [r.last for r in history.poll_runs]
        ends += [r.last for runs in (history.listing_runs or {}).values() for r in runs]
        self.last_poll = max(ends, default=None)  # the present: the latest poll of anything
        self._seen: dict[tuple[datetime, datetime, Listing | None], bool] = {}  # every resource asks the same hours

    @property
    def covers_any(self) -> bool:
        """Whether history may cover some stretch of time at all (it has rows and polls)."""
        return self.since is not None and self.last_poll is not None

    def covers(self, start: datetime, end: datetime, listing: Listing | None = None) -> bool:
        """Whether history saw all of [start, end) (the part after the last poll is the present: it counts), through
        fresh listings of `listing` (namespace, kind) when given (`history.BILLING`: its usage totals)."""
        if self.since is None or self.last_poll is None or start < self.since:
            return False
        key = (start, end, listing)
        seen = self._seen.get(key)
        if seen is None:
            seen = self._seen[key] = covering_run(self.history.runs_of(listing), start,
                                                  min(end, self.last_poll)) is not None
        return seen


    def watched_from(self, start: datetime, end: datetime, listing: Listing | None = None) -> datetime | None:
        """When history began to watch [start, end) through to its end (as `covers`), having watched none of it
        before: its start pruned (`retention_days`) or before history began. What history holds of such a window
        counts nothing of that first stretch, so it is at least what the window cost. None: no such moment (it
        watched all of it, or not through to its end, or stopped watching in it)."""
        if self.since is None or self.last_poll is None:
            return None
        runs, last = self.history.runs_of(listing), min(end, self.last_poll)
        run = covering_run(runs, last, last)
        if run is None or not start < run.first < end or any(r.last > start and r.first < run.first for r in runs):
            return None
        return max(run.first, self.since)


SpendIn = Callable[[datetime, datetime], Decimal | None]
"""What one resource cost within [start, end) (None: a billed part of it has no price)."""


def hourly_usd(spans: Sequence[StateSpan], coverage: Coverage, now: datetime, hours: int = SPARK_HOURS,
               summed: SpendIn | None = None, listing: Listing | None = None) -> tuple[Decimal | None, ...]:
    """Average $/h in each of the last `hours` whole hours up to `now`, oldest first (None: unknown).

    `summed`: the resource's cost in each hour (from the store's sums, with ZeroGPU overage), instead of from `spans`.
    `listing`: the resource's (namespace, kind): an hour is known only where polls listed it fresh."""
    if not coverage.covers_any:
        return (None,) * hours
    cost = summed if summed is not None else lambda start, end: spend(spans, start, end)
    return tuple(cost(start, end) if coverage.covers(start, end, listing) else None
                 for start, end in hour_bounds(now, hours))


@lru_cache(maxsize=8)
def hour_bounds(now: datetime, hours: int) -> tuple[tuple[datetime, datetime], ...]:
    """The last `hours` whole hours up to `now`, oldest first (every resource of one Report asks for the same)."""
    return tuple((now - i * HOUR, now - (i - 1) * HOUR) for i in range(hours, 0, -1))


def catalog_price(catalog: Catalog, kind: str, namespace: str, region: str | None = None,
                  granted: str | None = None, grant_unknown: bool = False, exposed: bool = False,
                  billed_at_zero: frozenset[str] = frozenset()) -> HardwarePrice:
    """The $/h of one replica of a resource of `kind` on any hardware history recorded for it.

    A Space without hardware is free; `granted` is the hardware the statement says is granted to it ($0);
    `grant_unknown`: its statement was not read, so any paid hardware may be granted: its price is unknown (None).
    History writes an Endpoint's hardware as `<vendor>/<instanceType>/<size>`. `exposed`: a Job that exposes ports
    now (its price includes their surcharge all along: history does not record when ports were exposed).
    `billed_at_zero`: the hardware HF's statement bills this resource a positive price for where hfmon has $0/h
    (`statement_lines.contradicts`): unknown (None), as the meter has its $/h now, never $0.
    """
    known: dict[str | None, Decimal | None] = {}

    def price_of(hardware: str | None) -> Decimal | None:
        if hardware not in known:
            price = _lookup(catalog, kind, namespace, region, granted, hardware, exposed)
            # $0 and unpriced stay as they are, unless HF bills what is $0 here
            known[hardware] = None if (grant_unknown and price) or (price == 0 and hardware in billed_at_zero) \
                else price
        return known[hardware]

    return price_of


def _lookup(catalog: Catalog, kind: str, namespace: str, region: str | None, granted: str | None,
            hardware: str | None, exposed: bool = False) -> Decimal | None:
    if not hardware:
        return Decimal(0) if kind == "space" else None
    if hardware == granted:
        return Decimal(0)
    if kind == "space":
        price = catalog.space(hardware)
    elif kind == "job":
        price = job_price(catalog.job(hardware), exposed)
    else:
        parts = hardware.split("/")
        if len(parts) != 3 or "?" in parts:
            return None
        price = catalog.endpoint(parts[0], parts[1], parts[2], region=region, namespace=namespace)
    return None if price is None else price.usd_per_hour
