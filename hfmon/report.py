"""The Report: what every front end renders. Built by `hfmon.costs.evaluate(snapshot, history, config, now)`.

All money is `Decimal` USD; a figure that could not be priced is `None` and its item is listed in
`Report.unpriced`, never shown as $0. Every priced figure carries the catalog layer that priced it.
A total over parts that may be missing is a `Total`: complete, or partial with the missing parts named.
Every breakdown sums exactly to its total, with an explicit remainder where Hugging Face gives none.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar, Generic, TypeVar

from hfmon.errors import Failure
from hfmon.models import Account, Endpoint, Invoice, Job, RepoStorage, ScheduledJob, SourceStatus, Space, ZeroGpuQuota

if TYPE_CHECKING:  # the ledger builds on Total, history on the ledger: the Report only holds their figures
    from hfmon.advice.model import Advice
    from hfmon.history import StateChange
    from hfmon.ledger import ProxyUsage


class PriceSource(StrEnum):
    """Which catalog layer priced a figure."""

    LIVE = "live"
    BUNDLED = "bundled"
    OVERRIDE = "override"


class CheckStatus(StrEnum):
    """The outcome of comparing a billed figure with its local recomputation."""

    OK = "ok"
    DRIFT = "drift"  # differs by more than the tolerance
    UNPRICED = "unpriced"  # nothing to recompute with
    PENDING = "pending"  # billing has not settled yet (inference placeholders, lines still accruing)


class Health(StrEnum):
    """How a poll went as a whole: the one decision `--once`'s exit code and the dashboard's polling follow."""

    OK = "ok"  # every source answered (a source the token has no permission for counts as answered)
    PARTIAL = "partial"  # some source failed; the rest is shown
    UNREACHABLE = "unreachable"  # no source answered
    TOKEN_REJECTED = "token_rejected"  # HF rejected the token (401): every poll would fail the same way


class Severity(StrEnum):
    """How loud a flag is."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


N = TypeVar("N", Decimal, int)


def no_changes(kind: str, resource: str) -> Sequence[StateChange]:
    """No recorded states (a Report evaluated without history)."""
    return ()


@dataclass(frozen=True, slots=True)
class Total(Generic[N]):
    """A sum whose parts may be unknown: never the sum of the known parts posing as the whole.

    `known` sums the parts that were read (None when none was); `missing` names the parts that were not,
    each a source name (`billing:acme`, a key of `Report.sources`), `unpriced:<item>` (an item of
    `Report.unpriced`) or `unknown:<item>` (a resource whose stage, so its cost now, is unknown).
    Complete when nothing is missing; otherwise `known` is only a lower bound.
    """

    known: N | None
    missing: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        """Every part was read: `known` is the total."""
        return not self.missing and self.known is not None

    @property
    def value(self) -> N | None:
        """The total when complete, else None (unknown)."""
        return self.known if self.complete else None

    @staticmethod
    def of(parts: Iterable[tuple[str, N | None]], zero: N) -> Total[N]:
        """The total of named parts; a part that is None is missing (its name is kept, once)."""
        known: N | None = None
        missing: dict[str, None] = {}
        for name, part in parts:
            if part is None:
                missing[name] = None
            else:
                known = part if known is None else known + part
        if known is None and not missing:
            known = zero  # nothing to add up, and nothing missing: a real zero
        return Total(known, tuple(missing))

    @staticmethod
    def sum(totals: Iterable[Total[N]], zero: N) -> Total[N]:
        """Totals added up: the known parts summed, the missing ones kept (each once)."""
        known: N | None = None
        missing: dict[str, None] = {}
        anything = False
        for t in totals:
            anything = True
            if t.known is not None:
                known = t.known if known is None else known + t.known
            missing.update(dict.fromkeys(t.missing))
        return Total(zero if not anything else known, tuple(missing))


@dataclass(frozen=True, slots=True)
class Price:
    """A unit price and the catalog layer it came from."""

    usd_per_hour: Decimal  # per replica
    source: PriceSource


