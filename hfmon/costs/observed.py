"""Billed minutes against the minutes history observed: catches a statement that bills time that never ran.

Recomputing billed minutes x price cannot see extra minutes: they are in both. When history covers a
resource's lines (history began before the first line started), the replica-minutes it recorded in billed
states on the line's hardware are compared with the billed quantity, valued at the line's own unit price
(else the catalog price) so that the row isolates minutes from price.

History timestamps are poll times, so each transition is seen up to one poll gap late; the late starts
and late ends of runs mostly cancel. A change no source dates (a Space waking or sleeping) is recorded as a stretch
between two polls that billed for an unknown part (`billing_rules.bills_unknown`): history's minutes are then a
range, the billed states' minutes at least, those stretches' minutes on the line's hardware at most more, and the
row is `drift` only when the billed minutes lie outside it (with the slack below); its recomputed figure is the
minutes of that range nearest the billed ones. The gap is the largest between the stored poll times over the line's
span, whichever process polled (a dashboard, `--once` from cron): minutes count as matching within
that gap x max(2, sqrt(transitions in the span)) x the most replicas seen. A difference beyond that is
`drift` when its value exceeds the tolerance's USD floor: the percentage part is for rounding of money,
and minutes that never ran are not rounding. A span that no run of polls covers (polls further apart than
`history.POLL_RUN_BREAK`, or none at all) gets no row: history that coarse cannot see a Space that sleeps
and wakes between two polls. A ZeroGPU line (GPU-minutes over the quota, not time in a state) gets none.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from functools import lru_cache

from hfmon.config import Tolerance
from hfmon.costs.billing_rules import MAY_BILL_STATES, bills_unknown, is_billed, micro
from hfmon.costs.index import ChangesOf
from hfmon.costs.resources import state_spans
from hfmon.costs.statement_lines import FAMILY_KIND, PricedLine, by_product, line_granted, quota_overage
from hfmon.history import Listing, Span, SpanTime, StateChange, StateTime
from hfmon.models import UsageLine
from hfmon.report import CheckStatus, CrossCheck

MICROSECOND = timedelta(microseconds=1)
MICROS_PER_MINUTE = 60 * 10**6


def span_times(changes: Sequence[StateChange], start: datetime, end: datetime) -> SpanTime:
    """The time in each recorded state that bills or may within [start, end) (others count no minutes), and the
    changes at or after `start` (what the store sums in SQL for a `Figures` load)."""
    micros: dict[tuple[str, str | None, int], int] = {}
    transitions = 0
    for change, begin, stop in state_spans(changes, start, end):
        transitions += change.at >= start
        if stop > begin and change.state in MAY_BILL_STATES[change.kind]:
            key = (change.state, change.hardware, change.replicas)
            micros[key] = micros.get(key, 0) + (stop - begin) // MICROSECOND
    return SpanTime(tuple(StateTime(*key, spent) for key, spent in micros.items()), transitions)


def minutes_of(kind: str, times: SpanTime, hardware: str) -> tuple[Decimal, Decimal, int, int]:
    """(replica-minutes billed on `hardware` in the span, replica-minutes on it that billed for an unknown part:
    stretches between two polls around a change no source dates, transitions in the span, most replicas seen)."""
    billed_micros, unknown_micros, most = 0, 0, 1  # whole microseconds: exact, and one division at the end
    for t in times.states:
        if t.hardware and t.hardware != hardware:
            continue
        if is_billed(kind, t.state):
            billed_micros += t.micros * max(t.replicas, 1)
        elif bills_unknown(kind, t.state, t.replicas):
            unknown_micros += t.micros * max(t.replicas, 1)
        else:
            continue
        most = max(most, t.replicas)
    return (Decimal(billed_micros) / MICROS_PER_MINUTE, Decimal(unknown_micros) / MICROS_PER_MINUTE,
            times.transitions, most)


def observed_minutes(kind: str, changes: Sequence[StateChange], hardware: str, start: datetime,
                     end: datetime) -> tuple[Decimal, Decimal, int, int]:
    """(replica-minutes billed on `hardware` in [start, end), those that billed for an unknown part, transitions in
    it, most replicas seen)."""
    return minutes_of(kind, span_times(changes, start, end), hardware)


def crosscheck_spans(lines: Sequence[tuple[str, str, str, UsageLine]], now: datetime) -> list[Span]:
    """The (kind, resource, start, end) spans `history_rows` reads for these (family, key, hardware, line)s."""
    groups: dict[tuple[str, str, str], list[UsageLine]] = {}
    for family, key, hardware, line in lines:
        if not quota_overage(family, hardware):  # GPU time over a quota: no state history measures it
            groups.setdefault((family, key, hardware), []).append(line)
    return [span for (family, key, _), mine in groups.items() if (span := _span(family, key, mine, now)) is not None]


def _span(family: str, key: str, lines: Sequence[UsageLine], now: datetime) -> Span | None:
    """The span one resource's lines of one product cover (None: a line without a start)."""
    starts = [line.started_at for line in lines]
    if any(s is None for s in starts):
        return None
    begin = min(s for s in starts if s is not None)
    return FAMILY_KIND[family], key, begin, max(line.stopped_at or now for line in lines)


