"""The alert rules of the config's `[alerts]`, as readings over a Report. Pure.

Each rule gives a reading per subject (a namespace, a resource, a source, or the account). A rule whose
subjects come and go (flags, unpriced items, failing sources, resource groups) also says whether its list is
complete: only then does a subject missing from it mean the alert is over.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from decimal import Decimal

from hfmon.alerts import checks
from hfmon.alerts.checks import ACCOUNT, Outcome, Reading
from hfmon.config import Alerts
from hfmon.costs.credits import MIN_PROJECTION_SPAN, TOO_EARLY
from hfmon.costs.month_charges import allowed_by_now, charged_for_month
from hfmon.costs.resources import EARLIEST
from hfmon.costs.totals import UNPRICED_PREFIX, endpoint_label, space_label
from hfmon.costs.uptime import resource_uptimes
from hfmon.format import duration, duration_against, money, money_total, percent, percent_against
from hfmon.models import SourceStatus
from hfmon.report import Report, Total
from hfmon.report_rows import GRANT_UNKNOWN_WHY

LONG_RUNNING_FLAGS = ("long_running_job", "idle_gpu")  # the Report's flags the long_running rule passes on
GROUP_SOURCES = ("resource_groups", "resource_group_usage")
RESOURCE_KINDS = {"endpoint": "endpoints", "space": "spaces", "job": "jobs"}  # a subject's first word -> listing


@dataclass(frozen=True, slots=True)
class RuleResult:
    """The readings of one rule; `complete`: every subject that could cross is among them."""

    rule: str
    readings: tuple[Reading, ...]
    complete: bool = False
    polled: Callable[[str], bool] | None = None  # with `complete`: whether the list speaks for a subject (None: all)
    gone_why: Callable[[str], str] | None = None  # why a subject gone from a complete list is over, in words

    def speaks_for(self, subject: str) -> bool:
        """A `subject` missing from the readings is known not to be crossed (so a firing alert on it is over)."""
        return self.complete and (self.polled is None or self.polled(subject))


def evaluate_rules(report: Report, alerts: Alerts, failing_since: Mapping[str, datetime]) -> list[RuleResult]:
    """The readings of every rule the config sets. `failing_since`: when hfmon first saw each failing source
    fail (from the alert state), for sources that never answered."""
    def limit(key: str) -> checks.Limit:
        return lambda ns: getattr(alerts.thresholds(None if ns == ACCOUNT else ns), key)

    out = [
        RuleResult("max_projected_usd", tuple(checks.projected(report, limit("max_period_usd")))),
        RuleResult("min_remaining_credits_usd",
                   tuple(checks.remaining_credits(report, limit("min_credits_remaining_usd")))),
        RuleResult("max_overage_usd", tuple(checks.overage(report, limit("max_overage_usd")))),
        RuleResult("max_credits_used_pct", tuple(credits_used(report, limit("max_credits_used_pct")))),
        RuleResult("monthly_budget_usd", tuple(budget_pace(report, limit("monthly_budget_usd")))),
    ]
    own = {ns: t.max_cost_per_hour_usd for ns, t in alerts.namespaces.items() if t.max_cost_per_hour_usd is not None}
    out.append(RuleResult("max_cost_per_hour_usd",
                          tuple(checks.cost_per_hour(report, alerts.max_cost_per_hour_usd, own))))
    if alerts.long_running:
        out.append(RuleResult("long_running", tuple(
            Reading("long_running", f.subject, Outcome.CROSSED, f.message, "", None, None, None, f.message)
            for f in report.current_flags if f.kind in LONG_RUNNING_FLAGS), True, idle_read(report)))
    if alerts.long_running_hours is not None:
        out.append(RuleResult("long_running_hours", tuple(up_too_long(report, alerts.long_running_hours)),
                              True, resources_read(report, listing_of)))
    if alerts.resource_group_limits:
        out.append(RuleResult("resource_group_limit", tuple(group_limits(report, alerts.limit_near_pct)),
                              True, resources_read(report, lambda _subject: GROUP_SOURCES)))
    if alerts.unpriced:
        out.append(RuleResult("unpriced", tuple(unpriced(report)), True, resources_read(report, listing_of),
                               unpriced_gone(report)))
    if alerts.source_failing_minutes is not None:
        out.append(RuleResult("source_failing", tuple(
            failing_sources(report, alerts.source_failing_minutes, failing_since)), True, source_polled(report)))
    return [r for r in out if r.readings or r.complete]


def namespaces_not_checked(report: Report, alerts: Alerts) -> list[str]:
    """What to tell a user of each `[alerts.namespace.X]` that names no namespace of the account (a typo, an org
    left): its thresholds are never checked. Nothing while whoami's list of namespaces is unread."""
    every = report.account_namespaces
    if every is None or report.account is None:
        return []
    return [f"[alerts.namespace.{ns}] is never checked: {ns} is not {report.account.name} or one of its orgs "
            f"({', '.join(every)}); check the name in the config file" for ns in alerts.namespaces if ns not in every]


