"""One row per listed Endpoint, Space and Job of a namespace: its price, its statement lines, what it costs
(`costs.resources.resource_cost`) and its $/h over the last 24 hours; what `evaluate` gathers on the way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal

from hfmon.costs.billing_rules import (
    ATTEMPTS_UNKNOWN_WHY,
    endpoint_replicas,
    endpoint_replicas_to_start,
    job_price,
    job_replicas,
    job_time_left,
    most_replicas,
    on_zero_gpu,
    space_replicas,
    space_replicas_to_start,
    unknown_stage,
)
from hfmon.costs.credits import Period
from hfmon.costs.index import HistoryIndex
from hfmon.costs.resources import EARLIEST, resource_cost
from hfmon.costs.statement_lines import PricedLine, line_granted
from hfmon.costs.timeline import (
    SPARK_HOURS,
    Coverage,
    HardwarePrice,
    catalog_price,
    hour_bounds,
    hourly_usd,
    rated_spans,
    spend_bound,
)
from hfmon.costs.totals import endpoint_label, job_label, space_label
from hfmon.costs.zero_gpu_windows import OverageLines, over_quota_now, with_overage
from hfmon.figures import Behind
from hfmon.format import money
from hfmon.history import History, Listing, Window, unwatched
from hfmon.models import Endpoint, Job, Space, UsageLine
from hfmon.pricing.catalog import Catalog
from hfmon.report import Credits, CreditsBurn, CrossCheck, EndpointRow, JobRow, Price, SpaceRow, Spend

FREE_SPACE = frozenset({None, ""})  # a Space without hardware (static) costs nothing


def hours(minutes: Decimal) -> Decimal:
    """Minutes as hours, to the micro-hour."""
    return (minutes / 60).quantize(Decimal("0.000001"))


class Gathered:
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
        # (kind, key) -> hardware HF's statement bills at a price hfmon has as $0/h (`statement_lines.contradicts`)
        self.billed_at_zero: dict[tuple[str, str], frozenset[str]] = {}
        self.gpu_minutes: dict[str, Decimal] = {}
        self.zero_gpu_overage: dict[str, OverageLines] = {}  # namespace -> its statement's ZeroGPU overage lines
        self.quota_spent: str | None = None  # the user whose ZeroGPU quota is spent (`zero_gpu_windows.quota_spent`)
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


# by (family, resource key), None for a resource whose lines cannot all be told; the whole None: no statement
Lines = dict[tuple[str, str], list[PricedLine] | None] | None


def _mine(lines: Lines, family: str, key: str) -> list[PricedLine] | None:
    return None if lines is None else lines.get((family, key), [])


def lines_by_resource(lines: list[PricedLine] | None,
                      unknown: frozenset[tuple[str, str]] = frozenset()) -> Lines:
    if lines is None:
        return None
    out: dict[tuple[str, str], list[PricedLine] | None] = {}
    for p in lines:
        mine = out.setdefault((p.family, p.key), [])
        if mine is not None:
            mine.append(p)
    out.update(dict.fromkeys(unknown))
    return out


def endpoint_row(e: Endpoint, catalog: Catalog, lines: Lines, history: HistoryIndex,
                  period: Period, now: datetime, acc: Gathered) -> EndpointRow:
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
                     lambda: catalog_price(catalog, "endpoint", e.namespace, e.region,
                                           billed_at_zero=acc.billed_at_zero.get(("endpoint", key), frozenset())),
                     now, acc)
    return EndpointRow(e, resource_cost("endpoint", price, endpoint_replicas(e), True, _mine(lines, "endpoints", key),
                                        changes, None, period, now, history.since_in(e.namespace), single,
                                        billed=history.billed_time("endpoint", key),
                                        unwatched=acc.unwatched_in(e.namespace, "endpoint"),
                                        first_seen=history.first_seen("endpoint", key), hourly_usd=hourly,
                                        to_start=endpoint_replicas_to_start(e),
                                        most_replicas=most_replicas(e, history.most_replicas("endpoint", key)),
                                        stage_unknown=unknown_stage(e) is not None))


def space_row(s: Space, catalog: Catalog, lines: Lines, history: HistoryIndex,
               period: Period, now: datetime, acc: Gathered) -> tuple[SpaceRow, bool]:
    hardware = s.hardware or s.requested_hardware
    price = acc.space_price(catalog, hardware) if hardware else None
    mine = _mine(lines, "spaces", s.id)
    granted = _granted(hardware, price, mine)
    if hardware and price is None and not granted:
        acc.unpriced[space_label(s)] = None
    changes = history.changes_of("space", s.id)
    zero_gpu = on_zero_gpu(s)
    # billed minutes are its wall time on one replica, but not on ZeroGPU: HF bills none of a ZeroGPU Space's time
    single = (s.replicas_requested or 1) <= 1 and (s.replicas_current or 0) <= 1 and history.most_replicas(
        "space", s.id) <= 1 and not zero_gpu
    hourly = _hourly("space", s.id, s.namespace, history,
                     lambda: catalog_price(catalog, "space", s.namespace, granted=hardware if granted else None,
                                           grant_unknown=granted is None,
                                           billed_at_zero=acc.billed_at_zero.get(("space", s.id), frozenset())),
                     now, acc)
    over_quota = over_quota_now(mine, acc.quota_spent == s.namespace) if zero_gpu else None
    cost = resource_cost("space", price, space_replicas(s), hardware not in FREE_SPACE, mine, changes, None, period,
                         now, history.since_in(s.namespace), single, granted, history.billed_time("space", s.id),
                         history.first_seen("space", s.id), hourly_usd=hourly,
                         unwatched=acc.unwatched_in(s.namespace, "space"), over_quota_why=over_quota,
                         to_start=space_replicas_to_start(s),
                         most_replicas=most_replicas(s, history.most_replicas("space", s.id)), zero_gpu=zero_gpu,
                         stage_unknown=unknown_stage(s) is not None)
    gpu = bool(hardware) and catalog.is_gpu("space", hardware or "")
    gpu_hours = None if mine is None else hours(sum((p.line.quantity for p in mine
                                                     if catalog.is_gpu("space", p.hardware)), Decimal(0)))
    return SpaceRow(s, cost, gpu_hours), gpu


def _granted(hardware: str | None, price: Price | None, mine: list[PricedLine] | None) -> bool | None:
    """Whether a Space's hardware is granted now: its statement lines on that hardware that still accrue, else the
    latest by `startedAt`, all granted (`line_granted`) or all paid; unknown when they disagree or say nothing, or
    without a line (the statement unread, its lines not all told, or no line on that hardware yet), on hardware that
    may cost anything. A grant ends: an old granted line beside an active paid one is paid now. Static Spaces and
    free hardware have nothing to grant."""
    if hardware in FREE_SPACE or (price is not None and price.usd_per_hour <= 0):
        return False
    on_it = [p.line for p in mine or () if p.hardware == hardware]
    now = [line for line in on_it if line.active] or _latest(on_it)
    said = {line_granted(line) for line in now}
    return said.pop() if len(said) == 1 else None


def _latest(lines: list[UsageLine]) -> list[UsageLine]:
    """The line started last (all of them when none says when it started: they must then agree)."""
    started = [line for line in lines if line.started_at is not None]
    return [max(started, key=lambda line: line.started_at or EARLIEST)] if started else lines


def job_row(j: Job, catalog: Catalog, lines: Lines, history: HistoryIndex,
             period: Period, now: datetime, acc: Gathered, behind: Behind | None = None) -> JobRow:
    """A Job's row. `behind`: the statement is behind another HF figure of the period on Jobs (`Spend.behind`)."""
    price = job_price(catalog.job(j.flavor), j.exposed) if j.flavor else None
    if price is None:
        acc.unpriced[job_label(j)] = None
    mine = _mine(lines, "jobs", j.id)
    own: list[tuple[datetime, datetime]] | None = None
    end = j.finished_at or (now if j.stage == "RUNNING" else None)
    if j.started_at is not None and end is not None:
        own = [(j.started_at, end)]
    elif j.started_at is None and j.stage == "SCHEDULING":
        own = []  # not started yet (a Job RUNNING without its start: its spans are the statement's or history's)
    billed_why = None
    # no line yet for a Job that ran this period, and HF counts Jobs its statement has not billed
    if mine == [] and behind is not None and (
            j.stage == "RUNNING" if own is None else any(start < now and stop > period.start for start, stop in own)):
        mine, billed_why = None, unbilled_why(behind, j.namespace)
    changes = history.changes_of("job", j.id)
    hourly = _hourly("job", j.id, j.namespace, history,
                     lambda: catalog_price(catalog, "job", j.namespace, exposed=j.exposed,
                                           billed_at_zero=acc.billed_at_zero.get(("job", j.id), frozenset())),
                     now, acc)
    return JobRow(j, resource_cost("job", price, job_replicas(j), True, mine, changes, own, period, now,
                                   history.since, billed=history.billed_time("job", j.id),
                                   first_seen=history.first_seen("job", j.id), hourly_usd=hourly,
                                   time_left=job_time_left(j, now), unwatched=acc.unwatched_in(j.namespace, "job"),
                                   time_left_why=ATTEMPTS_UNKNOWN_WHY if j.attempts is None else None,
                                   billed_why=billed_why, stage_unknown=unknown_stage(j) is not None))


