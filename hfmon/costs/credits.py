"""Included credits and their burn-down, from `usage-v2` and the usage history. Pure.

The numbers follow `usage-v2`'s inference block, the only place Hugging Face reports included credits and
the spending limit: used (placeholders included), included, limit. Credits are applied before
pay-as-you-go, so overage = max(0, used - included) and remaining = max(0, included - used).

- Burn rate over the period: used / days elapsed since the period start.
- Burn rate over the trailing 24 h: (used now - used at the latest history point at least 24 h old) / the
  days between them. When the period began less than 24 h ago the baseline is (period start, $0); when
  history is shorter than 24 h the earliest point at least an hour old is used; otherwise None.
- Projection uses the 24 h rate when there is one (recent behaviour), else the period rate, and stops at the
  spending limit: HF refuses requests once it is reached (402), so spend cannot run past it.
- `exhausts_at` / `limit_hit_at`: when used would cross included / limit at that rate, None when not
  within the period (or, for the credits, when a spending limit below them stops spend first); if
  already crossed, the first history point at or over it (else `now`).
- Provisional: Inference Providers settle up to ~30 min after a request, so spend since the latest history
  point at least 30 min old may still change (an upper bound; 0 without such a point, unless the period
  itself began less than 30 min ago).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hfmon.costs.billing_rules import micro, seconds
from hfmon.history import History, UsagePoint
from hfmon.models import InferenceUsage
from hfmon.report import Credits

DAY = Decimal(86400)
SETTLE = timedelta(minutes=30)
MIN_RATE_SPAN = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class Period:
    """A billing period [start, end)."""

    start: datetime
    end: datetime


def days(delta: timedelta) -> Decimal:
    """A timedelta in days, exactly (to the microsecond)."""
    return seconds(delta) / DAY


def after_days(moment: datetime, n_days: Decimal) -> datetime:
    """`moment` plus a Decimal number of days, to the second."""
    return moment + timedelta(seconds=int((n_days * DAY).to_integral_value()))


def calendar_month(now: datetime) -> Period:
    """The UTC calendar month containing `now` (the fallback period)."""
    start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return Period(start, end)


def period_points(history: History, namespace: str, period_start: datetime, now: datetime) -> list[UsagePoint]:
    """The namespace's usage points of this period, up to `now`, oldest first."""
    return sorted((p for p in history.usage if p.namespace == namespace and p.period_start == period_start
                   and p.at <= now), key=lambda p: p.at)


def rate_per_day(used_from: Decimal, at_from: datetime, used_to: Decimal, at_to: datetime) -> Decimal:
    """USD per day between two observations (0 for an empty span; negative deltas count as 0)."""
    span = days(at_to - at_from)
    return max(used_to - used_from, Decimal(0)) / span if span > 0 else Decimal(0)


def trailing_rate(points: Sequence[UsagePoint], used: Decimal, period: Period, now: datetime,
                  window: timedelta = timedelta(hours=24)) -> Decimal | None:
    """Burn rate over the trailing window from history (see the module docstring), or None."""
    cutoff = now - window
    old = [p for p in points if p.at <= cutoff]
    if old:
        base = old[-1]
        return rate_per_day(base.inference_used_usd, base.at, used, now)
    if period.start >= cutoff:
        return rate_per_day(Decimal(0), period.start, used, now)
    usable = [p for p in points if p.at <= now - MIN_RATE_SPAN]
    if usable:
        return rate_per_day(usable[0].inference_used_usd, usable[0].at, used, now)
    return None


def crossing(used: Decimal, threshold: Decimal, rate: Decimal, points: Sequence[UsagePoint],
             now: datetime, period: Period) -> datetime | None:
    """When used reaches `threshold` at `rate` USD/day, if within the period."""
    if used >= threshold:
        return next((p.at for p in points if p.inference_used_usd >= threshold), now)
    if rate <= 0:
        return None
    moment = after_days(now, (threshold - used) / rate)
    return moment if moment <= period.end else None


def provisional(points: Sequence[UsagePoint], used: Decimal, period: Period, now: datetime) -> Decimal:
    """Spend recent enough that it may still settle differently (see the module docstring)."""
    settled = [p for p in points if p.at <= now - SETTLE]
    if settled:
        return max(used - settled[-1].inference_used_usd, Decimal(0))
    if period.start >= now - SETTLE:
        return used
    return Decimal(0)


def credits_for(namespace: str, usage: InferenceUsage, history: History, now: datetime,
                period: Period | None = None) -> Credits:
    """The credits row of one namespace with billing access."""
    period = period or Period(usage.period_start, usage.period_end)
    points = period_points(history, namespace, period.start, now)
    used, included = usage.used_usd, usage.included_usd
    elapsed = days(now - period.start)
    period_rate = used / elapsed if elapsed > 0 else Decimal(0)
    rate_24h = trailing_rate(points, used, period, now)
    rate = rate_24h if rate_24h is not None else period_rate
    left = max(days(period.end - now), Decimal(0))
    limit = usage.limit_usd if usage.limit_usd else None
    projected = used + rate * left
    if limit is not None:
        projected = min(projected, max(limit, used))
    return Credits(
        namespace=namespace,
        period_start=period.start,
        period_end=period.end,
        included_usd=included,
        used_usd=used,
        remaining_usd=max(included - used, Decimal(0)),
        overage_usd=max(used - included, Decimal(0)),
        limit_usd=limit,
        burn_rate_usd_per_day=micro(period_rate),
        burn_rate_24h_usd_per_day=None if rate_24h is None else micro(rate_24h),
        projected_period_usd=micro(projected),
        exhausts_at=crossing(used, included, rate, points, now, period) if included > 0 and (
            limit is None or limit >= included or used >= included) else None,  # a lower limit stops spend first
        limit_hit_at=crossing(used, limit, rate, points, now, period) if limit is not None else None,
        days_left=left.quantize(Decimal("0.0001")),
        provisional_usd=provisional(points, used, period, now),
        series=tuple((p.at, p.inference_used_usd) for p in points),
    )
