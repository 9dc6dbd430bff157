"""Sentences about credits and resource groups that the text output and the dashboard share, so both say the same
thing. Pure."""

from __future__ import annotations

from datetime import datetime

from hfmon import format as fmt
from hfmon.errors import FAILURE_WORDS, Failure
from hfmon.report import Credits, Report
from hfmon.report_parts import CreditsBurn, GroupLimit


def when(moment: datetime) -> str:
    """`Nov 20 08:00` (UTC)."""
    return f"{moment:%b} {moment.day} {moment:%H:%M}"


def span(start: datetime, end: datetime) -> str:
    """`Nov 17 14:30–Nov 18 14:30`, or `Nov 18 13:00–14:30` within one day."""
    if start.date() == end.date():
        return f"{when(start)}–{end:%H:%M}"
    return f"{when(start)}–{when(end)}"


def _per_day(c: CreditsBurn) -> str:
    """`$0.10/day`, or `unknown/day` when there is no rate yet."""
    return f"{fmt.money(c.rate_usd_per_day, missing=fmt.UNKNOWN)}/day"


def rate(c: CreditsBurn) -> str:
    """`at $0.10/day over Nov 1 00:00–Nov 18 15:00`: the projection's rate and the window it was measured on
    (or why it is unknown)."""
    if c.rate_usd_per_day is None:
        return f"rate unknown: {c.rate_unknown_why or 'unknown'}"
    text = f"at {_per_day(c)} over {span(c.rate_from, c.rate_to)}"
    return text if c.rate_settled else text + " (incl. unsettled spend)"


def period_end(c: CreditsBurn) -> str:
    """`period ends in 12.4 days (Dec 1)`: the billing period, not the credits."""
    return f"period ends in {c.days_left:.1f} days ({fmt.day(c.period_end)})"


def credits_left(c: Credits) -> str:
    """`$1.50 left`, `overage $0.50`, or what a spending limit below the included credits leaves of them:
    `$0.00 left under its $1.00 spending limit`."""
    if c.overage_usd > 0:
        return f"overage {fmt.money(c.overage_usd)}"
    cap = f" under its {fmt.money(c.limit_usd)} spending limit" if c.limit_caps_credits else ""
    return f"{fmt.money(c.remaining_usd)} left{cap}"


def credits_end(c: Credits) -> str | None:
    """When the included credits run out (or ran out, with the overage so far and its rate); None if not
    within the period."""
    if c.included_usd <= 0:
        return None
    if c.used_usd >= c.included_usd:
        ran_out = f"credits ran out by {when(c.exhausts_at)}" if c.exhausts_at is not None else "credits used up"
        return f"{ran_out} · overage {fmt.money(c.overage_usd)} so far, +{_per_day(c)}"
    if c.exhausts_at is not None:
        return f"credits run out at {when(c.exhausts_at)}"
    return None


def limit_end(c: CreditsBurn) -> str | None:
    """When HF starts refusing requests at the spending limit (402): reached already (by when history saw it), or
    at this rate within the period; None without a limit or a crossing this period."""
    return " ".join(parts) if (parts := limit_end_parts(c)) else None


def limit_end_parts(c: CreditsBurn) -> tuple[str, ...]:
    """`limit_end` in the pieces a narrow card may put on separate rows (a time or a date never split); () when it
    says nothing."""
    if not c.limit_usd:
        return ()
    limit = f"spending limit {fmt.money(c.limit_usd)}"
    if c.limit_reached:
        by = f"reached by {when(c.limit_hit_at)}:" if c.limit_hit_at is not None else "reached:"
        return (limit, by, "HF refuses its requests", f"until the period ends ({fmt.day(c.period_end)})",
                "or the limit is raised")
    if c.limit_hit_at is None:
        return ()
    return limit, f"reached at {when(c.limit_hit_at)}", "at this rate:", "requests refused from then"


def provisional(c: CreditsBurn) -> str:
    """How much of `used` may still settle (HF books placeholders and settles them later, often lower)."""
    if c.provisional_usd is None:
        return "pending: unknown until hfmon has history 30 min old"
    if c.provisional_usd == 0 and c.used_usd == 0:  # a period's first instant: no spend at all, none of it old
        return "nothing pending: nothing spent this period yet"
    if c.provisional_usd == 0:
        return "nothing pending: all of it is older than 30 min"
    return f"{fmt.money(c.provisional_usd)} of the last 30 min is provisional (HF settles it, often lower)"


def fell(c: CreditsBurn) -> str | None:
    """Why used went down, when it did (None when it did not)."""
    if c.fell_usd <= 0 or c.fell_since is None:
        return None
    return f"used fell {fmt.money(c.fell_usd)} since {when(c.fell_since)} ({_fell_why(c)})"


# Short forms, for the dashboard's narrow credits card (the chart legend carries the long ones).

