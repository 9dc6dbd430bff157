"""Threshold checks over a Report: the figures `hfmon guard` and the alert rules compare. Pure.

Every figure comes from the Report as it is (credits, the meter, spend, flags, resource groups, sources);
nothing here recomputes a total. A check has three outcomes: `ok`, `crossed`, or `unknown` when the figure
could not be read. A partial total (a known lower bound with missing parts) crosses a maximum when its lower
bound is already above it; below it, the real figure may still be above, so it is unknown, never ok.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TypeVar

from hfmon.format import duration, money, money_against, money_total, per_hour
from hfmon.models import SourceStatus
from hfmon.report import Credits, CreditsBurn, Report, Total

C = TypeVar("C", Credits, CreditsBurn)

ACCOUNT = "account"  # the subject of an account-wide figure


def named_subject(check: str, subject: str) -> str | None:
    """The subject as a message names it: None for an account-wide figure (the `source_failing` rule's subjects
    are sources, and `account` there is whoami's, which must be named)."""
    return None if subject == ACCOUNT and check != "source_failing" else subject


class Outcome(StrEnum):
    """What one check found."""

    OK = "ok"
    CROSSED = "crossed"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class Reading:
    """One figure checked against one threshold, for one subject (a namespace, a resource, or the account)."""

    check: str  # the name of the check, e.g. max_projected_usd
    subject: str
    outcome: Outcome
    figure: str  # the figure as a user reads it: "$12.30", "at least $8.32", "unknown"
    threshold: str  # the limit as a user reads it: "$10.00"
    value: Decimal | None  # the figure when known exactly
    at_least: Decimal | None  # its known lower bound (the value itself when complete)
    limit: Decimal | None  # the threshold as a number (None for checks with no number: unpriced, flags)
    why: str = ""  # what is unknown, or what crossed, in words
    at_most: Decimal | None = None  # a known upper bound of a partial figure (the value itself when complete)

    @property
    def message(self) -> str:
        """One line naming the check, the subject and the figure."""
        what = DESCRIBE.get(self.check, self.check)
        named = named_subject(self.check, self.subject)
        where = "" if named is None else f" ({named})"
        if self.outcome is Outcome.UNKNOWN:
            return f"{what}{where}: unknown, {self.why}"
        if self.limit is None:
            return f"{what}{where}: {self.why or self.figure}"
        minimum = self.check.startswith("min_")
        if self.outcome is Outcome.CROSSED:
            return f"{what}{where}: {self.figure}, {'below the minimum' if minimum else 'above the limit'} " \
                   f"{self.threshold}"
        return f"{what}{where}: {self.figure} ({'minimum' if minimum else 'limit'} {self.threshold})"


DESCRIBE = {
    "max_projected_usd": "projected Inference Providers usage this period",
    "min_remaining_credits_usd": "included credits remaining",
    "max_cost_per_hour_usd": "running cost now",
    "max_overage_usd": "Inference Providers overage this period",
    "max_credits_used_pct": "included credits used",
    "monthly_budget_usd": "spend this period",
    "long_running": "long-running resource",
    "long_running_hours": "Endpoint or Space up without a break",
    "resource_group_limit": "resource group spend limit",
    "unpriced": "unpriced resource",
    "source_failing": "source failing",
}


def above(check: str, subject: str, total: Total[Decimal], limit: Decimal, show: Callable[[Total[Decimal]], str],
          limit_text: str, why_unknown: str = "", at_most: Decimal | None = None) -> Reading:
    """`total` against a maximum: crossed when it (or its known lower bound) is above `limit`; within it when
    complete, or when a partial total's known upper bound `at_most` is within it."""
    figure = show(total)
    if total.known is not None and total.known > limit:
        # never read as the limit it crossed: `$3.0006, above the limit $3.00` (the same text when it reads apart)
        figure = figure.replace(money(total.known), money_against(total.known, limit), 1)
        return Reading(check, subject, Outcome.CROSSED, figure, limit_text, total.value, total.known, limit)
    if total.complete:
        return Reading(check, subject, Outcome.OK, figure, limit_text, total.value, total.known, limit,
                       at_most=total.known)
    if at_most is not None:
        figure = f"{figure}, at most {money(at_most)}"
        if at_most <= limit:
            return Reading(check, subject, Outcome.OK, figure, limit_text, None, total.known, limit, at_most=at_most)
    why = why_unknown or _missing_words(total)
    return Reading(check, subject, Outcome.UNKNOWN, figure, limit_text, None, total.known, limit, why, at_most)


def below(check: str, subject: str, value: Decimal | None, limit: Decimal, why_unknown: str) -> Reading:
    """`value` against a minimum: crossed when it is below `limit`."""
    if value is None:
        return Reading(check, subject, Outcome.UNKNOWN, "unknown", money(limit), None, None, limit, why_unknown)
    outcome = Outcome.CROSSED if value < limit else Outcome.OK
    return Reading(check, subject, outcome, money_against(value, limit), money(limit), value, value, limit)


def _missing_words(total: Total[Decimal]) -> str:
    if total.known is None:
        return "nothing it adds up could be read (" + ", ".join(total.missing) + ")"
    return f"only a part of it is known ({', '.join(total.missing)} missing) and that part is below the limit"


def credits_by_namespace(report: Report) -> list[tuple[str, Credits | None, str]]:
    """Each polled namespace with its credits, or None and why they are unknown (or, usage-v2 failing this poll,
    as old as its last good value: what was used since is unknown, so never checked as if read now)."""
    if not report.namespaces:
        return [(ACCOUNT, None, "the account (so its namespaces) could not be read")]
    known = {c.namespace: c for c in report.credits}
    out = []
    for ns in report.namespaces:
        stale = _billing_stale(report, ns)
        credit = None if stale else known.get(ns)
        out.append((ns, credit, stale or ("" if credit is not None else _billing_unknown(report, ns))))
    return out


def burns_by_namespace(report: Report) -> list[tuple[str, CreditsBurn | None, str]]:
    """As `credits_by_namespace`, with what is known of a namespace's spend, rate and projection when HF did not
    say how many credits it includes (its projection does not depend on them)."""
    burns = {burn.namespace: burn for burn, _why in report.credits_unknown}
    return [(ns, credit, why) if credit is not None or ns not in burns or _billing_stale(report, ns)
            else (ns, burns[ns], "") for ns, credit, why in credits_by_namespace(report)]


def _billing_stale(report: Report, namespace: str) -> str:
    """Why a namespace's credits are not checked when its usage-v2 failed this poll ("" when it did not)."""
    return failed_now(report, (f"billing:{namespace}",))


def failed_now(report: Report, names: Iterable[str]) -> str:
    """Why a figure read from the sources `names` is not checked as now: each of them that failed this poll (what
    it holds is its last good value), with its age and error; "" when none did."""
    out = []
    for name in names:
        source = report.source(name)
        if source is None or not source.stale:
            continue
        age = f", its last good value {duration(source.age_s)} old" if source.age_s is not None else ""
        out.append(f"{name} failed this poll{age}" + (f" ({source.error})" if source.error else ""))
    return "; ".join(out)


def _billing_unknown(report: Report, namespace: str) -> str:
    said = report.why_credits_unknown(namespace)
    if said is not None:
        return said
    if namespace in report.namespaces_not_visible:
        return report.not_visible_why(namespace)
    source = report.source(f"billing:{namespace}")
    if source is None:
        return f"billing:{namespace} was not polled"
    if source.status is SourceStatus.NO_ACCESS:
        return (f"the token cannot read the billing of {namespace} (billing:{namespace} no_access); "
                f"check other namespaces only with --namespace")
    return f"billing:{namespace} could not be read" + (f" ({source.error})" if source.error else "")


Limit = Callable[[str], Decimal | None]  # the threshold for a namespace (None: not checked there)


def _credit_check(check: str, limit_of: Limit, report: Report,
                  figure: Callable[[Credits], Decimal], maximum: bool) -> list[Reading]:
    return _checked(check, limit_of, credits_by_namespace(report), figure, maximum)


def _checked(check: str, limit_of: Limit, by_namespace: Sequence[tuple[str, C | None, str]],
             figure: Callable[[C], Decimal | None], maximum: bool) -> list[Reading]:
    out = []
    for ns, credit, why in by_namespace:
        limit = limit_of(ns)
        if limit is None:
            continue
        value = None if credit is None else figure(credit)
        if maximum:
            total: Total[Decimal] = Total(value) if value is not None else Total(None, (f"billing:{ns}",))
            out.append(above(check, ns, total, limit, money_total, money(limit), why))
        else:
            out.append(below(check, ns, value, limit, why))
    return out


def projected(report: Report, limit_of: Limit) -> list[Reading]:
    """Per namespace: the projected Inference Providers usage this period (the credits' projection) above its limit."""
    # no rate yet (`CreditsBurn.rate_unknown_why`): the projection is unknown, and says why
    burns = [(ns, c, why if c is None or c.projected_period_usd is not None else c.rate_unknown_why or why)
             for ns, c, why in burns_by_namespace(report)]
    return _checked("max_projected_usd", limit_of, burns, lambda c: c.projected_period_usd, maximum=True)


def remaining_credits(report: Report, limit_of: Limit) -> list[Reading]:
    """Per namespace: included credits remaining below its minimum."""
    return _credit_check("min_remaining_credits_usd", limit_of, report, lambda c: c.remaining_usd, maximum=False)


def overage(report: Report, limit_of: Limit) -> list[Reading]:
    """Per namespace: the Inference Providers overage this period above its limit."""
    return _credit_check("max_overage_usd", limit_of, report, lambda c: c.overage_usd, maximum=True)


def account_subject(report: Report) -> str:
    """The subject of an account-wide figure: the account when the poll covered all of it (or when which namespaces
    there are is unknown: the figure is then partial and says so), else the namespaces polled, so a `--namespace`
    poll never fires nor resets the whole account's alert with a figure of a part of it."""
    if not report.namespaces or report.namespaces_unknown or report.namespaces_not_polled == ():
        return ACCOUNT
    return f"only {', '.join(report.namespaces)} polled"


def cost_per_hour(report: Report, limit: Decimal | None, own: Mapping[str, Decimal] | None = None) -> list[Reading]:
    """The running cost now above `limit` per hour, of every polled namespace (`account_subject`); and each
    namespace in `own` against its own limit, on that namespace's running cost alone."""
    out = []
    if limit is not None:
        out.append(above("max_cost_per_hour_usd", account_subject(report), report.running_in(None), limit,
                         lambda t: money_total(t, unit="/h"), per_hour(limit)))
    for ns, ns_limit in (own or {}).items():
        if ns in report.namespaces:
            out.append(above("max_cost_per_hour_usd", ns, report.running_in(ns), ns_limit,
                             lambda t: money_total(t, unit="/h"), per_hour(ns_limit)))
    return out
