"""`evaluate(snapshot, history, config, now) -> Report`: every number hfmon shows, from data alone.

Pure: it never reads a clock and never does I/O (the bundled price tables are package data, read once and
cached; pass `catalog=` to avoid even that). Per namespace, the billing period is the statement's, else
`usage-v2`'s, else the UTC calendar month containing `now`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime, timedelta
from decimal import Decimal

from hfmon.config import Config
from hfmon.costs import flags as flagging
from hfmon.costs.billing_rules import endpoint_replicas, job_price, job_replicas, job_time_left, space_replicas
from hfmon.costs.credits import (
    Period,
    credits_burn,
    credits_for,
    namespace_credits_period,
    namespace_period,
    usage_window,
    user_period,
)
from hfmon.costs.crosscheck import inference_rows, line_rows, storage_rows, total_rows
from hfmon.costs.groups import group_flags, group_rows
from hfmon.costs.index import HistoryIndex
from hfmon.costs.ledger import proxy_checks, proxy_usage
from hfmon.costs.ledger_scope import owners, polled_rows
from hfmon.costs.observed import history_rows
from hfmon.costs.provider_time import provider_spend
from hfmon.costs.resources import EARLIEST, UPTIME_WINDOW, resource_cost
from hfmon.costs.scheduled import scheduled_rows
from hfmon.costs.statement_lines import (
    LinePricer,
    PricedLine,
    charge_in,
    charge_line,
    charges_astride,
    compute_lines,
    unaccounted,
)
from hfmon.costs.timeline import (
    SPARK_HOURS,
    Coverage,
    HardwarePrice,
    catalog_price,
    hour_bounds,
    hourly_usd,
    rated_spans,
)
from hfmon.costs.totals import (
    crosscheck_unchecked,
    endpoint_label,
    inference_by_namespace,
    inference_total,
    invoices_read,
    job_label,
    meter_rows,
    namespace_spend,
    namespaces_unknown,
    running_total,
    space_label,
    storage_total,
    unchecked_sources,
)
from hfmon.costs.windows import jobs_unlisted, report_windows, wanted_windows
from hfmon.history import BILLING, History, Listing, Window, unwatched
from hfmon.models import Account, Endpoint, Job, NamespaceData, Snapshot, SourceStatus, Space
from hfmon.pricing.catalog import Catalog, build_catalog, is_zero_gpu
from hfmon.report import (
    Credits,
    CreditsBurn,
    CrossCheck,
    EndpointRow,
    JobRow,
    OrgSummary,
    Price,
    Report,
    SourceState,
    SpaceRow,
    Spend,
)
from hfmon.repositories import repositories

HISTORY_BACK = timedelta(hours=48)
FREE_SPACE = frozenset({None, ""})  # a Space without hardware (static) costs nothing


def hours(minutes: Decimal) -> Decimal:
    """Minutes as hours, to the micro-hour."""
    return (minutes / 60).quantize(Decimal("0.000001"))


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


class _Acc:
    """What evaluate gathers across namespaces."""

    def __init__(self, history: History, now: datetime) -> None:
        self.credits: list[Credits] = []
        self.credits_unknown: dict[str, tuple[CreditsBurn, str]] = {}  # namespace → what is known, why no more
        self.endpoints: list[EndpointRow] = []
        self.spaces: list[SpaceRow] = []
        self.space_gpu: list[bool] = []
        self.jobs: list[JobRow] = []
        self.crosscheck: list[CrossCheck] = []
        self.unpriced: dict[str, None] = {}
        self.gpu_minutes: dict[str, Decimal] = {}
        self.spend: list[Spend] = []
        self.period_starts: dict[str, datetime] = {}
        self.coverage: Coverage | None = None
        self.unwatched: dict[Listing, tuple[Window, ...]] = {}  # by listing, as `unwatched_in` found them
        self._history, self._now = history, now
        self._space_prices: dict[str, Price | None] = {}

    def unwatched_in(self, namespace: str, kind: str) -> tuple[Window, ...]:
        """The stretches of history no poll that listed `kind` in `namespace` fresh watched (`history.unwatched`)."""
        listing = (namespace, kind)
        gaps = self.unwatched.get(listing)
        if gaps is None:
            gaps = self.unwatched[listing] = tuple(unwatched(self._history.runs_of(listing), EARLIEST, self._now))
        return gaps

    def space_price(self, catalog: Catalog, hardware: str) -> Price | None:
        """`catalog.space(hardware)`, looked up once per flavor (thousands of Spaces share a few)."""
        if hardware not in self._space_prices:
            self._space_prices[hardware] = catalog.space(hardware)
        return self._space_prices[hardware]


def evaluate(snapshot: Snapshot, history: History, config: Config, now: datetime, *,
             catalog: Catalog | None = None) -> Report:
    """The Report of one snapshot at `now`; prices from `catalog` or built from snapshot + bundled + config."""
    catalog = catalog or build_catalog(snapshot, config.prices)
    account = snapshot.account.value
    acc = _Acc(history, now)
    ordered = sorted(snapshot.namespaces, key=lambda n: (n.kind != "user", n.namespace))
    index = HistoryIndex(history)
    # what was loaded before `history_since` is each series' last row, not all of it: no evidence of what it did
    loaded_from = history_since(snapshot, now)
    acc.coverage = Coverage(history, None if index.since is None else max(index.since, loaded_from))
    for ns in ordered:
        _namespace(ns, index, config, catalog, now, acc)
    scoped, unsure = polled_rows(history.ledger or (), snapshot)
    proxy = None if history.ledger is None else proxy_usage(
        scoped, {s.session_id: s for s in history.settled}, snapshot.router_prices.value, now,
        user_period(snapshot, now).start, unsure, owners(snapshot), config.prices.models)
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
    flags = (flagging.credit_flags(acc.credits, config.alerts) + endpoint_found + space_found
             + flagging.job_flags(acc.jobs, config.alerts, now)
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
                                             *spaces_idle_unchecked.values()])),
        idle_unchecked=(*endpoints_idle_unchecked, *spaces_idle_unchecked),
        credits_unknown=tuple(acc.credits_unknown.values()),
        meter_rows=meter,
        gpu_hours_missing=invoices_missing,
        resource_groups=groups, resource_groups_missing=groups_missing,
        proxy=proxy, provider_spend=over_time,
        scheduled_jobs=scheduled, scheduled_jobs_missing=scheduled_missing,
        invoices=invoices, invoices_missing=invoices_missing,
        windows=report_windows(index, acc.coverage, catalog, acc.period_starts, acc.spend, acc.endpoints,
                               acc.spaces, acc.jobs, now, history.window_times, jobs_unlisted(ordered)),
        changes_of=index.changes_of, unwatched=acc.unwatched,
        namespaces_unknown=unknown,
        crosscheck_unchecked=crosscheck_unchecked(ordered, unknown),
    )


def _namespace(ns: NamespaceData, history: HistoryIndex, config: Config, catalog: Catalog, now: datetime,
               acc: _Acc) -> None:
    period, credits = namespace_period(ns, now), namespace_credits_period(ns, now)  # statement's; usage-v2's
    acc.period_starts[ns.namespace] = period.start
    billing = ns.billing.value
    # a last good usage-v2 (it failed this poll) is measured as of when it was read: its used at `now` would make
    # the rate, the projection and each crossing wrong by the outage's length, under a STALE badge saying "as of"
    as_of = ns.billing.fetched_at if ns.billing.status is SourceStatus.STALE and ns.billing.fetched_at else now
    if billing is not None and billing.inference.included_usd is None:
        burn = credits_burn(ns.namespace, billing.inference, history.usage_of(ns.namespace), as_of, credits)
        acc.credits_unknown[ns.namespace] = (burn, INCLUDED_UNKNOWN)
        acc.crosscheck += inference_rows(billing, ns.sessions.value, credits, burn.provisional_usd or Decimal(0),
                                         config.tolerance)
    elif billing is not None:
        credit = credits_for(ns.namespace, billing.inference, history.usage_of(ns.namespace), as_of, credits)
        acc.credits.append(credit)
        acc.crosscheck += inference_rows(billing, ns.sessions.value, credits, credit.provisional_usd or Decimal(0),
                                         config.tolerance)
    endpoints = ns.endpoints.value or ()
    regions = {e.id: e.region for e in endpoints}
    exposed = frozenset(j.id for j in ns.jobs.value or () if j.exposed)
    lines: list[PricedLine] | None = None
    parsed = compute_lines(ns)
    if ns.statement.value is not None and parsed is not None:
        pricer = LinePricer(ns.namespace, catalog, regions, exposed)
        lines = [pricer.priced(*p) for p in parsed]
        acc.crosscheck += line_rows(lines, config.tolerance) + total_rows(ns.namespace, lines, config.tolerance)
        acc.crosscheck += storage_rows(ns.namespace, ns.statement.value.lines,
                                       catalog.bundled.storage_private_usd_per_tb_month, config.tolerance)
        acc.crosscheck += history_rows(lines, history.changes_of, history.poll_gap_s, now, config.tolerance,
                                       history.span_times)
        for p in lines:
            if p.price is None and not p.line.free_grant:
                acc.unpriced[f"{p.family.rstrip('s')} {p.key} ({p.hardware})"] = None
            if p.family == "spaces" and catalog.is_gpu("space", p.hardware):
                acc.gpu_minutes[p.hardware] = acc.gpu_minutes.get(p.hardware, Decimal(0)) + p.line.quantity
    astride = charges_astride(ns, period.start, period.end)
    if billing is not None or lines is not None:
        acc.spend.append(namespace_spend(ns, lines, period, credits, bool(astride)))
    by_resource = _by_resource(lines, unaccounted(ns, parsed or ()) | astride)
    for e in endpoints:
        acc.endpoints.append(_endpoint_row(e, catalog, by_resource, history, period, now, acc))
    for s in ns.spaces.value or ():
        row, gpu = _space_row(s, catalog, by_resource, history, period, now, acc)
        acc.spaces.append(row)
        acc.space_gpu.append(gpu)
    charges = None
    if lines is None and ns.job_charges is not None and ns.job_charges.value is not None:
        pricer = LinePricer(ns.namespace, catalog, regions, exposed)
        charges = [p for p in (pricer(charge_line(c)) for c in ns.job_charges.value
                               if charge_in(c, period.start, period.end)) if p is not None]
    job_lines = by_resource if lines is not None else _by_resource(charges, astride)  # once, not once per job
    for j in ns.jobs.value or ():
        acc.jobs.append(_job_row(j, catalog, job_lines, history, period, now, acc))


# by (family, resource key), None for a resource whose lines cannot all be told; the whole None: no statement
Lines = dict[tuple[str, str], list[PricedLine] | None] | None


def _mine(lines: Lines, family: str, key: str) -> list[PricedLine] | None:
    return None if lines is None else lines.get((family, key), [])


def _by_resource(lines: list[PricedLine] | None, unknown: frozenset[tuple[str, str]] = frozenset()) -> Lines:
    if lines is None:
        return None
    out: dict[tuple[str, str], list[PricedLine] | None] = {}
    for p in lines:
        mine = out.setdefault((p.family, p.key), [])
        if mine is not None:
            mine.append(p)
    out.update(dict.fromkeys(unknown))
    return out


def _endpoint_row(e: Endpoint, catalog: Catalog, lines: Lines, history: HistoryIndex,
                  period: Period, now: datetime, acc: _Acc) -> EndpointRow:
    key = e.id
    price: Price | None = None
    if e.vendor and e.instance_type and e.instance_size:
        price = catalog.endpoint(e.vendor, e.instance_type, e.instance_size, region=e.region,
                                 namespace=e.namespace)
    if price is None:
        acc.unpriced[endpoint_label(e)] = None
    changes = history.changes_of("endpoint", key)
    single = e.max_replica is not None and e.max_replica <= 1 and history.most_replicas("endpoint", key) <= 1
    hourly = _hourly("endpoint", key, e.namespace, history,
                     lambda: catalog_price(catalog, "endpoint", e.namespace, e.region), now, acc)
    return EndpointRow(e, resource_cost("endpoint", price, endpoint_replicas(e), True, _mine(lines, "endpoints", key),
                                        changes, None, period, now, history.since_in(e.namespace), single,
                                        billed=history.billed_time("endpoint", key),
                                        unwatched=acc.unwatched_in(e.namespace, "endpoint"),
                                        first_seen=history.first_seen("endpoint", key), hourly_usd=hourly))


def _space_row(s: Space, catalog: Catalog, lines: Lines, history: HistoryIndex,
               period: Period, now: datetime, acc: _Acc) -> tuple[SpaceRow, bool]:
    hardware = s.hardware or s.requested_hardware
    price = acc.space_price(catalog, hardware) if hardware else None
    mine = _mine(lines, "spaces", s.id)
    granted = _granted(hardware, price, mine)
    if hardware and price is None and not granted:
        acc.unpriced[space_label(s)] = None
    changes = history.changes_of("space", s.id)
    # billed minutes are its wall time on one replica, but not on ZeroGPU: HF bills none of a ZeroGPU Space's time
    single = (s.replicas_requested or 1) <= 1 and (s.replicas_current or 0) <= 1 and history.most_replicas(
        "space", s.id) <= 1 and not is_zero_gpu(hardware or "")
    hourly = _hourly("space", s.id, s.namespace, history,
                     lambda: catalog_price(catalog, "space", s.namespace, granted=hardware if granted else None,
                                           grant_unknown=granted is None), now, acc)
    cost = resource_cost("space", price, space_replicas(s), hardware not in FREE_SPACE, mine, changes, None, period,
                         now, history.since_in(s.namespace), single, granted, history.billed_time("space", s.id),
                         history.first_seen("space", s.id), hourly_usd=hourly,
                         unwatched=acc.unwatched_in(s.namespace, "space"))
    gpu = bool(hardware) and catalog.is_gpu("space", hardware or "")
    gpu_hours = None if mine is None else hours(sum((p.line.quantity for p in mine
                                                     if catalog.is_gpu("space", p.hardware)), Decimal(0)))
    return SpaceRow(s, cost, gpu_hours), gpu


def _granted(hardware: str | None, price: Price | None, mine: list[PricedLine] | None) -> bool | None:
    """Whether a Space's hardware is granted: its statement line on that hardware says so (`freeGrant`); unknown
    without one (the statement unread, its lines not all told, or no line on that hardware yet), on hardware that
    may cost anything. Static Spaces and free hardware have nothing to grant."""
    if hardware in FREE_SPACE or (price is not None and price.usd_per_hour <= 0):
        return False
    on_it = [p for p in mine or () if p.hardware == hardware]
    return any(p.line.free_grant for p in on_it) if on_it else None


def _job_row(j: Job, catalog: Catalog, lines: Lines, history: HistoryIndex,
             period: Period, now: datetime, acc: _Acc) -> JobRow:
    price = job_price(catalog.job(j.flavor), j.exposed) if j.flavor else None
    if price is None:
        acc.unpriced[job_label(j)] = None
    mine = _mine(lines, "jobs", j.id)
    own: list[tuple[datetime, datetime]] | None = None
    end = j.finished_at or (now if j.stage == "RUNNING" else None)
    if j.started_at is not None and end is not None:
        own = [(j.started_at, end)]
    elif j.started_at is None and j.stage in ("SCHEDULING", "RUNNING"):
        own = []  # not started yet
    changes = history.changes_of("job", j.id)
    hourly = _hourly("job", j.id, j.namespace, history,
                     lambda: catalog_price(catalog, "job", j.namespace, exposed=j.exposed), now, acc)
    return JobRow(j, resource_cost("job", price, job_replicas(j), True, mine, changes, own, period, now,
                                   history.since, billed=history.billed_time("job", j.id),
                                   first_seen=history.first_seen("job", j.id), hourly_usd=hourly,
                                   time_left=job_time_left(j, now), unwatched=acc.unwatched_in(j.namespace, "job")))


def _hourly(kind: str, key: str, namespace: str, history: HistoryIndex, price_of: Callable[[], HardwarePrice],
            now: datetime, acc: _Acc) -> tuple[Decimal | None, ...]:
    """A resource's $/h over the last 24 hours, from history (the store's sums when it made them); () when not
    asked for. `price_of` builds the resource's price lookup, only when history has spans to price."""
    coverage = acc.coverage
    if coverage is None or not history.detail:  # not asked for (a `Figures` load): none, never a guess
        return ()
    if not coverage.covers_any:  # no history covering any hour: every hour is unknown (nothing to price)
        return hourly_usd((), coverage, now, listing=(namespace, kind))
    prices = price_of()
    summed = history.summed_spend(kind, key, prices, hour_bounds(now, SPARK_HOURS))
    spans = rated_spans(kind, history.changes_of(kind, key), prices, now - timedelta(hours=SPARK_HOURS), now) \
        if summed is None else ()
    return hourly_usd(spans, coverage, now, summed=summed, listing=(namespace, kind))


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
    for s in snapshot.sources():
        age = None if s.fetched_at is None else max(int((now - s.fetched_at).total_seconds()), 0)
        yield SourceState(s.name, s.status, s.fetched_at, age, s.error, s.hint, s.http_status, s.failure,
                          s.from_cache)
