"""Inference Providers spend per provider over time, from the per-provider sets history recorded at each poll
(pure; no clock, no I/O).

What a step shows is the spend the polls saw appear in it: each recorded set against the one before it (a new
billing period starts from zero). So the steps of a window add up to the spend between its start and now, and
a namespace whose history does not reach back to a step's start leaves that step unknown (partial), never $0.
So does a gap in hfmon's polling (`Coverage`, runs of polls no further apart than `history.POLL_RUN_BREAK`) over
a step's start or end: what was spent in the gap shows at the next poll, any time after the gap began, so the
steps from the gap to that poll are unknown, never $0 then a jump. (A gap that begins and ends inside one step
leaves it known: the sets are running totals, so the spend between the step's two edges is all in it.)
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from hfmon.costs.credits import restarted
from hfmon.costs.ledger import STEPS, WINDOWS
from hfmon.figures import Total
from hfmon.history import ProviderPoint
from hfmon.provider_spend import ProviderSpendWindow, SpendSeries, step_starts

ZERO = Decimal(0)
Covers = Callable[[datetime, datetime, str], bool]
"""`Coverage.covers` of a namespace's billing: whether one run of polls that read it saw all of [start, end] (here a
moment: start == end), (start, end, namespace)."""
Change = tuple[datetime, str, str, Decimal | None]
"""(seen at, namespace, provider, spend that appeared): None when a provider's total fell with no new period
(placeholders that settled lower: what was spent is not the difference)."""


Turn = tuple[datetime, datetime, str]  # (the last set of a period, the first of the next, namespace)


def changes(points: Iterable[ProviderPoint]) -> tuple[dict[str, datetime], list[Change], list[Turn]]:
    """Each namespace's first recorded set (its baseline), every change of spend a later set shows, and where a
    new billing period began."""
    sets: dict[str, dict[datetime, tuple[datetime, dict[str, Decimal]]]] = defaultdict(dict)
    for p in points:
        _, values = sets[p.namespace].setdefault(p.at, (p.period_start, {}))
        if p.provider:  # '' marks a set with no provider
            values[p.provider] = p.used_usd
    first: dict[str, datetime] = {}
    out: list[Change] = []
    turns: list[Turn] = []
    for namespace, by_time in sets.items():
        ordered = sorted(by_time.items())
        first[namespace] = ordered[0][0]
        for (before_at, (period_before, before)), (at, (period, now)) in zip(ordered, ordered[1:], strict=False):
            new = restarted(before_at, period_before, sum(before.values(), ZERO), period, sum(now.values(), ZERO))
            base = {} if new else before  # a new period starts from zero
            if new:
                turns.append((before_at, at, namespace))
            for provider in now.keys() | base.keys():
                delta = now.get(provider, ZERO) - base.get(provider, ZERO)
                if delta:
                    out.append((at, namespace, provider, delta if delta > 0 else None))
    return first, out, turns


def step_of(at: datetime, start: datetime, step: timedelta, count: int) -> int:
    """The step (b_k, b_k+1] of a window of `count` steps from `start` that `at` falls in."""
    return min(count - 1, max(0, -(-(at - start) // step) - 1))


def provider_times(now: datetime, period_start: datetime) -> tuple[datetime, ...]:
    """Every step start of every window, and now: the times whose per-provider sets the steps need."""
    out = {now}
    for name, length in (*WINDOWS, ("period", now - period_start)):
        out.update(step_starts(now - length, now, STEPS[name]))
    return tuple(sorted(out))


def provider_spend(points: Sequence[ProviderPoint], now: datetime, period_start: datetime,
                   covers: Covers) -> tuple[ProviderSpendWindow, ...]:
    """Per window (1h, 24h, 7d, 30d, the period) and provider: the spend of every namespace together in each
    step, the costliest provider first. Providers whose spend did not move in a window are left out of it.
    A step with an edge no run of polls that read a namespace's billing covers (`covers(edge, edge, namespace)`) is
    unknown for that namespace."""
    first, seen, turns = changes(points)
    providers = sorted({p.provider for p in points if p.provider})
    out = []
    for name, length in (*WINDOWS, ("period", now - period_start)):
        start, step = now - length, STEPS[name]
        starts = step_starts(start, now, step)
        bounds = (*starts, now)
        cells: dict[tuple[str, int, str], Decimal] = defaultdict(Decimal)  # (provider, step, namespace)
        fell: set[tuple[str, int, str]] = set()
        for at, namespace, provider, delta in seen:
            if start < at <= now:
                cell = (provider, step_of(at, start, step, len(starts)), namespace)
                if delta is None:
                    fell.add(cell)
                else:
                    cells[cell] += delta
        # a period that ended in a gap: what it spent after its last set is in no set (the next starts from zero)
        blind = {(ns, step_of(at, start, step, len(starts))) for before, at, ns in turns
                 if start < at <= now and not covers(before, at, ns)}
        polled: dict[str, list[bool]] = {}
        for ns in first:
            edges = [covers(b, b, ns) for b in bounds]  # polls read it through this moment: its sets then are current
            polled[ns] = [edges[k] and edges[k + 1] for k in range(len(starts))]
        series = []
        for provider in providers:
            steps = tuple(Total.of(
                (("unknown:no history from the step's start for " + ns, None) if first[ns] > bounds[k]
                 else ("unknown:hfmon was not polling at the step's start or end for " + ns, None)
                 if not polled[ns][k]
                 else ("unknown:a billing period ended while hfmon was not polling for " + ns, None)
                 if (ns, k) in blind
                 else ("unknown:a provider's total fell with no new billing period for " + ns, None)
                 if (provider, k, ns) in fell
                 else (ns, cells.get((provider, k, ns), ZERO)) for ns in sorted(first)), ZERO)
                for k in range(len(starts)))
            total = Total.sum(steps, ZERO)
            if total.complete and total.value == 0:
                continue  # nothing moved
            series.append(SpendSeries(provider, steps, total))
        series.sort(key=lambda s: (-(s.total.known or ZERO), s.name))
        out.append(ProviderSpendWindow(name, start, now, step, tuple(series)))
    return tuple(out)
