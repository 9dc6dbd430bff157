"""Billed minutes against the minutes history observed: catches a statement that bills time that never ran.

Recomputing billed minutes x price cannot see extra minutes: they are in both. When history covers a
resource's lines (history began before the first line started), the replica-minutes it recorded in billed
states on the line's hardware are compared with the billed quantity, valued at the line's own unit price
(else the catalog price) so that the row isolates minutes from price.

History timestamps are poll times, so each transition is seen up to one poll gap late; the late starts
and late ends of runs mostly cancel. The gap is the largest between the stored poll times over the line's
span, whichever process polled (a dashboard, `--once` from cron): minutes count as matching within
that gap x max(2, sqrt(transitions in the span)) x the most replicas seen. A difference beyond that is
`drift` when its value exceeds the tolerance's USD floor: the percentage part is for rounding of money,
and minutes that never ran are not rounding. A span that no run of polls covers (polls further apart than
`history.POLL_RUN_BREAK`, or none at all) gets no row: history that coarse cannot see a Space that sleeps
and wakes between two polls.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from hfmon.config import Tolerance
from hfmon.costs.billing_rules import is_billed, micro
from hfmon.costs.index import ChangesOf
from hfmon.costs.resources import FAMILY_KIND, PricedLine, by_product, state_spans
from hfmon.history import StateChange
from hfmon.report import CheckStatus, CrossCheck

MICROSECOND = timedelta(microseconds=1)
MICROS_PER_MINUTE = 60 * 10**6


def observed_minutes(kind: str, changes: Sequence[StateChange], hardware: str, start: datetime,
                     end: datetime) -> tuple[Decimal, int, int]:
    """(replica-minutes billed on `hardware` in [start, end), transitions in it, most replicas seen)."""
    replica_micros, transitions, most = 0, 0, 1  # whole microseconds: exact, and one division at the end
    for change, begin, stop in state_spans(changes, start, end):
        transitions += change.at >= start
        if not is_billed(kind, change.state) or (change.hardware and change.hardware != hardware):
            continue
        if stop > begin:
            most = max(most, change.replicas)
            replica_micros += (stop - begin) // MICROSECOND * max(change.replicas, 1)
    return Decimal(replica_micros) / MICROS_PER_MINUTE, transitions, most


PollGap = Callable[[datetime, datetime], float | None]
"""`History.poll_gap_s`: the largest gap in seconds between polls over [start, end], None if not covered."""


def history_rows(lines: Sequence[PricedLine], changes_of: ChangesOf, poll_gap_s: PollGap,
                 now: datetime, tolerance: Tolerance) -> list[CrossCheck]:
    """One "minutes vs history" row per resource and product whose span a run of polls covers."""
    rows = []
    for (family, key, hardware), mine in by_product(lines).items():
        kind = FAMILY_KIND[family]
        starts = [p.line.started_at for p in mine]
        changes = changes_of(kind, key)
        if not changes or any(s is None for s in starts):
            continue
        begin = min(s for s in starts if s is not None)
        end = max(p.line.stopped_at or now for p in mine)
        gap_s = poll_gap_s(begin, min(end, now))
        if gap_s is None:
            continue
        seen, transitions, most = observed_minutes(kind, changes, hardware, begin, end)
        billed_minutes = sum((p.line.quantity for p in mine), Decimal(0))
        billed = sum((p.line.total_usd for p in mine), Decimal(0))
        unit = Decimal(0) if all(p.line.free_grant for p in mine) else mine[0].line.unit_cost_usd
        if unit <= 0 and mine[0].price is not None and not mine[0].line.free_grant:
            unit = mine[0].price.usd_per_hour / 60
        if unit <= 0 and billed > 0:
            continue  # nothing to value the minutes with
        slack = Decimal(str(gap_s)) / 60 * max(Decimal(2), Decimal(transitions).sqrt()) * most
        recomputed = micro(seen * unit)
        note = (f"billed {billed_minutes.normalize():f} min, history shows "
                f"{seen.quantize(Decimal('0.1')).normalize():f} min (poll lag allows "
                f"{slack.quantize(Decimal('0.1')).normalize():f})")
        drift = abs(billed_minutes - seen) > slack and abs(billed - recomputed) > tolerance.usd
        rows.append(CrossCheck(f"{kind} {key} {hardware} minutes vs history", billed, recomputed,
                               billed - recomputed, CheckStatus.DRIFT if drift else CheckStatus.OK, note))
    return rows