def unbilled_why(behind: Behind, namespace: str) -> str:
    """Why a Job that ran this period has no billed figure: its statement has no line for it yet, and another HF
    figure of the period counts Jobs the statement has not billed (some of which are its)."""
    return (f"the statement has no line for it yet: {behind.source} counts {money(behind.usd - behind.statement_usd)}"
            f" of {namespace}'s Jobs this period that the statement has not billed")


def _hourly(kind: str, key: str, namespace: str, history: HistoryIndex, price_of: Callable[[], HardwarePrice],
            now: datetime, acc: Gathered) -> tuple[Decimal | None, ...]:
    """A resource's $/h over the last 24 hours, from history (the store's sums when it made them), with a ZeroGPU
    Space's GPU time over the quota where its statement places it (`with_overage`); () when not asked for.
    `price_of` builds the resource's price lookup, only when history has spans to price."""
    coverage = acc.coverage
    if coverage is None or not history.detail:  # not asked for (a `Figures` load): none, never a guess
        return ()
    if not coverage.covers_any:  # no history covering any hour: every hour is unknown (nothing to price)
        return hourly_usd((), coverage, now, listing=(namespace, kind))
    prices = price_of()
    bound = history.summed_bound(kind, key, prices, hour_bounds(now, SPARK_HOURS))
    if bound is None:
        spans = rated_spans(kind, history.changes_of(kind, key), prices, now - timedelta(hours=SPARK_HOURS), now)
        bound = lambda start, end: spend_bound(spans, start, end, kind)  # noqa: E731
    seen, cost_in = acc.zero_gpu_overage.get(namespace), bound
    return hourly_usd((), coverage, now, listing=(namespace, kind),
                      summed=lambda start, end: with_overage(cost_in(start, end), seen, key, start, end))
