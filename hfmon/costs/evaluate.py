"""`evaluate(snapshot, history, config, now) -> Report`: every number hfmon shows, from data alone.

Pure: it never reads a clock and never does I/O (the bundled price tables are package data, read once and
cached; pass `catalog=` to avoid even that). Per namespace, the billing period is the statement's, else
`usage-v2`'s, else the UTC calendar month containing `now`.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from hfmon.config import Config
from hfmon.costs import flags as flagging
from hfmon.costs.credits import (
    credits_burn,
    credits_for,
    day_ago_point,
    namespace_credits_period,
    namespace_period,
    usage_window,
    user_period,
)
from hfmon.costs.crosscheck import behind_rows, inference_rows, line_rows, storage_rows, total_rows
from hfmon.costs.groups import group_flags, group_rows, groups_unchecked
from hfmon.costs.index import HistoryIndex
from hfmon.costs.inference_totals import inference_by_namespace
from hfmon.costs.ledger import proxy_checks, proxy_usage
from hfmon.costs.ledger_scope import owners, polled_gaps, polled_rows, scope_of
from hfmon.costs.observed import history_rows
from hfmon.costs.provider_time import provider_spend
from hfmon.costs.resource_rows import Gathered, endpoint_row, hours, job_row, lines_by_resource, space_row
from hfmon.costs.resources import UPTIME_WINDOW
from hfmon.costs.scheduled import scheduled_rows
from hfmon.costs.statement_lines import (
    FAMILY_KIND,
    LinePricer,
    PricedLine,
    charge_in,
    charge_line,
    charges_astride,
    compute_lines,
    line_granted,
    unaccounted,
)
from hfmon.costs.timeline import (
    SPARK_HOURS,
    Coverage,
    hour_bounds,
)
from hfmon.costs.totals import (
    crosscheck_unchecked,
    inference_total,
    invoices_read,
    listings_missing,
    meter_rows,
    namespace_spend,
    namespaces_unknown,
    running_total,
    storage_total,
    unchecked_sources,
)
from hfmon.costs.windows import jobs_cut, jobs_unlisted, report_windows, wanted_windows
from hfmon.costs.zero_gpu_windows import overage_lines, quota_spent
from hfmon.history import BILLING, History, Window
from hfmon.models import Account, NamespaceData, Snapshot, SourceStatus
from hfmon.pricing.catalog import Catalog, build_catalog
from hfmon.report import (
    OrgSummary,
    Report,
    SourceState,
)
from hfmon.report_rows import stale_cost
from hfmon.repositories import repositories

HISTORY_BACK = timedelta(hours=48)


def history_since(snapshot: Snapshot, now: datetime) -> datetime:
    """The earliest moment `evaluate` reads history from: the oldest period start (the statements' and the
    credits'), or 48 h ago if earlier
    (the 24 h figures, and the 24 h window's window before).

    Loading history from here (the store adds each series' last row before it) gives the same Report as
    loading all of it, faster. Spend windows reaching further back are unknown (`windows`).
    """
    starts = [period(ns, now).start for ns in snapshot.namespaces for period in (
        namespace_period, namespace_credits_period)] or [usage_window(now).start]
    return min(*starts, now - HISTORY_BACK)


def history_windows(snapshot: Snapshot, now: datetime, *, hourly: bool = True) -> list[Window]:
    """The windows to ask the store to sum for `evaluate(snapshot, ..., now)` (`History.window_times`): the spend
    windows, the uptime windows and each of the last 24 hours, those starting at `history_since` or later (an
    earlier one is never covered: history is loaded from there)."""
    since = history_since(snapshot, now)
    starts = {ns.namespace: namespace_period(ns, now).start for ns in snapshot.namespaces}
    uptime = [(start, now) for start in (*starts.values(), now - UPTIME_WINDOW) if start < now]  # `resource_cost`
    hours = hour_bounds(now, SPARK_HOURS) if hourly else ()  # `_with_hourly`; `hfmon once` shows none
    return [w for w in dict.fromkeys([*wanted_windows(starts, now), *uptime, *hours]) if w[0] >= since]


INCLUDED_UNKNOWN = "usage-v2 did not say how many credits are included, so what is left and any overage are unknown"
ORG_INCLUDED_ZERO = ("usage-v2 says $0.00 included for this org, which its answer for orgs may not carry (HF gives "
                     "$2.00 a seat, pooled, to Team and Enterprise orgs), so what is left and any overage are unknown")


def evaluate(snapshot: Snapshot, history: History, config: Config, now: datetime, *,
             catalog: Catalog | None = None) -> Report:
    """The Report of one snapshot at `now`; prices from `catalog` or built from snapshot + bundled + config."""
    catalog = catalog or build_catalog(snapshot, config.prices)
    account = snapshot.account.value
    acc = Gathered(history, now)
    ordered = sorted(snapshot.namespaces, key=lambda n: (n.kind != "user", n.namespace))
    index = HistoryIndex(history)
    # what was loaded before `history_since` is each series' last row, not all of it: no evidence of what it did
    loaded_from = history_since(snapshot, now)
    acc.coverage = Coverage(history, None if index.since is None else max(index.since, loaded_from))
    acc.quota_spent = account.name if account is not None and quota_spent(snapshot.zero_gpu.value) else None
    for ns in ordered:
        _namespace(ns, index, config, catalog, now, acc)
    scope = scope_of(snapshot)
    scoped, unsure = polled_rows(history.ledger or (), scope)
    proxy = None if history.ledger is None else proxy_usage(
        scoped, {s.session_id: s for s in history.settled}, snapshot.router_prices.value, now,
        user_period(snapshot, now).start, unsure, owners(snapshot), config.prices.models,
        polled_gaps(history.ledger_gaps, scope))
    if proxy is not None:
        acc.crosscheck += proxy_checks(proxy, config.tolerance)
    provider_coverage = Coverage(history, history.provider_points[0].at if history.provider_points else None)
    over_time = () if history.ledger is None else provider_spend(
        history.provider_points, now, user_period(snapshot, now).start,
        lambda start, end, namespace: provider_coverage.covers(start, end, (namespace, BILLING)))
    acc.crosscheck.sort(key=lambda c: (not c.item.startswith("total"), c.item))
    unknown = namespaces_unknown(snapshot)
    groups, groups_missing = group_rows(ordered, config.alerts, unknown)
    endpoint_found, endpoints_idle_unchecked = flagging.endpoint_flags(acc.endpoints, index.changes_of,
                                                                       acc.unwatched_in, config.alerts, now)
    space_found, spaces_idle_unchecked = flagging.space_flags(acc.spaces, acc.space_gpu, index.changes_of,
                                                              acc.unwatched_in, config.alerts, now)
    job_found, jobs_unchecked = flagging.job_flags(acc.jobs, config.alerts, now)
    # the clocks first: every time and figure below is read by them
    flags = (flagging.clock_flags(snapshot.hf_clock_ahead_s) + flagging.credit_flags(
        [*acc.credits, *(burn for burn, _why in acc.credits_unknown.values())], config.alerts)
             + endpoint_found + space_found + job_found
             + flagging.unknown_stage_flags([*(r.endpoint for r in acc.endpoints), *(r.space for r in acc.spaces),
                                             *(r.job for r in acc.jobs)])
             + flagging.zero_gpu_flags(snapshot.zero_gpu.value, catalog.zero_gpu_overage)
             + group_flags(groups or ()))
    meter = meter_rows(snapshot, acc.endpoints, acc.spaces, acc.jobs)
    invoices, invoices_missing = invoices_read(ordered, unknown)
    scheduled, scheduled_missing = scheduled_rows(ordered, catalog, unknown)
    return Report(
        generated_at=now, account=account,
        orgs=_orgs(account, snapshot),
        billing_access=_user_billing(account, snapshot),
        credits=tuple(acc.credits),
        inference=inference_total(snapshot, ordered),
        inference_by_namespace=inference_by_namespace(ordered),
        endpoints=tuple(acc.endpoints),
        spaces=tuple(acc.spaces),
        jobs=tuple(acc.jobs),
        storage=storage_total(ordered, unknown),
        repositories=repositories(ordered, unknown),
        api_health=snapshot.api_health,
        zero_gpu=snapshot.zero_gpu.value,
        running_cost_per_hour_usd=running_total(snapshot, meter),
        crosscheck=tuple(acc.crosscheck),
        unpriced=tuple(acc.unpriced),
        flags=tuple(flags),
        sources=tuple(_sources(snapshot, now)),
        gpu_hours_by_hardware=tuple((hw, hours(m)) for hw, m in sorted(acc.gpu_minutes.items())),
        spend=tuple(acc.spend),
        # a namespace without its included credits, an endpoint without its min replica: flags not computed
        flags_unchecked=tuple(dict.fromkeys([*unchecked_sources(snapshot),
                                             *(f"billing:{ns}" for ns in acc.credits_unknown),
                                             *flagging.endpoint_flags_unchecked(acc.endpoints),
                                             *flagging.space_flags_unchecked(acc.spaces),
                                             *endpoints_idle_unchecked.values(),
                                             *spaces_idle_unchecked.values(),
                                             *jobs_unchecked.values(),
                                             *groups_unchecked(groups or ())])),
        idle_unchecked=(*endpoints_idle_unchecked, *spaces_idle_unchecked, *jobs_unchecked),
        credits_unknown=tuple(acc.credits_unknown.values()),
        meter_rows=meter,
        gpu_hours_missing=invoices_missing,
        resource_groups=groups, resource_groups_missing=groups_missing,
        proxy=proxy, provider_spend=over_time,
        scheduled_jobs=scheduled, scheduled_jobs_missing=scheduled_missing,
        unpriced_missing=listings_missing(ordered, unknown),
        invoices=invoices, invoices_missing=invoices_missing,
        windows=report_windows(index, acc.coverage, catalog, acc.period_starts, acc.spend, acc.endpoints,
                               acc.spaces, acc.jobs, now, history.window_times, jobs_unlisted(ordered),
                               acc.billed_at_zero, jobs_cut(ordered), acc.zero_gpu_overage,
                               {ns.namespace: ns.usage_windows for ns in ordered}, loaded_from,
                               {ns.namespace: ns.billing.name for ns in ordered
                                if ns.billing.status is SourceStatus.NO_ACCESS}),
        changes_of=index.changes_of, unwatched=acc.unwatched, statement_bounds=history.statement_bounds,
        namespaces_unknown=unknown,
        crosscheck_unchecked=crosscheck_unchecked(ordered, unknown),
    )


def _namespace(ns: NamespaceData, history: HistoryIndex, config: Config, catalog: Catalog, now: datetime,
               acc: Gathered) -> None:
    checked_before = len(acc.crosscheck)
    _namespace_figures(ns, history, config, catalog, now, acc)
    # a Job's check names no namespace in its item: each says whose figures it checks
    acc.crosscheck[checked_before:] = [replace(c, namespace=ns.namespace) for c in acc.crosscheck[checked_before:]]


def _namespace_figures(ns: NamespaceData, history: HistoryIndex, config: Config, catalog: Catalog, now: datetime,
                       acc: Gathered) -> None:
    period, credits = namespace_period(ns, now), namespace_credits_period(ns, now)  # statement's; usage-v2's
    acc.period_starts[ns.namespace] = period.start
    billing = ns.billing.value
    # a last good usage-v2 (it failed this poll) is measured as of when it was read: its used at `now` would make
    # the rate, the projection and each crossing wrong by the outage's length, under a STALE badge saying "as of"
    as_of = ns.billing.fetched_at if ns.billing.status is SourceStatus.STALE and ns.billing.fetched_at else now
    day_ago = day_ago_point(ns)
    unsaid = None if billing is None else INCLUDED_UNKNOWN if billing.inference.included_usd is None else \
        ORG_INCLUDED_ZERO if ns.kind == "org" and billing.inference.included_usd == 0 else None
    if billing is not None and unsaid is not None:
        burn = credits_burn(ns.namespace, billing.inference, history.usage_of(ns.namespace), as_of, credits,
                            day_ago)
        acc.credits_unknown[ns.namespace] = (burn, unsaid)
        acc.crosscheck += inference_rows(billing, ns.sessions.value, credits, burn.provisional_usd or Decimal(0),
                                         config.tolerance)
    elif billing is not None:
        credit = credits_for(ns.namespace, billing.inference, history.usage_of(ns.namespace), as_of, credits,
                             day_ago)
        acc.credits.append(credit)
        acc.crosscheck += inference_rows(billing, ns.sessions.value, credits, credit.provisional_usd or Decimal(0),
                                         config.tolerance)
    endpoints = ns.endpoints.value or ()
    regions = {e.id: e.region for e in endpoints}
    lines: list[PricedLine] | None = None
    parsed = compute_lines(ns)
    if ns.statement.value is not None and parsed is not None:
        pricer = LinePricer(ns.namespace, catalog, regions, ns.jobs.value or ())
        lines = [pricer.priced(*p) for p in parsed]
        acc.crosscheck += line_rows(lines, config.tolerance) + total_rows(ns.namespace, lines, config.tolerance)
        acc.crosscheck += storage_rows(ns.namespace, ns.statement.value.lines,
                                       catalog.bundled.storage_private_tiers[0], config.tolerance)
        acc.crosscheck += history_rows(lines, history.changes_of, history.poll_gap_s, now, config.tolerance,
                                       history.span_times)
        for p in lines:
            if p.contradicted:  # history prices that hardware unknown too, as the meter does (`catalog_price`)
                key = (FAMILY_KIND[p.family], p.key)
                acc.billed_at_zero[key] = acc.billed_at_zero.get(key, frozenset()) | {p.hardware}
            if p.price is None and line_granted(p.line) is not True:
                acc.unpriced[f"{p.family.rstrip('s')} {p.key} ({p.hardware})"] = None
            if p.family == "spaces" and catalog.is_gpu("space", p.hardware):
                acc.gpu_minutes[p.hardware] = acc.gpu_minutes.get(p.hardware, Decimal(0)) + p.line.quantity
        # a statement kept from an earlier poll says nothing of the time since it was read
        read_at = now if ns.statement.status is SourceStatus.OK else ns.statement.fetched_at or period.start
        acc.zero_gpu_overage[ns.namespace] = overage_lines(
            lines, period.start, read_at, (r for r in history.zero_gpu_overage if r.namespace == ns.namespace))
    astride = charges_astride(ns, period.start, period.end)
    jobs_behind = None  # the statement behind another HF figure of the period on Jobs
    if billing is not None or lines is not None:
        acc.spend.append(spend := namespace_spend(ns, lines, period, credits, bool(astride)))
        acc.crosscheck += behind_rows(ns.namespace, spend.behind, config.tolerance)
        jobs_behind = next((b for b in spend.behind if b.product == "jobs"), None)
    by_resource = lines_by_resource(lines, unaccounted(ns, parsed or ()) | astride)
    # a listing that failed this poll gives its last good value's rows: none of their $/h is a figure of now
    stale = {kind for kind, source in (("endpoints", ns.endpoints), ("spaces", ns.spaces), ("jobs", ns.jobs))
             if source.status is SourceStatus.STALE}
    for e in endpoints:
        row_e = endpoint_row(e, catalog, by_resource, history, period, now, acc)
        acc.endpoints.append(replace(row_e, cost=stale_cost(row_e.cost)) if "endpoints" in stale else row_e)
    for s in ns.spaces.value or ():
        row, gpu = space_row(s, catalog, by_resource, history, period, now, acc)
        acc.spaces.append(replace(row, cost=stale_cost(row.cost)) if "spaces" in stale else row)
        acc.space_gpu.append(gpu)
    charges = None
    if lines is None and ns.job_charges is not None and ns.job_charges.value is not None:
        pricer = LinePricer(ns.namespace, catalog, regions, ns.jobs.value or ())
        charges = [p for p in (pricer(charge_line(c)) for c in ns.job_charges.value
                               if charge_in(c, period.start, period.end)) if p is not None]
    job_lines = by_resource if lines is not None else lines_by_resource(charges, astride)  # once, not once per job
    for j in ns.jobs.value or ():
        row_j = job_row(j, catalog, job_lines, history, period, now, acc, jobs_behind)
        acc.jobs.append(replace(row_j, cost=stale_cost(row_j.cost)) if "jobs" in stale else row_j)


def _orgs(account: Account | None, snapshot: Snapshot) -> tuple[OrgSummary, ...]:
    if account is None:
        return ()
    return tuple(OrgSummary(org.name, org.plan, org.role, _billing_access(snapshot.namespace(org.name)))
                 for org in account.orgs or ())


def _user_billing(account: Account | None, snapshot: Snapshot) -> bool | None:
    user = snapshot.namespace(account.name) if account else next(
        (n for n in snapshot.namespaces if n.kind == "user"), None)
    return _billing_access(user)


def _billing_access(ns: NamespaceData | None) -> bool | None:
    """Readable billing: True; a missing permission (403): False; not polled, or failed otherwise: None (unknown)."""
    if ns is None:
        return None
    if ns.billing.usable:
        return True
    return False if ns.billing.status is SourceStatus.NO_ACCESS else None


def _sources(snapshot: Snapshot, now: datetime) -> Iterable[SourceState]:
    cut = {ns.jobs.name: ns.jobs_cut for ns in snapshot.namespaces if ns.jobs_cut is not None}
    for s in snapshot.sources():
        age = None if s.fetched_at is None else max(int((now - s.fetched_at).total_seconds()), 0)
        yield SourceState(s.name, s.status, s.fetched_at, age, s.error, s.hint, s.http_status, s.failure,
                          s.from_cache, cut.get(s.name))