def unpriced_now(report: Report) -> tuple[str, ...]:
    """The resources billed now that no catalog prices: the running cost's `unpriced:` missing parts. A resource
    asleep on unpriced hardware, or a line billed earlier this period, costs nothing now: it is not one."""
    return tuple(m.removeprefix(UNPRICED_PREFIX) for m in report.running_cost_per_hour_usd.missing
                 if m.startswith(UNPRICED_PREFIX))


def unpriced(report: Report) -> list[Reading]:
    """Each resource billed now that no catalog prices (crossed), and each Endpoint or Space still listed on
    unpriced hardware but not billed now: asleep, it costs nothing now, so it never fires, but it is still unpriced,
    so an alert it fired holds (unknown changes nothing) until it has a price or is gone from its listing: a Space
    that wakes and sleeps is one alert, not a fire and a reset per nap."""
    now = unpriced_now(report)
    out = [Reading("unpriced", item, Outcome.CROSSED, "unpriced", "", None, None, None,
                   "billed now and no catalog prices it: the running cost is partial") for item in now]
    listed = [endpoint_label(r.endpoint) for r in report.endpoints] + [space_label(r.space) for r in report.spaces]
    still = set(report.unpriced) - set(now)
    out += [Reading("unpriced", item, Outcome.UNKNOWN, "not billed now", "", None, None, None,
                    "not billed now, and still unpriced: its alert holds until it has a price or is gone")
            for item in listed if item in still]
    return out


def unpriced_gone(report: Report) -> Callable[[str], str]:
    """Why an unpriced resource's alert is over: its resource is listed with a price now, or is no longer listed."""
    listed = {f"endpoint {r.endpoint.id}" for r in report.endpoints} | {f"space {r.space.id}" for r in report.spaces}
    listed |= {f"job {r.job.id}" for r in report.jobs}
    return lambda subject: "priced now" if " ".join(subject.split(" ")[:2]) in listed else "no longer listed"


def listing_of(subject: str) -> tuple[str, ...]:
    """The listings a resource subject comes from: its kind's (`space ada/x (h100)`), an Endpoint's and a
    Space's for `ada/x` (a flag's subject), the Jobs' for a Job's id."""
    kind = RESOURCE_KINDS.get(subject.partition(" ")[0])
    if kind is not None:
        return (kind,)
    return ("endpoints", "spaces") if "/" in subject else ("jobs",)


def subject_namespace(subject: str, job_namespaces: Mapping[str, str]) -> str | None:
    """The namespace of a resource subject (`space ada/x (h100)`, `ada/x`, `ada/group total`, a Job's id); None
    for a Job no listing of this poll holds."""
    words = subject.split(" ")
    resource = words[1] if len(words) > 1 and words[0] in RESOURCE_KINDS else words[0]
    namespace, slash, _name = resource.partition("/")
    return namespace if slash else job_namespaces.get(resource)


def states_unknown(report: Report) -> dict[str, str]:
    """The resources whose state this poll is unknown (the Report's `unknown_stage` flags: a Space listed without its
    runtime, an Endpoint updating with a replica ready, a stage hfmon does not know), with why: the one predicate by
    which no resource rule fires or resets on them."""
    return {f.subject: f.message for f in report.current_flags if f.kind == "unknown_stage"}