@dataclass(frozen=True, slots=True)
class Credits:
    """Included credits and their burn-down for one namespace with billing access."""

    namespace: str
    period_start: datetime
    period_end: datetime
    included_usd: Decimal
    used_usd: Decimal
    remaining_usd: Decimal  # max(0, included - used)
    overage_usd: Decimal  # max(0, used - included)
    limit_usd: Decimal | None
    burn_rate_usd_per_day: Decimal  # over the period so far
    burn_rate_24h_usd_per_day: Decimal | None  # over the trailing 24 h, from history; None without history
    projected_period_usd: Decimal
    exhausts_at: datetime | None  # when included credits run out, if within the period
    limit_hit_at: datetime | None  # when the spending limit would be hit, if within the period
    days_left: Decimal  # until the period ends (not the credits)
    provisional_usd: Decimal | None  # booked in the last ~30 min, may still settle (lower); None: unknown
    # period-to-date used at each history point, oldest first (for the burn-down chart); () without history
    series: tuple[tuple[datetime, Decimal], ...]
    rate_usd_per_day: Decimal  # the one rate the projection, exhausts_at and limit_hit_at use
    rate_from: datetime  # the window that rate was measured on
    rate_to: datetime
    rate_settled: bool  # False: the window ends now and includes spend that has not settled yet
    fell_usd: Decimal  # how far used is below its highest point of the last 24 h (HF settled charges lower)
    fell_since: datetime | None  # when that highest point was seen


@dataclass(frozen=True, slots=True)
class ProviderRow:
    """Inference Providers spend through one provider (or one model) this period."""

    name: str  # provider id
    requests: int
    cost_usd: Decimal


@dataclass(frozen=True, slots=True)
class Inference:
    """Inference Providers spend this period across the polled namespaces (missing: billing it cannot read).

    `by_provider` covers the namespaces whose live stream gave a split; `not_broken_down` is the rest, so the
    providers plus it equal the known total exactly (negative when the live split runs ahead of `usage-v2`).
    """

    cost_usd: Total[Decimal]
    requests: Total[int]
    by_provider: tuple[ProviderRow, ...]
    not_broken_down: ProviderRow = ProviderRow("not broken down", 0, Decimal(0))


@dataclass(frozen=True, slots=True)
class ResourceCost:
    """What one Endpoint, Space or Job costs: now, so far this period (billed and recomputed), and ahead."""

    price: Price | None  # None: unpriced
    cost_per_hour_usd: Decimal | None  # now: price x replicas while billed, else 0; None if unpriced
    billed_minutes: Decimal | None  # from the period statement; None if no statement
    billed_usd: Decimal | None
    recomputed_usd: Decimal | None  # billed minutes x catalog price
    uptime_pct: Decimal | None  # share of the period so far in a billed state
    uptime_24h_pct: Decimal | None
    to_period_end_usd: Decimal | None  # if left as it is until the period ends
    replicas: int | None  # billed now (costs.billing_rules: 0 while its state does not bill; None: unknown stage)
    granted: bool = False  # its hardware is granted (statement `freeGrant`): $0 now, whatever the catalog price
    hourly_usd: tuple[Decimal | None, ...] = ()  # mean $/h in each of the last 24 h, oldest first (None: unknown)

    @property
    def billed_now(self) -> bool:
        """Costs money now: a positive $/h, or no $/h because the hardware it runs on has no price."""
        return self.cost_per_hour_usd is None or self.cost_per_hour_usd > 0

    @property
    def billed_hours(self) -> Decimal | None:
        """Billed minutes in hours."""
        return None if self.billed_minutes is None else self.billed_minutes / 60


@dataclass(frozen=True, slots=True)
class EndpointRow:
    """An Endpoint with its costs."""

    endpoint: Endpoint
    cost: ResourceCost


@dataclass(frozen=True, slots=True)
class SpaceRow:
    """A Space with its costs and GPU hours this period."""

    space: Space
    cost: ResourceCost
    gpu_hours: Decimal | None = None


@dataclass(frozen=True, slots=True)
class JobRow:
    """A Job with its costs."""

    job: Job
    cost: ResourceCost


@dataclass(frozen=True, slots=True)
class ScheduledJobRow:
    """A scheduled Job and the most one of its runs can cost (its flavor's price for its timeout)."""

    job: ScheduledJob
    price: Price | None  # None: the flavor is unpriced
    max_run_usd: Decimal | None  # None: unpriced


@dataclass(frozen=True, slots=True)
class Spend:
    """What one namespace has been billed this period so far, by product (None: that source is unreadable)."""

    namespace: str
    inference_usd: Decimal | None  # usage-v2 (includes unsettled placeholders)
    endpoints_usd: Decimal | None  # the period statement's lines
    spaces_usd: Decimal | None
    jobs_usd: Decimal | None
    storage_usd: Decimal | None
    other_usd: Decimal | None  # statement lines of products hfmon does not break down (the remainder)

    @property
    def total_usd(self) -> Total[Decimal]:
        """Every product added up; a product whose source could not be read makes the total partial."""
        billing, statement = f"billing:{self.namespace}", f"statement:{self.namespace}"
        return Total.of(((billing, self.inference_usd), (statement, self.endpoints_usd),
                         (statement, self.spaces_usd), (statement, self.jobs_usd),
                         (statement, self.storage_usd), (statement, self.other_usd)), Decimal(0))


