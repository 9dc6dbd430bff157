"""The Report: what every front end renders. Built by `hfmon.costs.evaluate(snapshot, history, config, now)`.

All money is `Decimal` USD; a figure that could not be priced is `None` and its item is listed in
`Report.unpriced`, never shown as $0. Every priced figure carries the catalog layer that priced it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from hfmon.models import Account, Endpoint, Job, RepoStorage, SourceStatus, Space, ZeroGpuQuota


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


class Severity(StrEnum):
    """How loud a flag is."""

    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


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
    days_left: Decimal
    provisional_usd: Decimal  # spend of the last ~30 min that may still settle differently
    # period-to-date used at each history point, oldest first (for the burn-down chart); () without history
    series: tuple[tuple[datetime, Decimal], ...] = ()


@dataclass(frozen=True, slots=True)
class ProviderRow:
    """Inference Providers spend through one provider (or one model) this period."""

    name: str  # provider id, or model id in by_model
    requests: int
    cost_usd: Decimal


@dataclass(frozen=True, slots=True)
class Inference:
    """Inference Providers spend this period, across namespaces with billing access."""

    cost_usd: Decimal
    requests: int
    by_provider: tuple[ProviderRow, ...]
    by_model: tuple[ProviderRow, ...] = ()


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
class Spend:
    """What one namespace has been billed this period so far, by product (None: that source is unreadable)."""

    namespace: str
    inference_usd: Decimal | None  # usage-v2 (includes unsettled placeholders)
    endpoints_usd: Decimal | None  # the period statement's lines
    spaces_usd: Decimal | None
    jobs_usd: Decimal | None
    storage_usd: Decimal | None

    @property
    def total_usd(self) -> Decimal:
        """The sum of the known parts."""
        parts = (self.inference_usd, self.endpoints_usd, self.spaces_usd, self.jobs_usd, self.storage_usd)
        return sum((p for p in parts if p is not None), Decimal(0))


@dataclass(frozen=True, slots=True)
class Storage:
    """Storage across the polled namespaces."""

    private_bytes: int
    public_bytes: int
    private_limit_bytes: int | None
    repos: tuple[RepoStorage, ...]  # largest first


@dataclass(frozen=True, slots=True)
class CrossCheck:
    """One billed figure against its local recomputation."""

    item: str  # e.g. "endpoint acme/llm-prod", "total spaces alice", "inference alice"
    billed_usd: Decimal | None
    recomputed_usd: Decimal | None
    delta_usd: Decimal | None  # billed - recomputed
    status: CheckStatus
    note: str = ""


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


@dataclass(frozen=True, slots=True)
class OrgSummary:
    """An org as the report shows it."""

    name: str
    plan: str | None
    role: str | None
    billing_access: bool


@dataclass(frozen=True, slots=True)
class Report:
    """Everything hfmon knows about the account at `generated_at`. Immutable; front ends only render it."""

    generated_at: datetime
    account: Account | None
    orgs: tuple[OrgSummary, ...]
    billing_access: bool  # the token can read the user's billing
    credits: tuple[Credits, ...]  # the user first, then orgs with billing access
    inference: Inference
    endpoints: tuple[EndpointRow, ...]
    spaces: tuple[SpaceRow, ...]
    jobs: tuple[JobRow, ...]
    storage: Storage
    zero_gpu: ZeroGpuQuota | None
    running_cost_per_hour_usd: Decimal  # sum of priced resources billed right now
    crosscheck: tuple[CrossCheck, ...]
    unpriced: tuple[str, ...]  # items no catalog layer could price
    flags: tuple[Flag, ...]
    sources: tuple[SourceState, ...]
    gpu_hours_by_hardware: tuple[tuple[str, Decimal], ...] = ()
    spend: tuple[Spend, ...] = ()  # billed this period, per namespace with billing access
