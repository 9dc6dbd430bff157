"""The definition of a fake account: who, what runs when, at which price, and which faults to inject.

Everything the fake answers is computed from a `Scenario` and the scenario time, so a test can recompute any
expected figure from the definition alone (see `hfmon.fakehub.billing` for the billing rules).
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields, is_dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from typing import Any, TypeVar

from hfmon.fakehub.catalog import (
    ENDPOINT_COMPUTES,
    JOB_FLAVORS,
    ROUTER_MODELS,
    SPACE_FLAVORS,
    Compute,
    Flavor,
    RouterModel,
)
from hfmon.fakehub.hub_models import HUB_MODELS, ModelDef
from hfmon.fakehub.timeline import Interval

FULL_TOKEN = "hf_fake_full_0123456789abcdefFULL"
NO_BILLING_TOKEN = "hf_fake_nobilling_0123456789abcdNB"
# a fine-grained token that may read billing but lacks the Inference Endpoints permissions: whoami accepts it, the
# Endpoints API answers 401 (as it does for an org whose Endpoints the token cannot read)
NO_ENDPOINTS_TOKEN = "hf_fake_noendpoints_0123456789abNE"
# the token of another user (`Scenario.other_user`), in no org and owning nothing: a second account on the same Hub,
# as two `[profiles]` watch (its own Inference Providers requests are billed to it)
OTHER_USER_TOKEN = "hf_fake_otheruser_0123456789abcOU"

SPACE_BILLED = frozenset({"APP_STARTING", "RUNNING", "RUNNING_BUILDING", "RUNNING_APP_STARTING"})
# initializing and running bill (documented); the fake also bills an update's serving replicas (`updating`,
# `updateFailed` with replicas): HF documents neither way, and its statement line stays active meanwhile
ENDPOINT_BILLED = frozenset({"initializing", "running", "updating", "updateFailed"})
JOB_BILLED = frozenset({"RUNNING"})
ZERO_GPU_OVERAGE_MICRO_USD = 100_000  # a GPU-minute over the ZeroGPU quota: $1 per 10 minutes (hf-api.md 0.5, 3.9)
EXPOSED_PORTS_HOURLY_USD = Decimal("0.01")  # hf-api.md 7: "exposed ports add $0.01/h per job" (not per port)

INCLUDED_NANO_USD = {"free": 100_000_000, "pro": 2_000_000_000}
SEAT_NANO_USD = 2_000_000_000
RATE_LIMIT_QUOTA = {"anonymous": 500, "free": 1000, "pro": 2500, "team": 3000, "enterprise": 6000,
                    "plus": 10000, "academia": 3000}
PLACEHOLDER_NANO_USD = 10_000_000  # the $0.01 booked per routed request until it settles
TB = 1_000_000_000_000


@dataclass(frozen=True)
class User:
    """The token's user account; plan is "free" or "pro"."""

    name: str
    id: str
    fullname: str
    email: str
    plan: str = "pro"
    spending_limit_nano_usd: int = 0


@dataclass(frozen=True)
class Org:
    """An organization the user belongs to; `billing_readable` is whether FULL_TOKEN may read its billing."""

    name: str
    id: str
    fullname: str
    plan: str  # team | enterprise | plus | academia
    role: str
    seats: int
    billing_readable: bool
    usage_v2_period: bool = True  # False: its usage-v2 omits periodStart/periodEnd, as real payloads may

    @property
    def included_nano_usd(self) -> int:
        """Included credits: $2.00 per seat, pooled."""
        return SEAT_NANO_USD * self.seats


@dataclass(frozen=True)
class SpaceDef:
    """A Space and its stage timeline; `interval.hardware` is the flavor billed, `replicas` those billed."""

    id: str
    entity_id: str
    sdk: str
    requested_hardware: str
    sleep_time: int | None
    private: bool
    created_at: datetime
    used_storage: int
    likes: int
    timeline: tuple[Interval, ...]
    granted: bool = False  # its hardware is a grant (e.g. a community GPU grant): lines say freeGrant, cost $0
    protected: bool = False  # visibility "protected": the app is public, the files are not
    # ZeroGPU: (start, GPU-minutes) used over the daily quota, billed at ZERO_GPU_OVERAGE_MICRO_USD a minute
    zero_gpu_overage: tuple[tuple[datetime, int], ...] = ()

    @cached_property
    def namespace(self) -> str:
        """The owner of the Space."""
        return self.id.split("/")[0]


@dataclass(frozen=True)
class EndpointDef:
    """A dedicated Inference Endpoint and its state timeline (`replicas` = replicas billed)."""

    name: str
    namespace: str
    entity_id: str
    compute: Compute
    min_replica: int
    max_replica: int
    scale_to_zero_timeout: int | None
    repository: str
    task: str
    framework: str
    revision: str
    type: str
    created_at: datetime
    timeline: tuple[Interval, ...]

    @property
    def id(self) -> str:
        """`namespace/name`, the label used on billing lines."""
        return f"{self.namespace}/{self.name}"