def resources_read(report: Report, needs: Callable[[str], tuple[str, ...]]) -> Callable[[str], bool]:
    """Whether this poll read all that decides a resource subject: the `needs(subject)` sources of its namespace
    (`spaces` → spaces:ada), each polled and read. A namespace not polled (`--namespace`) or a source unread there
    says nothing of it, while a source unread elsewhere (billing:northwind no_access) does not matter. A Job no
    listing holds is over once every namespace's Jobs were read; a namespace no longer the account's, at once. A
    resource whose state is unknown this poll (`states_unknown`) is not spoken for: its alert neither ends nor
    starts."""
    unread = set(report.flags_unchecked)
    unknown = states_unknown(report)
    read = {s.name for s in report.sources if s.status is SourceStatus.OK and s.name not in unread}
    jobs = {row.job.id: row.job.namespace for row in report.jobs}
    every = report.account_namespaces

    def speaks_for(subject: str) -> bool:
        resource = subject.split(" ")[1] if subject.partition(" ")[0] in RESOURCE_KINDS else subject
        if resource in unknown:
            return False
        namespace = subject_namespace(subject, jobs)
        if namespace is None:
            return report.namespaces_not_polled == () and all(f"jobs:{ns}" in read for ns in report.namespaces)
        if every is not None and namespace not in every:
            return True
        return f"min_replica:{resource}" not in unread and all(f"{kind}:{namespace}" in read
                                                                for kind in needs(subject))
    return speaks_for


def idle_read(report: Report) -> Callable[[str], bool]:
    """`resources_read` for the long_running rule: a resource whose idle_gpu an unwatched gap left unchecked is not
    spoken for (neither idle nor clear)."""
    read = resources_read(report, listing_of)
    idle_unknown = set(report.idle_unchecked)
    return lambda subject: read(subject) and subject not in idle_unknown


def credits_used(report: Report, limit_of: checks.Limit) -> list[Reading]:
    """Per namespace with included credits: the share used, in %, above its limit."""
    out = []
    for ns, credit, why in checks.credits_by_namespace(report):
        limit = limit_of(ns)
        if limit is None or (credit is not None and credit.included_usd <= 0):
            continue  # no included credits: no share of them to alert on
        used = None if credit is None else credit.used_usd * 100 / credit.included_usd  # exact: rounded for display
        total: Total[Decimal] = Total(used) if used is not None else Total(None, (f"billing:{ns}",))
        out.append(checks.above("max_credits_used_pct", ns, total, limit,
                                _share_against(limit), percent_against(limit, limit)[1], why))
    return out


def _share_against(limit: Decimal) -> Callable[[Total[Decimal]], str]:
    """How a share of the included credits reads beside `limit`: never rounded onto it (`0.6%` over `0.5%`)."""
    return lambda t: "unknown" if t.value is None else percent_against(t.value, limit)[0]


def budget_pace(report: Report, limit_of: checks.Limit) -> list[Reading]:
    """Per namespace: spend this period against what a monthly budget allows by now (the budget spread evenly
    over the billing period, less the month's storage charge, billed whole: `costs.month_charges`), so a budget is
    not "80% used" on the 25th by design, nor fine on the 3rd at three times its pace, nor broken on the 1st by a
    charge for the whole month. The period is the billing period of the spend's statement or usage. A namespace with a
    budget whose spend could not be read at all is unknown, never skipped."""
    out = []
    spent = {s.namespace: s for s in report.spend}
    for ns, _credit, why in checks.credits_by_namespace(report):  # every polled namespace, or the account
        budget = limit_of(ns)
        if budget is None or ns in spent:
            continue
        unread: Total[Decimal] = Total(None, (f"billing:{ns}", f"statement:{ns}")) if report.namespaces else \
            Total(None, report.namespaces_unknown)
        why = "neither its usage nor its statement could be read" if report.namespaces else why
        out.append(checks.above("monthly_budget_usd", ns, unread, budget, money_total, money(budget), why))
    failed = {s.name for s in report.sources if s.stale}
    for spend in report.spend:
        budget = limit_of(spend.namespace)
        start, end = spend.period_start, spend.period_end
        if budget is None or start is None or end is None:
            continue
        # a part read from a source that failed this poll is its last good value: missing, never the spend now
        read_now, why = spend.total_read_now(failed), checks.failed_now(report, spend.sources)
        at_most = spend.at_most_read_now(failed)  # this period's inference unknown, but bounded by usage-v2's
        if report.generated_at - start < MIN_PROJECTION_SPAN:  # no pace yet: only the whole budget is judged
            out.append(_too_early(spend.namespace, read_now, budget, why, at_most))
            continue
        elapsed = min(max(report.generated_at - start, timedelta(0)), end - start)
        # the month's storage charge is billed whole from the period's start: only the rest is paced; unread, it
        # counts as none, which allows less, so a known part above that is above the true pace too
        for_month = charged_for_month(spend, failed) or Decimal(0)
        share = Decimal(elapsed.total_seconds()) / Decimal((end - start).total_seconds())
        allowed = allowed_by_now(budget, for_month, share).quantize(Decimal("0.000001"))
        into = duration(elapsed.total_seconds())
        charge = f"the month's {money(for_month)} storage charge"
        pace = f"a {money(budget)} budget's pace" if not for_month else \
            f"{charge}, and the rest of a {money(budget)} budget at its pace" if for_month < budget else \
            f"the whole budget: {charge} alone reaches it"
        pace = f"{money(allowed)} ({pace}, {into} into the period)"
        out.append(checks.above("monthly_budget_usd", spend.namespace, read_now, allowed, money_total, pace, why,
                                at_most))
    return out