def rate_short(c: CreditsBurn) -> tuple[str, ...]:
    """`at $0.10/day`, `since Nov 1` or `at $0.48/day`, `over 24h to Nov 18 14:30` (phrases a narrow card may put on
    two rows, never splitting one), or why there is no rate yet."""
    if c.rate_usd_per_day is None:  # never a bare "unknown/day since Dec 1": the card says why
        return (f"(rate unknown: {c.rate_unknown_why or 'unknown'})",)
    if c.rate_from == c.period_start:
        window = f"since {fmt.day(c.rate_from)}"
    else:
        window = f"over {fmt.duration((c.rate_to - c.rate_from).total_seconds())} to {when(c.rate_to)}"
    return f"at {_per_day(c)}", window


def credits_end_short(c: Credits) -> tuple[str, ...]:
    """`out Nov 20 04:34`, or `ran out by Nov 12 06:00`, `overage $0.50, +$0.10/day` (phrases a narrow card may put
    on two rows); () when it says nothing."""
    if c.included_usd <= 0:
        return ()
    if c.used_usd >= c.included_usd:
        ran_out = f"ran out by {when(c.exhausts_at)}" if c.exhausts_at is not None else "used up"
        return ran_out, f"overage {fmt.money(c.overage_usd)}, +{_per_day(c)}"
    return () if c.exhausts_at is None else (f"out {when(c.exhausts_at)}",)


def provisional_short(c: CreditsBurn) -> str | None:
    """`$0.03 pending`, `pending unknown`, or None when nothing is."""
    if c.provisional_usd is None:
        return "pending unknown"
    return f"{fmt.money(c.provisional_usd)} pending" if c.provisional_usd > 0 else None


def fell_short(c: CreditsBurn) -> str | None:
    """`fell $0.01 since 15:16 (settled lower)`."""
    if c.fell_usd <= 0 or c.fell_since is None:
        return None
    return f"fell {fmt.money(c.fell_usd)} since {c.fell_since:%H:%M} ({_fell_why(c, short=True)})"


def _fell_why(c: CreditsBurn, *, short: bool = False) -> str:
    """Why used fell: HF settled requests lower, or hfmon's clock went back past a figure already read."""
    if c.fell_clock_back:
        return "clock went back" if short else "this machine's clock went back"
    return "settled lower" if short else "HF settled requests lower"


def limit_used(limit: GroupLimit) -> str:
    """How much of a resource group's limit is used: `92.9%`, or the spend itself against a $0 limit (`$242.27`: no
    spend is a share of $0); `—` when the spend is unknown."""
    if limit.used_pct is None and limit.spent_usd is not None and limit.limit_usd <= 0:
        return fmt.money(limit.spent_usd)
    return fmt.percent(limit.used_pct, places=1)


def groups_unknown(report: Report, namespace: str | None = None) -> str:
    """`resource groups of acme unknown (not read: group list, group usage)`: the orgs (of `namespace`; None: all)
    whose resource groups were read from neither source, the orgs past three counted, then each group whose spend is
    unknown and why (`acme/research spend unknown (not in HF's usage by resource group)`); "" when none."""
    unread: dict[str, list[str]] = {}  # org ("": a namespaces_unknown source such as `account`) -> what was not read
    for name in report.resource_groups_missing:
        kind, _, org = name.partition(":")
        if namespace is None or org in ("", namespace):
            unread.setdefault(org, []).append(fmt.SOURCE_WORDS.get(kind, kind))
    unknown = unread.pop("", [])
    whose: dict[str, list[str]] = {}  # what was not read -> whose
    for org, kinds in unread.items():
        whose.setdefault(", ".join(kinds), []).append(org)
    words = [f"resource groups of {', '.join(orgs[:3])}{f' and {len(orgs) - 3} more' if len(orgs) > 3 else ''} "
             f"unknown (not read: {kinds})" for kinds, orgs in whose.items()]
    if unknown:  # which orgs there are is unknown
        words.append(f"resource groups unknown ({', '.join(f'{kind} unknown' for kind in unknown)})")
    words += [f"{g.namespace}/{g.name} spend unknown ({g.spend_unknown_why})" for g in report.resource_groups or ()
              if g.spend_unknown_why and namespace in (None, g.namespace)]
    return " · ".join(words)


def why_no_credits(report: Report) -> str:
    """Why no credits are shown: what happened to the user's billing source, in its own words."""
    if report.account is None:
        return "unknown: the account could not be read"
    hidden = report.namespaces_not_visible
    if hidden:
        return "unknown: " + "; ".join(report.not_visible_why(ns) for ns in hidden)
    user = report.account.name  # its billing, else (with --namespace) the first polled namespace's
    names = [user] if user in report.namespaces else list(report.namespaces)
    source = next((s for ns in names if (s := report.source(f"billing:{ns}")) is not None), None)
    if source is None:
        return "unknown: no namespace's billing was polled"
    if source.failure is Failure.NO_ACCESS:
        return "no billing access: add the billing read permission to see credits"
    if source.failure is None:
        return "unknown"
    return f"unknown: billing {FAILURE_WORDS[source.failure]}" + (f" ({source.hint})" if source.hint else "")


def crosscheck_none(report: Report) -> str:
    """What the cross-check says when it has no row to count: none compared in what was read (a source it needs was
    not), or nothing billed yet; never "0 drift · 0 unpriced", which reads as all clear."""
    return "none in what was read" if report.crosscheck_unchecked else "nothing billed yet"