@dataclass(frozen=True)
class JobDef:
    """A Job and its stage timeline (SCHEDULING, RUNNING, then a final stage)."""

    id: str
    namespace: str
    flavor: str
    docker_image: str
    command: tuple[str, ...]
    created_at: datetime
    timeline: tuple[Interval, ...]
    timeout_s: int | None = None  # None: not set (HF's default, 30 min, is not sent)
    exposed_ports: tuple[int, ...] = ()  # `expose.ports`; a job exposing any bills EXPOSED_PORTS_HOURLY_USD more
    public_ports: tuple[int, ...] = ()  # `expose.portsPublic`: a subset of them


@dataclass(frozen=True)
class RepoDef:
    """A model or dataset repo with its storage in bytes."""

    id: str
    entity_id: str
    kind: str  # model | dataset
    private: bool
    used_storage: int
    created_at: datetime
    last_modified: datetime
    downloads: int
    likes: int

    @cached_property
    def namespace(self) -> str:
        """The owner of the repo."""
        return self.id.split("/")[0]


@dataclass(frozen=True)
class ResourceGroupDef:
    """A resource group of an org: the ids of what is in it (repos, Spaces, endpoints, jobs) and its monthly spend
    limits in cents by product (`total`, `inferenceProviders`, `spaces`, `jobs`, `endpoints`)."""

    id: str
    org: str
    name: str
    description: str | None
    members: frozenset[str]
    spend_limits: tuple[tuple[str, int], ...]


@dataclass(frozen=True)
class ScheduledJobDef:
    """A scheduled Job: it runs `flavor` at `minute` past `hour` UTC every day, or on one weekday (0 = Monday)."""

    id: str
    namespace: str
    name: str
    flavor: str
    docker_image: str
    minute: int
    hour: int
    weekday: int | None
    timeout_s: int | None  # None: HF's default (30 min)
    suspended: bool
    created_at: datetime
    exposed_ports: tuple[int, ...] = ()  # `jobSpec.expose.ports` of every run

    @property
    def schedule(self) -> str:
        """The cron expression HF shows."""
        return f"{self.minute} {self.hour} * * {'*' if self.weekday is None else (self.weekday + 1) % 7}"

    def runs_around(self, now: datetime) -> tuple[datetime | None, datetime]:
        """(the last run at or before `now` since creation, or None; the next run after `now`)."""
        day = now.replace(hour=self.hour, minute=self.minute, second=0, microsecond=0)
        step = timedelta(days=1 if self.weekday is None else 7)
        if self.weekday is not None:
            day -= timedelta(days=(day.weekday() - self.weekday) % 7)
        while day > now:
            day -= step
        last = day if day >= self.created_at else None
        return last, day + step


@dataclass(frozen=True)
class TrafficPhase:
    """Generated Inference Providers traffic billed to `namespace` over [start, end).

    Minute m (counted from `start`) holds floor((m+1)*rpm) - floor(m*rpm) requests; request k of n in a
    minute happens k*60//n seconds into it; model/provider/tokens come from a seeded RNG per minute.
    """

    start: datetime
    end: datetime
    namespace: str
    requests_per_minute: Fraction
    mix: tuple[tuple[str, str, int], ...]  # (model id, provider, weight)
    prompt_tokens: tuple[int, int]
    completion_tokens: tuple[int, int]


@dataclass(frozen=True)
class Discrepancy:
    """A billing error injected on purpose.

    kind "unit_price": the resource's lines use `value` micro-USD per minute instead of the catalog price;
    kind "minutes": the resource's line in the current period reports `value` more minutes than the timeline;
    kind "uncataloged": the resource runs on a flavor with no catalog price, billed at `value` micro-USD/min.
    """

    kind: str
    resource: str
    value: int


@dataclass
class Faults:
    """Runtime fault knobs (mutable on a running hub through `hub.faults`)."""

    error_rate: float = 0.0
    rate_limit_burst: int = 0  # the next N requests get a 429
    rate_limit_period: int = 0  # re-arm the burst every N requests (0 = once)
    stall_rate: float = 0.0
    stall_seconds: float = 30.0
    malformed_rate: float = 0.0
    truncate_rate: float = 0.0
    schema_drift: bool = False