def _too_early(namespace: str, spent: Total[Decimal], budget: Decimal, why: str, at_most: Decimal | None) -> Reading:
    """A budget in its period's first hours (under `MIN_PROJECTION_SPAN`, the credits' one rule): spend already
    above the whole budget crosses it; anything less is unknown (minutes of spend are no month's pace), so an
    alert neither fires nor resets on it."""
    whole = f"{money(budget)} (the whole budget)"
    reading = checks.above("monthly_budget_usd", namespace, spent, budget, money_total, whole, why, at_most)
    if reading.outcome is Outcome.CROSSED:
        return reading
    early = f"its pace against a {money(budget)} budget is not judged: {TOO_EARLY}"
    return replace(reading, outcome=Outcome.UNKNOWN, value=None, why=f"{early}; {why}" if why else early)


def up_too_long(report: Report, hours: Decimal) -> list[Reading]:
    """Each Endpoint and Space that costs money now and has been up without a break for longer than `hours`
    (`costs.uptime`). Free hardware and a resource down read 0 h; a stretch that may have begun before history
    did, or that hfmon stopped watching for a while, is known only as a lower bound: it crosses once that bound is
    past the limit, holds while the longest it can have been up is within it, and is unknown between the two. A
    resource whose listing failed this poll is unknown: its state is the listing's last good value; so is one in a
    state whose billing is unknown now (`states_unknown`: an Endpoint updating with a replica ready, a Space listed
    without its runtime), never "not billed now"; and one that may be granted (`ResourceCost.billed_now` None)
    unless the longest it can have been up is within the limit."""
    check, limit_s, out = "long_running_hours", hours * 3600, []
    threshold = duration(float(limit_s))
    unknown = states_unknown(report)
    for resource in resource_uptimes(report):
        subject, up, billed = f"{resource.kind} {resource.id}", resource.uptime, resource.billed
        failed = checks.failed_now(report, (f"{RESOURCE_KINDS[resource.kind]}:{resource.namespace}",))
        if failed:  # its state is the listing's last good value: whether it is still up (or down) now is unknown
            out.append(Reading(check, subject, Outcome.UNKNOWN, "unknown", threshold, None, None, limit_s, failed))
            continue
        seconds = Decimal(int(up.at_least.total_seconds()))
        if up.state_unknown:  # up or not now is unknown (no runtime, an Endpoint updating): never "not billed now"
            out.append(Reading(check, subject, Outcome.UNKNOWN, "unknown", threshold, None, None, limit_s,
                               unknown.get(resource.id,
                                           "it is in a state no source says bills or not, with a replica ready")))
            continue
        if not up.up or billed is False:
            out.append(Reading(check, subject, Outcome.OK, "not billed now", threshold, Decimal(0), Decimal(0),
                               limit_s))
            continue
        figure = "up " + ("" if up.exact else "at least ") + duration_against(float(seconds), float(limit_s))
        within = up.at_most is not None and up.at_most.total_seconds() <= limit_s
        if billed is None and not within:  # it may be granted: up that long, billed or not is unknown
            out.append(Reading(check, subject, Outcome.UNKNOWN, figure, threshold, None, None, limit_s,
                               GRANT_UNKNOWN_WHY))
        elif seconds > limit_s:
            out.append(Reading(check, subject, Outcome.CROSSED, figure, threshold, seconds if up.exact else None,
                               seconds, limit_s, f"{figure} without a break (billed all along)"))
        elif within:
            out.append(Reading(check, subject, Outcome.OK, figure, threshold, seconds if up.exact else None,
                               seconds, limit_s))
        else:
            out.append(Reading(check, subject, Outcome.UNKNOWN, figure, threshold, None, seconds, limit_s,
                               (UNSURE_BEFORE_SPACE if resource.kind == "space" else UNSURE_BEFORE)
                               if up.after_unknown else _not_watched(up.gap, up.billed_since)))
    return out