@dataclass(frozen=True, slots=True)
class SpendIn:
    """What one namespace spent in [start, end), by product (None: unknown; storage is billed monthly, not here)."""

    start: datetime
    end: datetime
    inference_usd: Decimal | None
    endpoints_usd: Decimal | None
    spaces_usd: Decimal | None
    jobs_usd: Decimal | None
    billed: bool = False  # True: billed figures (usage-v2 and the statement), not computed from history

    PRODUCTS: ClassVar[tuple[str, ...]] = ("inference", "endpoints", "spaces", "jobs")

    def part(self, product: str, namespace: str) -> Total[Decimal]:
        """One product as a Total, named by where it would come from when unknown (`history:<namespace>`, or
        the `billing:`/`statement:` source of a billed figure)."""
        if not self.billed:
            name = f"history:{namespace}"
        else:
            name = f"billing:{namespace}" if product == "inference" else f"statement:{namespace}"
        return Total.of(((name, getattr(self, f"{product}_usd")),), Decimal(0))

    def total_usd(self, namespace: str) -> Total[Decimal]:
        """The products added up; an unknown product makes it partial (see `part`)."""
        return Total.sum((self.part(p, namespace) for p in self.PRODUCTS), Decimal(0))


@dataclass(frozen=True, slots=True)
class WindowSpend:
    """One namespace's spend in a time window (`1h`, `24h`, `7d`, `30d`, `period`) and in the window before."""

    namespace: str
    window: str
    current: SpendIn
    previous: SpendIn


@dataclass(frozen=True, slots=True)
class WindowTotal:
    """Spend in a window across namespaces, the window before, and the change between them."""

    window: str
    start: datetime
    end: datetime
    spend_usd: Total[Decimal]
    previous_usd: Total[Decimal]
    by_product: tuple[tuple[str, Total[Decimal]], ...] = ()  # inference, endpoints, spaces, jobs: the parts

    def product(self, name: str) -> Total[Decimal]:
        """Spend on one product (`inference`, `endpoints`, `spaces`, `jobs`) in the window."""
        return next(t for n, t in self.by_product if n == name)

    @property
    def trend_pct(self) -> Decimal | None:
        """The change against the window before, in % (None: either is not fully known, or before was $0)."""
        now, before = self.spend_usd.value, self.previous_usd.value
        if now is None or before is None or before == 0:
            return None
        return ((now - before) * 100 / before).quantize(Decimal("0.1"))


@dataclass(frozen=True, slots=True)
class MeterRow:
    """What one namespace's resources of one kind cost per hour right now (a part of the meter)."""

    namespace: str
    kind: str  # endpoints | spaces | jobs
    usd_per_hour: Total[Decimal]  # missing: the listing could not be read, or a resource billed now is unpriced
    billed_now: int | None  # resources billed now, priced or not (None: the listing could not be read)


@dataclass(frozen=True, slots=True)
class GroupLimit:
    """One spend limit of a resource group against what the group has spent this month."""

    product: str  # total | inference | spaces | endpoints | jobs
    limit_usd: Decimal
    spent_usd: Decimal | None  # None: the group's usage is unreadable
    used_pct: Decimal | None
    state: str  # ok | near (at alerts.limit_near_pct or more) | over (at or past the limit) | unknown


@dataclass(frozen=True, slots=True)
class ResourceGroupSpend:
    """A resource group's spend this month by product, against its limits (HF's remainder row: id None)."""

    namespace: str
    id: str | None
    name: str
    period: datetime | None
    inference_usd: Decimal | None  # None: unknown (usage unreadable)
    spaces_usd: Decimal | None
    endpoints_usd: Decimal | None
    jobs_usd: Decimal | None
    total_usd: Decimal | None  # the four above
    private_gb: Decimal | None
    public_gb: Decimal | None
    limits: tuple[GroupLimit, ...]


@dataclass(frozen=True, slots=True)
class NamespaceStorage:
    """One namespace's private storage against its plan's private limit (None: the limit was not read)."""

    namespace: str
    private_bytes: int | None  # None: neither usage/live nor the repository listing could be read
    private_limit_bytes: int | None


@dataclass(frozen=True, slots=True)
class Storage:
    """Storage across the polled namespaces."""

    private_bytes: int
    public_bytes: int
    private_limit_bytes: int | None
    repos: tuple[RepoStorage, ...]  # largest first
    by_namespace: tuple[NamespaceStorage, ...] = ()  # the private bytes above, per namespace


