"""Billed minutes against the minutes history observed: catches a statement that bills time that never ran.

Recomputing billed minutes x price cannot see extra minutes: they are in both. When history covers a
resource's lines (history began before the first line started), the replica-minutes it recorded in billed
states on the line's hardware are compared with the billed quantity, valued at the line's own unit price
(else the catalog price) so that the row isolates minutes from price.

History timestamps are poll times, so each transition is seen up to one poll interval late; the late starts
and late ends of runs mostly cancel. Minutes count as matching within
poll interval x max(2, sqrt(transitions in the span)) x the most replicas seen. A gap beyond that is
`drift` when its value exceeds the tolerance's USD floor: the percentage part is for rounding of money,
and minutes that never ran are not rounding.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from hfmon.config import Tolerance
from hfmon.costs.billing_rules import is_billed, micro, seconds
from hfmon.costs.index import ChangesOf
from hfmon.costs.resources import FAMILY_KIND, PricedLine, by_product, state_spans
from hfmon.history import StateChange
from hfmon.report import CheckStatus, CrossCheck


def observed_minutes(kind: str, changes: Sequence[StateChange], hardware: str, start: datetime,
                     end: datetime) -> tuple[Decimal, int, int]:
    """(replica-minutes billed on `hardware` in [start, end), transitions in it, most replicas seen)."""
    minutes, transitions, most = Decimal(0), 0, 1
    for change, begin, stop in state_spans(changes, start, end):
        transitions += change.at >= start
        if not is_billed(kind, change.state) or (change.hardware and change.hardware != hardware):
            continue
        if stop > begin:
            most = max(most, change.replicas)
            minutes += seconds(stop - begin) * max(change.replicas, 1) / 60
    return minutes, transitions, most


RESOLVING_GAP_S = 15 * 60  # polls further apart than this cannot see short runs


def history_rows(lines: Sequence[PricedLine], changes_of: ChangesOf, observed_from: datetime | None,
                 now: datetime, tolerance: Tolerance, interval_s: float) -> list[CrossCheck]:
    """One "minutes vs history" row per resource and product that history fully covers.

    None when polls are further apart than `RESOLVING_GAP_S`: a Space that sleeps and wakes between two polls
    is invisible to history, so coarse history would report drift that is not there.
    """
    if interval_s > RESOLVING_GAP_S:
        return []
    rows = []
    for (family, key, hardware), mine in by_product(lines).items():
        kind = FAMILY_KIND[family]
        starts = [p.line.started_at for p in mine]
        changes = changes_of(kind, key)
        if observed_from is None or not changes or any(s is None for s in starts):
            continue
        begin = min(s for s in starts if s is not None)
        if observed_from > begin:
            continue
        end = max(p.line.stopped_at or now for p in mine)
        seen, transitions, most = observed_minutes(kind, changes, hardware, begin, end)
        billed_minutes = sum((p.line.quantity for p in mine), Decimal(0))
        billed = sum((p.line.total_usd for p in mine), Decimal(0))
        unit = mine[0].line.unit_cost_usd
        if unit <= 0 and mine[0].price is not None:
            unit = mine[0].price.usd_per_hour / 60
        if unit <= 0 and billed > 0:
            continue  # nothing to value the minutes with
        slack = Decimal(str(interval_s)) / 60 * max(Decimal(2), Decimal(transitions).sqrt()) * most
        recomputed = micro(seen * unit)
        note = (f"billed {billed_minutes.normalize():f} min, history shows "
                f"{seen.quantize(Decimal('0.1')).normalize():f} min (poll lag allows "
                f"{slack.quantize(Decimal('0.1')).normalize():f})")
        drift = abs(billed_minutes - seen) > slack and abs(billed - recomputed) > tolerance.usd
        rows.append(CrossCheck(f"{kind} {key} {hardware} minutes vs history", billed, recomputed,
                               billed - recomputed, CheckStatus.DRIFT if drift else CheckStatus.OK, note))
    return rows
