"""Domain values parsed from Hugging Face API JSON, and the Snapshot one poll produces.

Money is `Decimal` USD (converted exactly from nano-USD, micro-USD and cents); times are aware UTC
datetimes; sizes are bytes. Parsers live in `hfmon.api.parse`; this module only declares the shapes.
Every value is frozen so a Snapshot can be shared across threads and front ends.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, Generic, TypeVar

from hfmon.apihealth import ApiHealth
from hfmon.errors import Failure
from hfmon.fastclasses import slot_init
from hfmon.modelinfo import ModelWeights
from hfmon.models_billing import BillingUsage as BillingUsage
from hfmon.models_billing import InferenceUsage as InferenceUsage
from hfmon.models_billing import Invoice as Invoice
from hfmon.models_billing import JobCharge as JobCharge
from hfmon.models_billing import JobsSpend as JobsSpend
from hfmon.models_billing import LiveUsage as LiveUsage
from hfmon.models_billing import PeriodStatement as PeriodStatement
from hfmon.models_billing import ProviderSpend as ProviderSpend
from hfmon.models_billing import ResourceGroup as ResourceGroup
from hfmon.models_billing import ResourceGroupUsage as ResourceGroupUsage
from hfmon.models_billing import SessionCost as SessionCost
from hfmon.models_billing import UsageAsOf as UsageAsOf
from hfmon.models_billing import UsageIn as UsageIn
from hfmon.models_billing import UsageLine as UsageLine
from hfmon.models_billing import UsageWindows as UsageWindows
from hfmon.models_catalog import EndpointCompute as EndpointCompute
from hfmon.models_catalog import HardwareFlavor as HardwareFlavor
from hfmon.models_catalog import RouterPrice as RouterPrice
from hfmon.models_catalog import ZeroGpuQuota as ZeroGpuQuota
from hfmon.models_catalog import ZeroGpuRuns as ZeroGpuRuns
from hfmon.models_hub import HubRepo, OrgMember

T = TypeVar("T")


class SourceStatus(StrEnum):
    """How fresh one source of a Snapshot is."""

    OK = "ok"
    STALE = "stale"  # this poll failed; the value is the last good one
    ERROR = "error"  # failed and no good value yet
    NO_ACCESS = "no_access"  # the token lacks a permission (403); retrying will not help


@dataclass(frozen=True, slots=True)
class SourceResult(Generic[T]):
    """One source's value (or last good value) with when it was fetched and what went wrong.

    Names: account-wide sources are `account`, `spaces_hardware`, `jobs_hardware`, `router_prices`,
    `zero_gpu`; per-namespace ones are `<kind>:<namespace>`, e.g. `billing:alice`, `endpoints:acme`.
    """

    name: str
    status: SourceStatus
    value: T | None = None
    fetched_at: datetime | None = None
    error: str | None = None
    hint: str | None = None  # what the user can do about the error
    http_status: int | None = None  # status of the failed request (401, 403, 429, 5xx); None for network
    failure: Failure | None = None  # what happened, when this poll's fetch failed (None: it did not)
    from_cache: bool = False  # this poll did not ask: the value is hfmon's cached answer of `fetched_at`

    @property
    def usable(self) -> bool:
        """True when there is a value to show (fresh or stale)."""
        return self.value is not None


# --- identity -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class GroupMembership:
    """A resource group of an org the token's user belongs to, as whoami lists it (`orgs[].resourceGroups`)."""

    id: str
    name: str
    role: str | None  # the user's role in the group: admin | write | contributor | read | no_access


@dataclass(frozen=True, slots=True)
class Org:
    """An organization the token's user belongs to."""

    name: str
    role: str | None  # admin | write | contributor | read | no_access
    plan: str | None = None  # team | enterprise | plus | academia (whoami's orgs[].plan)
    billing_mode: str | None = None  # prepaid | postpaid
    # the user's groups in it; None: whoami did not send the (optional) list, so which they are is not said
    resource_groups: tuple[GroupMembership, ...] | None = None


@dataclass(frozen=True, slots=True)
class Account:
    """Who the token belongs to (`whoami-v2`)."""

    name: str
    type: str  # user | org | app
    full_name: str | None
    is_pro: bool
    can_pay: bool
    billing_mode: str | None  # prepaid | postpaid
    orgs: tuple[Org, ...] | None  # None: whoami did not list them (unknown, never "no orgs")
    token_role: str | None  # read | write | fineGrained
    token_permissions: frozenset[str] = frozenset()  # fine-grained permissions on the user entity

    @property
    def plan(self) -> str:
        """The personal plan: `pro` or `free`."""
        return "pro" if self.is_pro else "free"

    @property
    def namespaces(self) -> tuple[str, ...] | None:
        """Its namespaces as whoami lists them (its own, then its orgs); None: whoami did not list the orgs."""
        if self.orgs is None:
            return None
        return tuple(dict.fromkeys((self.name, *(o.name for o in self.orgs))))