@dataclass(frozen=True, slots=True)
class CrossCheck:
    """One billed figure against its local recomputation."""

    item: str  # e.g. "endpoint acme/llm-prod", "total spaces alice", "inference alice"
    billed_usd: Decimal | None
    recomputed_usd: Decimal | None
    delta_usd: Decimal | None  # billed - recomputed
    status: CheckStatus
    note: str = ""


def product_total_item(product: str, namespace: str) -> str:
    """The cross-check item comparing a namespace's billed total of one product with its recomputation."""
    return f"total {product} {namespace}"


@dataclass(frozen=True, slots=True)
class Flag:
    """Something the user probably wants to act on."""

    kind: str  # no_sleep_time | cannot_scale_to_zero | long_running_job | idle_gpu | credits_exhausted | ...
    subject: str
    message: str
    severity: Severity = Severity.WARNING


@dataclass(frozen=True, slots=True)
class SourceState:
    """Freshness of one source, for the sources panel and the JSON."""

    name: str
    status: SourceStatus
    fetched_at: datetime | None
    age_s: int | None
    error: str | None
    hint: str | None
    http_status: int | None = None  # of the failed request: 401 tells a rejected token apart
    failure: Failure | None = None  # what happened to this poll's fetch (None: it answered)

    @property
    def kind(self) -> str:
        """What the source reads: `billing` of `billing:acme`, `account` of `account`."""
        return self.name.partition(":")[0]

    @property
    def scope(self) -> str:
        """The namespace a per-namespace source reads (`acme` of `billing:acme`), else ""."""
        return self.name.partition(":")[2]

    @property
    def answered(self) -> bool:
        """The source answered: with data, or by saying the token lacks a permission for it."""
        return self.status in (SourceStatus.OK, SourceStatus.NO_ACCESS)

    @property
    def value_missing(self) -> bool:
        """Nothing was read from it: it failed with no last good value, or the token may not read it."""
        return self.status in (SourceStatus.ERROR, SourceStatus.NO_ACCESS)

    @property
    def token_rejected(self) -> bool:
        """It failed because HF rejected the token. A 401 that only means "no access" (an org's Endpoints
        API, say) was already turned into NO_ACCESS by collect, so it does not count."""
        return not self.answered and (self.failure is Failure.REJECTED_TOKEN or self.http_status == 401)


@dataclass(frozen=True, slots=True)
class OrgSummary:
    """An org as the report shows it."""

    name: str
    plan: str | None
    role: str | None
    billing_access: bool | None  # None: unknown (its billing source failed, or it was not polled)