@lru_cache(maxsize=4096)
def lag_minutes(gap_s: float, transitions: int) -> Decimal:
    """The minutes a span's history may be off by per replica: its poll gap x max(2, sqrt(transitions)) (module
    docstring). Cached: a Decimal square root costs microseconds, and one poll's spans mostly share a gap and a few
    transition counts (at 1,000 resources 39 of 717 spans work it out)."""
    return Decimal(str(gap_s)) / 60 * max(Decimal(2), Decimal(transitions).sqrt())


PollGap = Callable[[datetime, datetime, Listing | None], float | None]
"""`History.poll_gap_s`: the largest gap in seconds between polls that listed a (namespace, kind) fresh over
[start, end], None if not covered."""


def history_rows(lines: Sequence[PricedLine], changes_of: ChangesOf, poll_gap_s: PollGap,
                 now: datetime, tolerance: Tolerance, summed: Mapping[Span, SpanTime | None] | None = None,
                 ) -> list[CrossCheck]:
    """One "minutes vs history" row per resource and product whose span a run of polls that listed its kind in its
    namespace fresh covers (polls of other namespaces, or whose listing of it failed, did not watch it).

    `summed`: the spans' state times as the store summed them (`History.span_times`; then `changes_of` holds
    recent changes only), else they come from `changes_of`."""
    rows = []
    for (family, key, hardware), mine in by_product(lines).items():
        if quota_overage(family, hardware):
            continue
        span = _span(family, key, [p.line for p in mine], now)
        if span is None:
            continue
        kind, _, begin, end = span
        gap_s = poll_gap_s(begin, min(end, now), (mine[0].namespace, kind))
        if summed is not None:
            times = summed.get(span)
            if times is None:
                if span not in summed:
                    raise LookupError(f"the span {span} was not summed")  # `crosscheck_spans` asks for all
                continue
        else:
            changes = changes_of(kind, key)
            if not changes:
                continue
            times = span_times(changes, begin, end)
        if gap_s is None:
            continue
        seen, unseen, transitions, most = minutes_of(kind, times, hardware)
        billed_minutes = sum((p.line.quantity for p in mine), Decimal(0))
        billed = sum((p.line.total_usd for p in mine), Decimal(0))
        unit = Decimal(0) if all(line_granted(p.line) for p in mine) else mine[0].line.unit_cost_usd
        if unit <= 0 and mine[0].price is not None and not line_granted(mine[0].line):
            unit = mine[0].price.usd_per_hour / 60
        if unit <= 0 and billed > 0:
            continue  # nothing to value the minutes with
        slack = lag_minutes(gap_s, transitions) * most
        nearest = min(max(billed_minutes, seen), seen + unseen)  # history's minutes nearest the billed ones
        recomputed = micro(nearest * unit)
        between = f" and up to {_tenths(unseen)} min more between polls" if unseen else ""
        note = (f"billed {billed_minutes.normalize():f} min, history shows {_tenths(seen)} min{between} "
                f"(poll lag allows {_tenths(slack)})")
        drift = abs(billed_minutes - nearest) > slack and abs(billed - recomputed) > tolerance.usd
        rows.append(CrossCheck(f"{kind} {key} {hardware} minutes vs history", billed, recomputed,
                               billed - recomputed, CheckStatus.DRIFT if drift else CheckStatus.OK, note))
    return rows


def _tenths(minutes: Decimal) -> str:
    return f"{minutes.quantize(Decimal('0.1')).normalize():f}"
