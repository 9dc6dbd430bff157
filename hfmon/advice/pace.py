"""Namespaces whose spend pace breaks their budget: the spending limit, and each resource group's limits. Pure.

- Inference Providers spending limit: `Credits.limit_hit_at` (the credits' one projection rate) falls inside the
  period while the limit is not reached yet; the pace that would stay within it is what is left of the limit over
  the days left.
- A resource group's limit: its spend this month at the month's pace so far (spent / elapsed x the month's length)
  goes past the limit while it has not yet (a limit already reached is a flag, not a forecast); the warning says
  the pace is the month's average (no history of a group's spend is kept: a faster recent pace cannot be
  measured). In the month's first hours (under `MIN_PROJECTION_SPAN`, the credits' rule) there is no pace yet:
  not judged, and said so.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from hfmon.costs.billing_rules import seconds
from hfmon.costs.credits import MIN_PROJECTION_SPAN, TOO_EARLY
from hfmon.format import money
from hfmon.report import Report


@dataclass(frozen=True, slots=True)
class PaceWarning:
    """A budget the current pace breaks before its period ends."""

    namespace: str
    budget: str  # "spending limit" | "resource group <name> <product> limit"
    limit_usd: Decimal
    spent_usd: Decimal
    projected_usd: Decimal  # at the current pace, by the period's end
    breaks_at: datetime | None  # when the pace reaches the limit (None: not computed)
    within_usd_per_day: Decimal  # the pace that would stay within it
    rate_basis: str = "the credits' projection rate"  # what pace `projected_usd` and `breaks_at` come from, in words


MONTHS_AVERAGE = ("at the month's average so far, {rate}/day; hfmon keeps no history of a group's spend to "
                  "measure a recent pace, which may be faster")


def _month_end(start: datetime) -> datetime:
    return start.replace(year=start.year + (start.month == 12), month=start.month % 12 + 1)


def pace_unjudged(report: Report) -> tuple[tuple[str, str], ...]:
    """(namespace, why) of the resource groups whose limits `pace_warnings` cannot judge yet: too early in the month."""
    now = report.generated_at
    return tuple((g.namespace, f"resource group {g.name}: spend pace against its limits not judged: {TOO_EARLY}")
                 for g in report.resource_groups or ()
                 if g.period is not None and g.limits and timedelta(0) <= now - g.period < MIN_PROJECTION_SPAN)


def pace_warnings(report: Report) -> tuple[PaceWarning, ...]:
    """Every budget the current pace breaks before its period ends."""
    now = report.generated_at
    out = []
    for c in report.credits:
        if (c.limit_usd and c.used_usd < c.limit_usd and c.limit_hit_at is not None and c.limit_hit_at < c.period_end
                and c.projected_period_usd is not None):
            days_left = seconds(c.period_end - now) / 86400
            within = (c.limit_usd - c.used_usd) / days_left if days_left > 0 else Decimal(0)
            out.append(PaceWarning(c.namespace, "Inference Providers spending limit", c.limit_usd, c.used_usd,
                                   c.projected_period_usd, c.limit_hit_at, within.quantize(Decimal("0.01"))))
    for g in report.resource_groups or ():
        if g.period is None:
            continue
        end = _month_end(g.period)
        elapsed, length = seconds(now - g.period), seconds(end - g.period)
        if now - g.period < MIN_PROJECTION_SPAN or now >= end:  # no pace yet (`pace_unjudged`), or past its month
            continue
        for lim in g.limits or ():
            if lim.spent_usd is None or lim.spent_usd >= lim.limit_usd or lim.spent_usd <= 0:
                continue
            projected = lim.spent_usd * length / elapsed
            if projected <= lim.limit_usd:
                continue
            rate = lim.spent_usd / elapsed  # USD per second
            breaks = g.period + timedelta(seconds=float(lim.limit_usd / rate))
            within = (lim.limit_usd - lim.spent_usd) / (seconds(end - now) / 86400)
            per_day = money(rate * 86400)
            out.append(PaceWarning(g.namespace, f"resource group {g.name} {lim.product} limit", lim.limit_usd,
                                   lim.spent_usd, projected.quantize(Decimal("0.01")), breaks,
                                   within.quantize(Decimal("0.01")), MONTHS_AVERAGE.format(rate=per_day)))
    return tuple(out)