@dataclass(frozen=True, slots=True)
class Report:
    """Everything hfmon knows about the account at `generated_at`. Immutable; front ends only render it."""

    generated_at: datetime
    account: Account | None
    orgs: tuple[OrgSummary, ...]
    billing_access: bool | None  # the token can read the user's billing; None: unknown (the source failed)
    credits: tuple[Credits, ...]  # the user first, then orgs with billing access
    inference: Inference
    endpoints: tuple[EndpointRow, ...]
    spaces: tuple[SpaceRow, ...]
    jobs: tuple[JobRow, ...]
    storage: Storage
    zero_gpu: ZeroGpuQuota | None
    running_cost_per_hour_usd: Total[Decimal]  # resources billed now; missing: unread listings, unpriced ones
    crosscheck: tuple[CrossCheck, ...]
    unpriced: tuple[str, ...]  # items no catalog layer could price
    flags: tuple[Flag, ...]
    sources: tuple[SourceState, ...]
    gpu_hours_by_hardware: tuple[tuple[str, Decimal], ...] = ()
    spend: tuple[Spend, ...] = ()  # billed this period, per namespace with billing access
    flags_unchecked: tuple[str, ...] = ()  # sources that could raise a flag and were not read this poll
    gpu_hours_missing: tuple[str, ...] = ()  # statements not read: their GPU hours are not in gpu_hours_by_hardware
    meter_rows: tuple[MeterRow, ...] = ()  # running_cost_per_hour_usd by namespace and kind; they sum to it exactly
    resource_groups: tuple[ResourceGroupSpend, ...] = ()  # Enterprise orgs: each group's spend against its limits
    invoices: tuple[Invoice, ...] = ()  # the current period's invoice per namespace whose statement is readable
    scheduled_jobs: tuple[ScheduledJobRow, ...] = ()  # spend still to come, next run first
    proxy: ProxyUsage | None = None  # requests through `hfmon proxy`; None: no history to read its ledger from
    windows: tuple[WindowSpend, ...] = ()  # per namespace and window (costs.windows.WINDOWS), from history
    # the recorded states of one resource, oldest first (detail views draw timelines from them; evaluate's
    # index of the history it read); not part of what a Report says, so not compared
    changes_of: Callable[[str, str], Sequence[StateChange]] = field(default=no_changes, compare=False, repr=False)
    advice: Advice | None = None  # the savings advisor's findings (hfmon.advice), added by the Monitor; None: none yet

    def window_total(self, window: str, namespace: str | None = None) -> WindowTotal | None:
        """Spend in one window across namespaces (or in one), with the window before; None: no such window."""
        rows = [w for w in self.windows if w.window == window and namespace in (None, w.namespace)]
        if not rows:
            return None
        products = tuple((p, Total.sum((w.current.part(p, w.namespace) for w in rows), Decimal(0)))
                         for p in SpendIn.PRODUCTS)
        return WindowTotal(window, min(w.current.start for w in rows), max(w.current.end for w in rows),
                           Total.sum((w.current.total_usd(w.namespace) for w in rows), Decimal(0)),
                           Total.sum((w.previous.total_usd(w.namespace) for w in rows), Decimal(0)), products)

    def running_in(self, namespace: str | None) -> Total[Decimal]:
        """$/h now of one namespace (its meter rows added up), or of everything for None."""
        if namespace is None:
            return self.running_cost_per_hour_usd
        return Total.sum((m.usd_per_hour for m in self.meter_rows if m.namespace == namespace), Decimal(0))

    def running_of(self, kind: str, namespace: str | None) -> Total[Decimal]:
        """$/h now of one kind of resource (`endpoints`, `spaces`, `jobs`), in one namespace or all (None)."""
        return Total.sum((m.usd_per_hour for m in self.meter_rows
                          if m.kind == kind and namespace in (None, m.namespace)), Decimal(0))

    def meter_hourly(self, namespace: str | None = None) -> tuple[Decimal | None, ...]:
        """The meter over the last 24 hours: every resource's mean $/h per hour added up (None: an hour some
        resource's cost is unknown in, or history does not cover)."""
        series = [c.hourly_usd for c in (*(e.cost for e in self.endpoints if namespace in (None, e.endpoint.namespace)),
                                          *(s.cost for s in self.spaces if namespace in (None, s.space.namespace)),
                                          *(j.cost for j in self.jobs if namespace in (None, j.job.namespace)))]
        if not series or any(not s for s in series):
            return ()
        hours: list[Decimal | None] = []
        for values in zip(*series, strict=True):
            hours.append(None if any(v is None for v in values) else sum((v for v in values if v is not None),
                                                                          Decimal(0)))
        return tuple(hours)

    def billed_now_count(self, kind: str | None, namespace: str | None = None) -> Total[int]:
        """How many resources (of one kind, or all) cost money now; an unreadable listing makes it partial."""
        return Total.of(((f"{m.kind}:{m.namespace}", m.billed_now) for m in self.meter_rows
                         if kind in (None, m.kind) and namespace in (None, m.namespace)), 0)

    def endpoints_billed(self, namespace: str | None) -> Total[Decimal]:
        """What the listed endpoints were billed this period; an unreadable statement is named as missing."""
        return Total.of(((f"statement:{e.endpoint.namespace}", e.cost.billed_usd) for e in self.endpoints
                         if namespace in (None, e.endpoint.namespace)), Decimal(0))

    @property
    def namespaces(self) -> tuple[str, ...]:
        """The polled namespaces, in the order their sources are listed (`billing:acme` → acme)."""
        return tuple(dict.fromkeys(s.scope for s in self.sources if s.scope))

    def source(self, name: str) -> SourceState | None:
        """The state of one source by name (`account`, `billing:acme`), if it was polled."""
        return next((s for s in self.sources if s.name == name), None)

    @property
    def all_checked(self) -> bool:
        """Every input that could raise a flag was read: only then does "no flags" mean nothing needs attention."""
        return not self.flags_unchecked

    @property
    def health(self) -> Health:
        """How the poll went, from the sources' states (see Health)."""
        return poll_health(self.sources)

    @property
    def rejected_by(self) -> SourceState | None:
        """The first source whose failure says the token was rejected."""
        return next((s for s in self.sources if s.token_rejected), None)


def poll_health(sources: Sequence[SourceState]) -> Health:
    """Token rejected if any source says so; else unreachable if none answered; else partial or ok."""
    if any(s.token_rejected for s in sources):
        return Health.TOKEN_REJECTED
    answered = sum(1 for s in sources if s.answered)
    if not answered:
        return Health.UNREACHABLE
    return Health.PARTIAL if answered < len(sources) else Health.OK
