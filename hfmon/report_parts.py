"""Parts of the Report that stand on their own: credits, resource groups against their limits, and storage.

Re-exported by `hfmon.report`, where every front end finds them.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hfmon.figures import Total
from hfmon.models import RepoStorage


@dataclass(frozen=True, slots=True)
class CreditsBurn:
    """A namespace's Inference Providers spend this period against its limit, with its rate and projection: what is
    known of its credits without the included amount (`Credits` adds it; alone, HF did not state it)."""

    namespace: str
    period_start: datetime
    period_end: datetime
    used_usd: Decimal
    limit_usd: Decimal | None
    burn_rate_usd_per_day: Decimal | None  # over the period so far; None in its first hours (`rate_unknown_why`)
    burn_rate_24h_usd_per_day: Decimal | None  # over the trailing 24 h, from history; None: `burn_rate_24h_why`
    burn_rate_24h_why: str | None  # why there is no 24 h rate (history shorter than 24 h, or too early in the period)
    projected_period_usd: Decimal | None  # None: no rate to project with (`rate_unknown_why`)
    limit_hit_at: datetime | None  # when the spending limit would be hit, if within the period (as exhausts_at)
    days_left: Decimal  # until the period ends (not the credits)
    provisional_usd: Decimal | None  # booked in the last ~30 min, may still settle (lower); None: unknown
    # period-to-date used at each history point, oldest first (for the burn-down chart); () without history
    series: tuple[tuple[datetime, Decimal], ...]
    rate_usd_per_day: Decimal | None  # the one rate the projection, exhausts_at and limit_hit_at use; None: unknown
    rate_from: datetime  # the window that rate was measured on
    rate_to: datetime
    rate_settled: bool  # False: the window ends now and includes spend that has not settled yet
    fell_usd: Decimal  # how far used is below its highest point of the last 24 h (HF settled charges lower)
    fell_since: datetime | None  # when that highest point was seen
    fell_clock_back: bool  # that point was recorded later than now by this machine's clock: it was set back since
    rate_unknown_why: str | None  # why the rate (so the projection and when a threshold is crossed) is unknown

    @property
    def limit_reached(self) -> bool:
        """Used has reached the spending limit: HF refuses requests until the period ends or the limit is raised."""
        return self.limit_usd is not None and self.used_usd >= self.limit_usd

    @property
    def alarming(self) -> bool:
        """The spending limit is reached, or will be within the period."""
        return self.limit_reached or self.limit_hit_at is not None


@dataclass(frozen=True, slots=True)
class Credits(CreditsBurn):
    """Included credits and their burn-down for one namespace with billing access."""

    included_usd: Decimal
    remaining_usd: Decimal  # what can still be used: max(0, min(included, limit) - used) (`credits.usable_left`)
    overage_usd: Decimal  # max(0, used - included)
    # when included credits run out, if within the period; once they have, the first history point that saw it
    # (they ran out by then), None without one
    exhausts_at: datetime | None

    @property
    def limit_caps_credits(self) -> bool:
        """The spending limit is below the included credits: it stops spend first, so what is left of the credits
        is what the limit leaves (`remaining_usd`), and some of them can never be used this period."""
        return self.limit_usd is not None and self.limit_usd < self.included_usd

    @property
    def alarming(self) -> bool:
        """The included credits are used up or the spending limit reached, or either will be within the period
        (whether or not history saw when it happened)."""
        used_up = 0 < self.included_usd <= self.used_usd
        return used_up or self.exhausts_at is not None or self.limit_reached or self.limit_hit_at is not None


@dataclass(frozen=True, slots=True)
class GroupLimit:
    """One spend limit of a resource group against what the group has spent this month."""

    product: str  # total | inference | spaces | endpoints | jobs
    limit_usd: Decimal
    spent_usd: Decimal | None  # None: the group's usage is unreadable
    used_pct: Decimal | None  # None: the spend is unknown, or the limit is $0 (no share of it: `phrases.limit_used`)
    state: str  # ok | near (at alerts.limit_near_pct or more) | over (at or past the limit) | unknown
    # | closed (a $0 limit on a product not spent on: HF refuses it, nothing in use is refused)

    @property
    def used_order(self) -> Decimal:
        """How used the limit is, to rank limits by (most used first when descending): its share, a $0 limit with
        spend above every share, a $0 limit with none (closed) as 0, an unknown one below them all."""
        if self.used_pct is not None:
            return self.used_pct
        if self.spent_usd is None or self.limit_usd > 0:
            return Decimal(-1)
        return Decimal("Infinity") if self.spent_usd > 0 else Decimal(0)


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
    limits: tuple[GroupLimit, ...] | None  # None: its limits were not read (unknown, never "no limit")
    spend_unknown_why: str | None = None  # why its spend is unknown (`groups.GROUP_UNLISTED`, `GROUP_USAGE_UNREAD`)


@dataclass(frozen=True, slots=True)
class NamespaceStorage:
    """One namespace's private storage against its plan's private limit (None: the limit was not read), and its
    public storage."""

    namespace: str
    private_bytes: int | None  # None: neither usage/live nor the repository listing could be read
    private_limit_bytes: int | None
    public_bytes: int | None = None  # None: as private_bytes
    source: str = ""  # the source a None above is missing as (`storage:acme`), as in Storage's totals

    @property
    def share(self) -> Decimal | None:
        """Private bytes as a fraction of this namespace's own limit (1.2: 20 % over); None when either is unknown
        or the limit is 0."""
        if self.private_bytes is None or not self.private_limit_bytes:
            return None
        return Decimal(self.private_bytes) / Decimal(self.private_limit_bytes)

    @property
    def over_bytes(self) -> int | None:
        """Private bytes above this namespace's limit (0 within it); None when either is unknown."""
        if self.private_bytes is None or self.private_limit_bytes is None:
            return None
        return max(0, self.private_bytes - self.private_limit_bytes)


@dataclass(frozen=True, slots=True)
class Storage:
    """Storage across the polled namespaces (missing: a namespace whose usage and listing were both unreadable)."""

    private_bytes: Total[int]
    public_bytes: Total[int]
    # one namespace's own limit; None across several (HF applies each namespace's limit to it alone: no pooled
    # limit exists, see by_namespace) or when not read
    private_limit_bytes: int | None
    repos: tuple[RepoStorage, ...]  # largest first
    by_namespace: tuple[NamespaceStorage, ...] = ()  # the private bytes above, per namespace

    @property
    def worst_first(self) -> tuple[NamespaceStorage, ...]:
        """Each namespace, the fullest against its own limit first; those whose share is unknown last."""
        return tuple(sorted(self.by_namespace, key=lambda n: (n.share is None, -(n.share or 0), n.namespace)))

    @property
    def total_bytes(self) -> Total[int]:
        """Private and public bytes together: what a repo's share of the storage is of."""
        return Total.sum((self.private_bytes, self.public_bytes), 0)

    def of(self, namespace: str | None) -> Storage:
        """This storage in one namespace (None: all): its bytes, its private limit and its repos; a namespace
        not polled, or whose storage was not read, is unknown."""
        if namespace is None:
            return self
        mine = next((n for n in self.by_namespace if n.namespace == namespace), None)
        repos = tuple(r for r in self.repos if r.namespace == namespace)
        if mine is None:
            return Storage(Total(None, (namespace,)), Total(None, (namespace,)), None, repos)
        name = mine.source or namespace
        return Storage(Total.of([(name, mine.private_bytes)], 0), Total.of([(name, mine.public_bytes)], 0),
                       mine.private_limit_bytes, repos, (mine,))