# --- billing --------------------------------------------------------------------------------------


# --- resources ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A dedicated Inference Endpoint (Endpoints API `/endpoint/{ns}`)."""

    namespace: str
    name: str
    state: str  # pending|initializing|updating|updateFailed|running|paused|failed|scaledToZero|unknown
    vendor: str | None
    region: str | None
    accelerator: str | None
    instance_type: str | None
    instance_size: str | None
    min_replica: int | None
    max_replica: int | None
    scale_to_zero_timeout_min: int | None
    ready_replicas: int | None  # None: not sent (how many run is unknown)
    target_replicas: int | None
    repository: str | None
    created_at: datetime | None
    updated_at: datetime | None
    url: str | None = None

    @property
    def id(self) -> str:
        """`<namespace>/<name>`: how billing lines label the endpoint and history keys it."""
        return f"{self.namespace}/{self.name}"


@slot_init
@dataclass(frozen=True, slots=True)
class Space:
    """A Space with its runtime (one paginated `/api/spaces?expand=runtime` listing)."""

    id: str
    namespace: str
    stage: str  # RUNNING, SLEEPING, PAUSED, BUILDING, ... (unknown values kept as-is)
    hardware: str | None  # current
    requested_hardware: str | None
    sleep_time_s: int | None  # None: never sleeps
    replicas_requested: int | None
    replicas_current: int | None
    private: bool | None
    used_storage_bytes: int | None
    sdk: str | None = None
    likes: int | None = None  # None: not sent
    last_modified: datetime | None = None
    entity_id: str | None = None  # the Hub's `_id` (24 hex): what a statement line for it may carry as entityId
    sleep_time_unsent: bool = False  # the runtime had no gcTimeout: whether and when it sleeps is unknown (null: never)

    @property
    def never_sleeps(self) -> bool | None:
        """It has no sleep time (HF sent gcTimeout null or <= 0); None: HF did not send one, so it is unknown."""
        if self.sleep_time_unsent:
            return None
        return self.sleep_time_s is None or self.sleep_time_s <= 0


@dataclass(frozen=True, slots=True)
class Job:
    """A Job (`/api/jobs/{ns}`)."""

    id: str
    namespace: str
    stage: str  # COMPLETED, CANCELED, ERROR, DELETED, SCHEDULING, RUNNING
    flavor: str | None
    created_at: datetime | None
    started_at: datetime | None
    finished_at: datetime | None
    running_s: int | None
    space_id: str | None = None
    docker_image: str | None = None
    command: tuple[str, ...] = ()  # what it ran: `command` then `arguments`, exact (shown only via shell_command)
    timeout_s: int | None = None  # None: HF's default (30 min) or not sent
    # `expose.ports`: ports reachable through the jobs proxy (billed extra); None: a port sent with a fraction
    exposed_ports: tuple[int | None, ...] = ()
    # the most attempts its run makes (`retry`, as a scheduled Job's `jobSpec.retry`: HF's default 1); None: sent, but
    # not a whole number from 1
    attempts: int | None = 1

    @property
    def exposed(self) -> bool:
        """Whether it exposes ports (HF bills a Job that does $0.01 an hour more: `billing_rules.job_price`)."""
        return bool(self.exposed_ports)


@dataclass(frozen=True, slots=True)
class JobListing:
    """A namespace's Jobs of every stage as far as hfmon read their listing, and why it stopped short (None: whole)."""

    jobs: tuple[Job, ...]
    cut: str | None = None  # the Jobs past it are not read: how many there are, and what they cost, is unknown


@dataclass(frozen=True, slots=True)
class ScheduledJob:
    """A scheduled Job (`/api/scheduled-jobs/{ns}`): what it runs, when it runs next, for how long at most."""

    namespace: str
    id: str
    schedule: str  # cron expression or @hourly/@daily/...
    suspended: bool
    next_run_at: datetime | None
    last_run_at: datetime | None
    flavor: str | None
    timeout_s: int | None  # None: HF's default timeout
    exposed_ports: tuple[int | None, ...] = ()  # `jobSpec.expose.ports`: each run exposes them (billed extra)
    # the most attempts one run makes (`jobSpec.retry`, which the create routes call `attempts`: a failed attempt is
    # tried again, each for up to the timeout; HF's default 1); None: sent, but not a whole number from 1
    attempts: int | None = 1


@slot_init
@dataclass(frozen=True, slots=True)
class RepoStorage:
    """Storage used by one repo (`/settings/repositories`)."""

    namespace: str
    id: str
    type: str  # model | dataset | space | kernel | bucket (kept as sent)
    private: bool  # visibility private or protected (a protected Space's files are not public)
    bytes: int | None  # None: HF sent a size with a fraction of a byte (`parse_common.integer`)