UNSURE_BEFORE = "before that it was in a state no source says bills or not, so whether it was up then is unknown"
UNSURE_BEFORE_SPACE = "before that it was listed without its runtime, so whether it was up then is unknown"


def _not_watched(gap: tuple[datetime, datetime] | None, billed_since: datetime | None = None) -> str:
    """Why an unbroken stretch up is known only as a lower bound, in words."""
    if billed_since is not None:
        return (f"its statement has billed it without a break since {billed_since:%Y-%m-%d %H:%M} UTC; "
                "what came before is unknown")
    if gap is None or gap[0] <= EARLIEST:
        return "it was already up when hfmon's history began"
    return (f"hfmon was not running for {duration((gap[1] - gap[0]).total_seconds())} until "
            f"{gap[1]:%Y-%m-%d %H:%M} UTC, so whether it stayed up then is unknown")


def group_limits(report: Report, near_pct: Decimal) -> list[Reading]:
    """Each resource group limit: crossed when the Report says it is near or over (at `limit_near_pct`); unknown
    while a source of its org failed this poll (its spend or limit is then a last good value, never checked as now)."""
    out = []
    for group in report.resource_groups or ():
        failed = checks.failed_now(report, (f"{kind}:{group.namespace}" for kind in GROUP_SOURCES))
        for lim in group.limits or ():
            subject = f"{group.namespace}/{group.name} {lim.product}"
            if failed:
                out.append(Reading("resource_group_limit", subject, Outcome.UNKNOWN, "unknown", percent(near_pct),
                                   None, None, near_pct, failed))
                continue
            outcome = {"near": Outcome.CROSSED, "over": Outcome.CROSSED, "ok": Outcome.OK,
                       "closed": Outcome.OK}.get(lim.state, Outcome.UNKNOWN)  # closed: turned off, nothing refused
            share = "" if lim.used_pct is None and lim.limit_usd <= 0 else \
                f"{percent(lim.used_pct, missing='unknown', places=1)}, "  # no spend is a share of a $0 limit
            figure = f"{money(lim.spent_usd, missing='unknown')} of {money(lim.limit_usd)} ({share}{lim.state})"
            out.append(Reading("resource_group_limit", subject, outcome, figure, percent(near_pct), lim.used_pct,
                               lim.used_pct, near_pct, figure if outcome is not Outcome.UNKNOWN
                               else group.spend_unknown_why or "its usage could not be read"))
    return out


def source_polled(report: Report) -> Callable[[str], bool]:
    """Whether this poll says anything about a source: it polled it, or the source's namespace is no longer the
    account's. A source not polled (whoami failed, `--namespace`) may still fail: its alert is neither over nor new."""
    polled = {s.name for s in report.sources}
    known = report.account_namespaces

    def speaks_for(name: str) -> bool:
        namespace = name.partition(":")[2]
        return name in polled or (known is not None and namespace != "" and namespace not in known)
    return speaks_for


def failing_sources(report: Report, minutes: Decimal, failing_since: Mapping[str, datetime]) -> list[Reading]:
    """Each source without a good answer for longer than `minutes`: since its last good value, or since hfmon
    first saw it fail (unknown when neither is known: it is recorded now, and fires once old enough)."""
    out = []
    limit_s = float(minutes) * 60
    for source in report.sources:
        if source.answered:
            continue
        since = source.fetched_at or failing_since.get(source.name)
        if since is None:
            out.append(Reading("source_failing", source.name, Outcome.UNKNOWN, "unknown", duration(limit_s),
                               None, None, minutes, "first seen failing now"))
            continue
        failing_s = int((report.generated_at - since).total_seconds())  # whole seconds: compared as shown
        outcome = Outcome.CROSSED if failing_s > limit_s else Outcome.OK
        figure = duration_against(failing_s, limit_s)
        what = (f"no good answer for {figure}" + (f": {source.error}" if source.error else "")
                + (f" ({source.hint})" if source.hint else ""))
        out.append(Reading("source_failing", source.name, outcome, figure, duration(limit_s),
                           Decimal(int(failing_s)), Decimal(int(failing_s)), Decimal(int(limit_s)), what))
    return out
