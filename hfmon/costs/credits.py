"""Included credits and their burn-down, from `usage-v2` and the usage history. Pure.

The numbers follow `usage-v2`'s inference block, the only place Hugging Face reports included credits and
the spending limit: used (placeholders included), included, limit. Credits are applied before
pay-as-you-go, so overage = max(0, used - included); remaining is what can still be used of them,
max(0, min(included, limit) - used): the spending limit stops every request once reached (`usable_left`).

HF books each Inference Providers request as a placeholder and settles it up to ~30 min later (SETTLE), often
lower, so "used" can fall between polls. Hence:

- Provisional: spend booked since the latest history point at least SETTLE old may still settle differently,
  counted from that point's settlement (`settled_at`: its own placeholders are not settled spend; an upper bound
  of its settled total, so this part may be more). Everything is provisional when the period began less than
  SETTLE ago; without such a point it is unknown (None), never 0.
- Fell: when used is below the highest point of the last 24 h, by how much and since when; within SETTLE of
  that point it is settlement, older it is HF revising settled charges. A point recorded later than now (the clock
  was set back since: `recorded_later`) counts too, and the fall says so. A falling figure is never shown
  without saying so.
- One projection rate, measured on settled spend: from the latest point at least 24 h before the window's
  end (else usage-v2's figure asked for a moment that old, a new install's first day; else the period start, at
  $0) to the latest point at least SETTLE old (the window's end). A point holds the total as read then, the
  placeholders of the SETTLE before it included: each end is taken at the settlement seen after it (`settled_at`),
  so a burst booked just before one end is neither a fall to $0/day nor a false run-out (audit 10 G2). Without
  such a point no older than 2 x SETTLE (no history, or polls hours apart), the window ends now with the
  current figure, which then includes unsettled spend, and says so. Every figure read counts the SETTLE before
  it was read at placeholder value; a window from the period start ($0, exact) has nothing at its start to offset
  that, so it measures a rate only once that unsettled part is at most 1/UNSETTLED_SHARE of it (MIN_PROJECTION_SPAN,
  a period's first 4 h). Before that the rate is unknown, so are the projection, `exhausts_at` and
  `limit_hit_at`, and they say why (at 02:00 on the 1st the demo's $0.01 placeholder alone is 10 % of the spend).
  The rate only moves when history moves, and the Report carries the window so every front end can say what the
  rate was measured on.
- Projected period total = used + rate x time left, stopped at the spending limit (HF refuses requests once it
  is reached: 402). `exhausts_at` / `limit_hit_at`: when used crosses included / limit at that rate, None
  when not within the period (or, for the credits, when a lower spending limit stops spend first); if already
  crossed, the first history point whose settlement (`settled_at`) is at or over it (else None: no early run-out
  from a burst's placeholders). After exhaustion every further dollar is overage, so the same rate is the
  overage's rate.
- Informational (JSON): the period's average rate, and the trailing 24 h rate up to the raw figure now (from the
  settlement seen after the point 24 h old, `settled_at`); either,
  when measured from the period start, unknown under MIN_PROJECTION_SPAN as the projection's rate is. The 24 h
  rate is unknown too while history has no point 24 h old in a period older than that (never a shorter span's).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, fields
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hfmon.api.server_clock import SKEW_S
from hfmon.costs.billing_rules import micro, seconds
from hfmon.history import History, UsagePoint
from hfmon.models import InferenceUsage, NamespaceData, PeriodStatement, Snapshot
from hfmon.report import Credits, CreditsBurn

DAY = Decimal(86400)
SETTLE = timedelta(minutes=30)
UNSETTLED_SHARE = 8  # a window from the period start: its unsettled last SETTLE is at most an eighth of it
MIN_PROJECTION_SPAN = UNSETTLED_SHARE * SETTLE
RATE_WINDOW = timedelta(hours=24)
FELL_LOOKBACK = timedelta(hours=24)


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
    """The UTC calendar month containing `now`."""
    start = now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    end = (start + timedelta(days=32)).replace(day=1)
    return Period(start, end)


def usage_window(now: datetime) -> Period:
    """The window hfmon asks usage-v2, the sessions and the resource-group usage for (from its start to now): the
    calendar month, when included credits reset (HF's clients ask the same)."""
    return calendar_month(now)


def credits_period(usage: InferenceUsage | None, now: datetime) -> Period:
    """The period usage-v2's Inference Providers figure covers, which every credits figure is measured on: its own
    periodStart/End when it sends both, else the window hfmon asked it for. Never another product's period: a
    statement anchored on the 15th says nothing of when usage-v2 began counting."""
    return said_period(usage) or usage_window(now)


def said_period(usage: InferenceUsage | None) -> Period | None:
    """The period an Inference Providers figure names (usage-v2's or a live event's): both ends, else none."""
    if usage is None or usage.period_start is None or usage.period_end is None:
        return None
    return Period(usage.period_start, usage.period_end)


def statement_period(statement: PeriodStatement | None, usage: InferenceUsage | None, now: datetime) -> Period:
    """The period of the statement's products (Endpoints, Spaces, Jobs, storage): the statement's, else (no
    statement read) the credits' period."""
    if statement is not None:
        return Period(statement.period_start, statement.period_end)
    return credits_period(usage, now)


def _inference(ns: NamespaceData) -> InferenceUsage | None:
    billing = ns.billing.value
    return billing.inference if billing is not None else None


def namespace_period(ns: NamespaceData, now: datetime) -> Period:
    """The billing period of a namespace's statement products (`statement_period`)."""
    return statement_period(ns.statement.value, _inference(ns), now)


def namespace_credits_period(ns: NamespaceData, now: datetime) -> Period:
    """The period of a namespace's Inference Providers figures and credits (`credits_period`)."""
    return credits_period(_inference(ns), now)


def user_period(snapshot: Snapshot, now: datetime) -> Period:
    """The credits period of the token's own account (the proxy's windows and the providers' spend over time use
    it: Inference Providers figures), else the window hfmon asks usage-v2 for."""
    user = next((ns for ns in snapshot.namespaces if ns.kind == "user"), None)
    return namespace_credits_period(user, now) if user is not None else usage_window(now)


def restarted(before_at: datetime, before_period: datetime, before_used: Decimal, period: datetime,
              used: Decimal) -> bool:
    """Whether a period-to-date total restarted from $0 between two observations, told by the data: the later one
    is of a later period, and its total fell or that period began after the earlier was seen (HF may label a
    rollover minutes late, so the clock alone cannot say). An earlier period start, or a total that did not fall, is
    the same total relabelled (history written when hfmon took the statement's period for the credits')."""
    return period > before_period and (used < before_used or period > before_at)


def labels_kept(points: Sequence[UsagePoint], later: datetime | None = None) -> list[UsagePoint]:
    """The usage points (in the order given) less those that read as a restart (`restarted`) into a period a point
    after them, or `later` (the figure now's), contradicts with an earlier one: periods never go back, so such a
    label was guessed (a run that took usage-v2's window, Dec 1, for a period begun Nov 15), and its total, of
    another window, is neither a restart nor a step of the period's (read as both, it put $6.85 of spend in a 1 h
    window where $0.02 was spent: audit 9 F6). A relabelled total that did not restart stays (`restarted`)."""
    after: list[datetime | None] = []  # the earliest label after each point
    low = later
    for p in reversed(points):
        after.append(low)
        low = p.period_start if low is None else min(low, p.period_start)
    after.reverse()
    kept: list[UsagePoint] = []
    for p, earliest in zip(points, after, strict=True):
        if kept and earliest is not None and p.period_start > earliest:
            last = kept[-1]
            if restarted(last.at, last.period_start, last.inference_used_usd, p.period_start, p.inference_used_usd):
                continue
        kept.append(p)
    return kept


def period_points(history: History, namespace: str, period_start: datetime, used: Decimal,
                  now: datetime) -> list[UsagePoint]:
    """The namespace's usage points up to `now` of the period whose total is `used` now, oldest first: those since
    the last restart (`restarted`), whatever period start they were labelled with (a guessed label left out:
    `labels_kept`)."""
    points = labels_kept(sorted((p for p in history.usage if p.namespace == namespace and p.at <= now),
                                key=lambda p: p.at), period_start)
    later_period, later_used, first = period_start, used, len(points)
    for p in reversed(points):
        if restarted(p.at, p.period_start, p.inference_used_usd, later_period, later_used):
            break
        later_period, later_used, first = p.period_start, p.inference_used_usd, first - 1
    return points[first:]


def rate_per_day(used_from: Decimal, at_from: datetime, used_to: Decimal, at_to: datetime) -> Decimal:
    """USD per day between two observations (0 for an empty span; negative deltas count as 0)."""
    span = days(at_to - at_from)
    return max(used_to - used_from, Decimal(0)) / span if span > 0 else Decimal(0)


SHORT_HISTORY = "history shorter than 24 h: no usage total from 24 h ago to measure from"


def trailing_rate(points: Sequence[UsagePoint], used: Decimal, period: Period, now: datetime,
                  window: timedelta = timedelta(hours=24),
                  day_ago: UsagePoint | None = None) -> tuple[Decimal | None, str | None]:
    """Burn rate over the trailing window from history (see the module docstring), or None and why: never a
    shorter span's rate under the window's name (an hour of placeholders x 24 is no day's rate). `day_ago` (as
    `rate_window` takes it) stands in for history that holds no point that old."""
    cutoff = now - window
    old = [p for p in points if p.at <= cutoff]
    if old:
        return rate_per_day(settled_at(points, old[-1], used), old[-1].at, used, now), None
    if day_ago is not None and period.start < day_ago.at <= cutoff:  # asked after it settled
        return rate_per_day(day_ago.inference_used_usd, day_ago.at, used, now), None
    if period.start >= cutoff:  # counted from the period start at $0: the projection's rule for such a window
        if now - period.start >= MIN_PROJECTION_SPAN:
            return rate_per_day(Decimal(0), period.start, used, now), None
        return None, TOO_EARLY
    return None, SHORT_HISTORY


def crossing(used: Decimal, threshold: Decimal, rate: Decimal | None, points: Sequence[UsagePoint],
             now: datetime, period: Period) -> datetime | None:
    """When used reaches `threshold` at `rate` USD/day, if within the period. Once reached: by when it was, the
    first history point whose settlement (`settled_at`) is over it, a burst's placeholders not counted; None when no
    point shows it (never the time of asking, which is not when), or when the rate is unknown."""
    if used >= threshold:
        return next((p.at for p in points if settled_at(points, p, used) >= threshold), None)
    if rate is None or rate <= 0:
        return None
    needed = (threshold - used) / rate
    if needed > days(period.end - now):  # also keeps a tiny rate from overflowing datetime
        return None
    return after_days(now, needed)


def settled_at(points: Sequence[UsagePoint], point: UsagePoint, used: Decimal) -> Decimal:
    """A point's figure lowered to the settlement seen after it: the least of the readings from it up to the first
    at least SETTLE later (else up to now's, `used`). What it counted at placeholder value has settled by then, and
    every later reading still holds all it counted, settled: an upper bound of its settled total, the point's own
    figure when nothing fell since (steady traffic)."""
    figure = point.inference_used_usd
    settled_by = point.at + SETTLE
    for later in points[bisect_right(points, point.at, key=lambda p: p.at):]:
        figure = min(figure, later.inference_used_usd)
        if later.at >= settled_by:
            return figure
    return min(figure, used)


def latest_settled(points: Sequence[UsagePoint], now: datetime) -> UsagePoint | None:
    """The latest history point at least SETTLE old: everything it counts has settled by now."""
    settled = [p for p in points if p.at <= now - SETTLE]
    return settled[-1] if settled else None


TOO_EARLY = "too early in the period: under 4 h of spend to measure"


def rate_window(points: Sequence[UsagePoint], used: Decimal, period: Period, now: datetime,
                day_ago: UsagePoint | None = None) -> tuple[datetime, datetime, Decimal | None, bool]:
    """(from, to, USD per day, settled?) of the one rate the projection uses (see the module docstring). A window
    shorter than MIN_PROJECTION_SPAN gives no rate (None, `TOO_EARLY`): an hour or two whose last 30 min are
    placeholders is no month's pace. `day_ago`: usage-v2's figure of a moment a day ago or more, where the window
    starts when no history point is that old."""
    end = latest_settled(points, now)
    if end is not None and end.at < now - 2 * SETTLE:
        end = None  # too old to stand for now: measure up to now instead
    end_at, end_used = (end.at, settled_at(points, end, used)) if end is not None else (now, used)
    before = [p for p in points if p.at <= end_at - RATE_WINDOW]
    if before:
        start_at, start_used = before[-1].at, settled_at(points, before[-1], used)
    elif day_ago is not None and period.start < day_ago.at <= end_at - RATE_WINDOW:
        start_at, start_used = day_ago.at, day_ago.inference_used_usd  # asked after it settled
    else:
        start_at, start_used = period.start, Decimal(0)
    if end_at - start_at < MIN_PROJECTION_SPAN:
        return start_at, end_at, None, end is not None
    return start_at, end_at, rate_per_day(start_used, start_at, end_used, end_at), end is not None


def provisional(points: Sequence[UsagePoint], used: Decimal, period: Period, now: datetime) -> Decimal | None:
    """Spend recent enough that it may still settle differently (see the module docstring); None: unknown."""
    end = latest_settled(points, now)
    if end is not None:
        return max(used - settled_at(points, end, used), Decimal(0))
    return used if period.start >= now - SETTLE else None


def recorded_later(history: History, namespace: str, period_start: datetime, now: datetime) -> list[UsagePoint]:
    """The namespace's usage points of the period starting at `period_start` recorded more than `SKEW_S` after `now`:
    this machine's clock was set back since (two processes' clocks may differ by less), and what they counted was
    already read, so a figure below them is a fall, never silently lower."""
    later = now + timedelta(seconds=SKEW_S)
    return [p for p in history.usage if p.namespace == namespace and p.at > later and p.period_start == period_start]


def fell(points: Sequence[UsagePoint], used: Decimal, now: datetime) -> tuple[Decimal, datetime | None]:
    """How far used is below the highest point of the last FELL_LOOKBACK (or recorded after `now`:
    `recorded_later`), and when that point was seen."""
    recent = [p for p in points if p.at >= now - FELL_LOOKBACK]
    peak = max(recent, key=lambda p: (p.inference_used_usd, p.at), default=None)
    if peak is None or peak.inference_used_usd <= used:
        return Decimal(0), None
    return peak.inference_used_usd - used, peak.at


def day_ago_point(ns: NamespaceData) -> UsagePoint | None:
    """usage-v2's figure of a moment a day ago (`NamespaceData.billing_day_ago`) as a usage point of its period."""
    source = ns.billing_day_ago
    if source is None or source.value is None:
        return None
    at, inference = source.value.at, source.value.usage.inference
    return UsagePoint(ns.namespace, at, credits_period(inference, at).start, inference.used_usd, None)


def usable_left(included: Decimal, limit: Decimal | None, used: Decimal) -> Decimal:
    """What of the included credits can still be used: the lesser of what they and the spending limit leave (HF
    refuses every request once the limit is reached: a $1 limit under $2 of credits leaves none of them at $1)."""
    return max((included if limit is None else min(included, limit)) - used, Decimal(0))


def credits_for(namespace: str, usage: InferenceUsage, history: History, now: datetime,
                period: Period | None = None, day_ago: UsagePoint | None = None) -> Credits:
    """The credits row of one namespace with billing access whose usage-v2 stated its included credits."""
    included = usage.included_usd
    if included is None:  # without it there is no credits row (evaluate says why), never $0 of credits
        raise ValueError(f"the included credits of {namespace} are unknown")
    burn, points, rate, period = _burn(namespace, usage, history, now, period, day_ago)
    used, limit = burn.used_usd, burn.limit_usd
    return Credits(
        **{f.name: getattr(burn, f.name) for f in fields(CreditsBurn)},
        included_usd=included,
        remaining_usd=usable_left(included, limit, used),
        overage_usd=max(used - included, Decimal(0)),
        exhausts_at=crossing(used, included, rate, points, now, period) if included > 0 and (
            limit is None or limit >= included or used >= included) else None,  # a lower limit stops spend first
    )


def credits_burn(namespace: str, usage: InferenceUsage, history: History, now: datetime,
                 period: Period | None = None, day_ago: UsagePoint | None = None) -> CreditsBurn:
    """What is known of the credits of a namespace whose usage-v2 did not state its included credits: its spend,
    limit, rate and projection, never an amount left or an overage."""
    return _burn(namespace, usage, history, now, period, day_ago)[0]


def _burn(namespace: str, usage: InferenceUsage, history: History, now: datetime, period: Period | None,
          day_ago: UsagePoint | None) -> tuple[CreditsBurn, list[UsagePoint], Decimal | None, Period]:
    """The burn, with the history points and the (unrounded) rate it was measured from, and its period."""
    period = period or credits_period(usage, now)
    points = period_points(history, namespace, period.start, usage.used_usd, now)
    used = usage.used_usd
    # over the period so far: from its start at $0, so unknown in its first hours as the projection's rate is
    period_rate = used / days(now - period.start) if now - period.start >= MIN_PROJECTION_SPAN else None
    if day_ago is not None and day_ago.period_start != period.start:
        day_ago = None  # a figure of another period is no start of this one's rate
    rate_24h, rate_24h_why = trailing_rate(points, used, period, now, day_ago=day_ago)
    rate_from, rate_to, rate, settled = rate_window(points, used, period, now, day_ago)
    left = max(days(period.end - now), Decimal(0))
    limit = usage.limit_usd if usage.limit_usd else None
    projected = None if rate is None else used + rate * left
    if limit is not None and projected is not None:
        projected = min(projected, max(limit, used))
    fell_usd, fell_since = fell([*points, *recorded_later(history, namespace, period.start, now)], used, now)
    burn = CreditsBurn(
        namespace=namespace,
        period_start=period.start,
        period_end=period.end,
        used_usd=used,
        limit_usd=limit,
        burn_rate_usd_per_day=None if period_rate is None else micro(period_rate),
        burn_rate_24h_usd_per_day=None if rate_24h is None else micro(rate_24h),
        burn_rate_24h_why=rate_24h_why,
        projected_period_usd=None if projected is None else micro(projected),
        limit_hit_at=crossing(used, limit, rate, points, now, period) if limit is not None else None,
        days_left=left.quantize(Decimal("0.0001")),
        provisional_usd=provisional(points, used, period, now),
        series=tuple((p.at, p.inference_used_usd) for p in points),
        rate_usd_per_day=None if rate is None else micro(rate),
        rate_from=rate_from,
        rate_to=rate_to,
        rate_settled=settled,
        fell_usd=fell_usd,
        fell_since=fell_since,
        fell_clock_back=fell_since is not None and fell_since > now,
        rate_unknown_why=TOO_EARLY if rate is None else None,
    )
    return burn, points, rate, period