@dataclass(frozen=True, slots=True)
class StorageListing:
    """A namespace's `settings/repositories` answer: storage per repo, and whether it may leave repos out."""

    repos: tuple[RepoStorage, ...]
    # HF's spec gives this route no cursor: an answer as long as the `limit` asked, with no next page, may hold only
    # the first (largest) repos; what they add up to is then a lower bound
    cut: bool = False


# --- the snapshot ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NamespaceData:
    """What one poll gathered about one namespace (the user, or an org)."""

    namespace: str
    kind: str  # user | org
    billing: SourceResult[BillingUsage]
    statement: SourceResult[PeriodStatement]
    job_charges: SourceResult[tuple[JobCharge, ...]] | None  # None for orgs: HF has no org route for it
    sessions: SourceResult[tuple[SessionCost, ...]]
    endpoints: SourceResult[tuple[Endpoint, ...]]
    endpoint_catalog: SourceResult[tuple[EndpointCompute, ...]]
    spaces: SourceResult[tuple[Space, ...]]
    jobs: SourceResult[tuple[Job, ...]]
    storage: SourceResult[StorageListing]
    # Every org (None: a user, never asked): resource groups with their spend limits, and usage per group.
    resource_groups: SourceResult[tuple[ResourceGroup, ...]] | None = None
    resource_group_usage: SourceResult[tuple[ResourceGroupUsage, ...]] | None = None
    scheduled_jobs: SourceResult[tuple[ScheduledJob, ...]] | None = None
    live: SourceResult[LiveUsage] | None = None  # `usage/live`, folded into `billing` when it answers
    # usage-v2 up to a day ago (`collect.DAY_AGO`): where the projection's rate starts while history holds no
    # usage total that old (None: not asked, the period began less than a day ago)
    billing_day_ago: SourceResult[UsageAsOf] | None = None
    usage_windows: SourceResult[UsageWindows] | None = None  # usage-v2 per spend window (None: not asked)
    # Sizes of the models its Endpoints serve (for the advisor). None: no Endpoint serves a model, or not asked for
    # (a command that prints only the Report's figures).
    models: SourceResult[tuple[ModelWeights, ...]] | None = None
    # The Hub's listings (None: not asked): models and datasets with downloads and likes; an org's members.
    model_repos: SourceResult[tuple[HubRepo, ...]] | None = None
    dataset_repos: SourceResult[tuple[HubRepo, ...]] | None = None
    members: SourceResult[tuple[OrgMember, ...]] | None = None
    # When `jobs` holds the ended Jobs of an earlier whole listing (the Collector lists only the running and
    # scheduling ones in between), that listing's time: a Job that started and ended since may be missing.
    # None: `jobs` is this poll's whole listing (or it failed with none before it).
    ended_jobs_listed_at: datetime | None = None
    # Why `jobs` holds only some of the ended Jobs: their listing was cut at hfmon's bound (`JobListing.cut`); the
    # running and scheduling ones are all there (listed on their own). None: every Job listed.
    jobs_cut: str | None = None

    def sources(self) -> Iterator[SourceResult[Any]]:
        """Every source of this namespace."""
        yield from (self.billing, self.statement)
        if self.job_charges is not None:
            yield self.job_charges
        yield from (self.sessions, self.endpoints, self.endpoint_catalog, self.spaces, self.jobs, self.storage)
        yield from (s for s in (self.resource_groups, self.resource_group_usage, self.scheduled_jobs) if s is not None)
        yield from (s for s in (self.live, self.billing_day_ago, self.usage_windows) if s is not None)
        if self.models is not None:
            yield self.models
        yield from (s for s in (self.model_repos, self.dataset_repos, self.members) if s is not None)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One poll of an account: every source, each with its value or error and age. Immutable."""

    taken_at: datetime
    account: SourceResult[Account]
    namespaces: tuple[NamespaceData, ...]
    spaces_hardware: SourceResult[tuple[HardwareFlavor, ...]]
    jobs_hardware: SourceResult[tuple[HardwareFlavor, ...]]
    router_prices: SourceResult[tuple[RouterPrice, ...]]
    zero_gpu: SourceResult[ZeroGpuQuota]
    requests_made: int = 0  # HTTP requests this poll sent (for the rate-limit budget)
    rate_limit_remaining: int | None = None
    rate_limit_reset_s: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
    api_health: tuple[ApiHealth, ...] = ()  # hfmon's own requests per API over the last 24 h (this process)
    hf_clock_ahead_s: float | None = None  # HF's clock less hfmon's, by this poll's answers' `Date`; None: unsaid

    def sources(self) -> Iterator[SourceResult[Any]]:
        """Every source in the snapshot, account-wide ones first."""
        yield from (self.account, self.spaces_hardware, self.jobs_hardware, self.router_prices, self.zero_gpu)
        for ns in self.namespaces:
            yield from ns.sources()

    def namespace(self, name: str) -> NamespaceData | None:
        """The data of one namespace, if it was polled."""
        return next((ns for ns in self.namespaces if ns.namespace == name), None)