@dataclass
class Scenario:
    """A seeded fake account: identity, resources with timelines, catalogs, traffic, knobs."""

    seed: int
    start: datetime
    user: User
    orgs: tuple[Org, ...]
    spaces: tuple[SpaceDef, ...]
    endpoints: tuple[EndpointDef, ...]
    jobs: tuple[JobDef, ...]
    repos: tuple[RepoDef, ...]
    traffic: tuple[TrafficPhase, ...]
    space_flavors: tuple[Flavor, ...] = SPACE_FLAVORS
    job_flavors: tuple[Flavor, ...] = JOB_FLAVORS
    endpoint_computes: tuple[Compute, ...] = ENDPOINT_COMPUTES
    router_models: tuple[RouterModel, ...] = ROUTER_MODELS
    models: tuple[ModelDef, ...] = HUB_MODELS  # public models the Endpoints serve, with their weights
    discrepancies: tuple[Discrepancy, ...] = ()
    page_size: int = 5
    latency_ms: float = 0.0
    jitter_ms: float = 0.0
    settle_delay_s: int = 120
    rate_limit_quota: int | None = None  # overrides the plan's quota (per token, 5-minute window)
    zero_gpu_used_per_hour_s: int = 90
    resource_groups: tuple[ResourceGroupDef, ...] = ()
    scheduled_jobs: tuple[ScheduledJobDef, ...] = ()
    faults: Faults = field(default_factory=Faults)
    jobs_period_day: int = 1  # usage/jobs' period begins on this day of the month ("jobs can have a different
    # period anchor", hf-api.md 3.5); the statement's is the calendar month
    usage_period_day: int = 1  # the Inference Providers period usage-v2 and usage/live name begins on this day of
    # the month (both optional fields; third parties see the calendar month: hf-api.md 3.2)
    other_user: User = User("grace", "6561f00d0000000000000001", "Grace Other", "grace@example.com")

    def as_other_user(self) -> Scenario:
        """The same Hub as OTHER_USER_TOKEN sees it: `other_user` is the token's user, in no org."""
        return replace(self, user=self.other_user, orgs=())

    @property
    def period(self) -> tuple[datetime, datetime]:
        """The billing period [start, end) that contains the start instant."""
        return period_bounds(self.start)

    def namespaces(self) -> tuple[str, ...]:
        """The user then every org."""
        return (self.user.name, *(o.name for o in self.orgs))

    def org(self, name: str) -> Org | None:
        """The org called `name`, if the user belongs to it."""
        return next((o for o in self.orgs if o.name == name), None)

    def included_nano_usd(self, namespace: str) -> int:
        """Monthly included Inference Providers credits of a namespace."""
        org = self.org(namespace)
        if org is not None:
            return org.included_nano_usd
        return INCLUDED_NANO_USD.get(self.user.plan, 0)

    def can_pay(self, namespace: str) -> bool:
        """Whether the namespace may go past its included credits (free users may not)."""
        return self.org(namespace) is not None or self.user.plan != "free"

    def cap_nano_usd(self, namespace: str) -> int | None:
        """Inference spend at which requests billed to the namespace get 402: included credits for an account
        that cannot pay, the user's spending limit, whichever is lower (None: no cap)."""
        caps = [] if self.can_pay(namespace) else [self.included_nano_usd(namespace)]
        if namespace == self.user.name and self.user.spending_limit_nano_usd:
            caps.append(self.user.spending_limit_nano_usd)
        return min(caps, default=None)

    def quota(self) -> int:
        """API requests allowed per token per 5-minute window."""
        if self.rate_limit_quota is not None:
            return self.rate_limit_quota
        return RATE_LIMIT_QUOTA.get(self.user.plan, 1000)

    def space_flavor(self, name: str) -> Flavor | None:
        """The Spaces catalog entry for a flavor (None = not in the catalog)."""
        return next((f for f in self.space_flavors if f.name == name), None)

    def job_flavor(self, name: str) -> Flavor | None:
        """The Jobs catalog entry for a flavor."""
        return next((f for f in self.job_flavors if f.name == name), None)

    def discrepancy(self, kind: str, resource: str) -> Discrepancy | None:
        """The injected discrepancy of this kind on this resource, if any."""
        return next((d for d in self.discrepancies if d.kind == kind and d.resource == resource), None)


_T = TypeVar("_T")


def shifted(value: _T, delta: timedelta) -> _T:
    """`value` (a Scenario, or any part of one) with every datetime in it moved by `delta`.

    Used to anchor a scenario at another instant (e.g. the wall clock): everything keeps its place relative
    to the start instant; billing periods stay calendar months of the new times.
    """
    moved: Any
    if isinstance(value, datetime):
        moved = value + delta
    elif isinstance(value, tuple):
        moved = tuple(shifted(v, delta) for v in value)
    elif is_dataclass(value) and not isinstance(value, type):
        moved = replace(value, **{f.name: shifted(getattr(value, f.name), delta) for f in fields(value)
                                  if f.init})
    else:
        moved = value
    return moved  # type: ignore[no-any-return]


def period_bounds(moment: datetime) -> tuple[datetime, datetime]:
    """The calendar-month billing period [start, end) containing `moment` (UTC)."""
    start = datetime(moment.year, moment.month, 1, tzinfo=UTC)
    end = datetime(moment.year + (moment.month == 12), moment.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def anchored_bounds(moment: datetime, day: int) -> tuple[datetime, datetime]:
    """The monthly period [start, end) containing `moment` that begins on `day` (1-28) of a month (UTC)."""
    start, end = period_bounds(moment)
    if moment < start.replace(day=day):
        start = period_bounds(start - timedelta(days=1))[0]
        end = period_bounds(start)[1]
    return start.replace(day=day), end.replace(day=day)
