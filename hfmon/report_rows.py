"""The Report's per-resource rows: what one Endpoint, Space, Job or scheduled Job costs, and the price it was
costed at (re-exported by `hfmon.report`, where front ends find them)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from enum import StrEnum

from hfmon.fastclasses import slot_init
from hfmon.models import Endpoint, Job, ScheduledJob, Space


class PriceSource(StrEnum):
    """Which catalog layer priced a figure."""

    LIVE = "live"
    BUNDLED = "bundled"
    OVERRIDE = "override"


@slot_init
@dataclass(frozen=True, slots=True)
class Price:
    """A unit price and the catalog layer it came from."""

    usd_per_hour: Decimal  # per replica
    source: PriceSource
    as_of: str = field(default="", compare=False)  # a bundled price: its table's date (`bundled.json` as_of)


def price_note(source: PriceSource | None, as_of: str = "") -> str | None:
    """What a figure says of the price it rests on when that is not Hugging Face's live price (None when it is,
    or when there is no price): the one wording of hfmon's fallback price layers."""
    if source is PriceSource.BUNDLED:
        dated = f", dated {as_of}" if as_of else ""
        return f"priced from hfmon's bundled table{dated}"
    if source is PriceSource.OVERRIDE:
        return "priced from your price override (config file)"
    return None


@slot_init
@dataclass(frozen=True, slots=True)
class ResourceCost:
    """What one Endpoint, Space or Job costs: now, so far this period (billed and recomputed), and ahead."""

    price: Price | None  # None: unpriced
    cost_per_hour_usd: Decimal | None  # now: price x replicas while billed, else 0; None if unpriced
    # replica-minutes of hosting the period's statement bills (2 replicas for a minute are 2; ZeroGPU overage is GPU
    # time over a quota, not hosting: not in it); None if no statement
    billed_minutes: Decimal | None
    billed_usd: Decimal | None
    recomputed_usd: Decimal | None  # billed minutes x catalog price
    uptime_pct: Decimal | None  # share of the period so far in a billed state (None: unknown, or a lower bound only)
    uptime_24h_pct: Decimal | None
    to_period_end_usd: Decimal | None  # if left as it is until the period ends
    replicas: int | None  # billed now (costs.billing_rules: 0 while its state does not bill; None: unknown stage)
    # its hardware is granted (statement `freeGrant`): $0 now, whatever the catalog price; None: unknown (a Space
    # whose statement was not read, on paid hardware: its $/h now is unknown too, never the catalog price as if paid)
    granted: bool | None = False
    hourly_usd: tuple[Decimal | None, ...] = ()  # mean $/h in each of the last 24 h, oldest first (None: unknown)
    ends_by: datetime | None = None  # it stops on its own before the period ends (a Job at its timeout)
    to_period_end_why: str | None = None  # why `to_period_end_usd` is unknown though the price is known
    # the period's uptime share at least (hfmon not running, and a state whose billing is unknown, counted as not
    # billed; `uptime_pct` itself when exact),
    # and the share of the period so far no poll watched (0: the share is exact); None: no uptime figure
    uptime_at_least_pct: Decimal | None = None
    uptime_unwatched_pct: Decimal | None = None
    uptime_24h_at_least_pct: Decimal | None = None  # the same over the last 24 hours
    uptime_24h_unwatched_pct: Decimal | None = None
    # the share of the period so far watched in a state no source says bills (an Endpoint `updating` with replicas
    # ready: `bills_unknown`), neither up nor down (0: none); None: no uptime figure
    uptime_state_unknown_pct: Decimal | None = None
    uptime_24h_state_unknown_pct: Decimal | None = None  # the same over the last 24 hours
    # why the period's uptime is unknown (`period_uptime.uptime_unknown_why`); None: there is a figure, at least a
    # lower bound
    uptime_why: str | None = None
    # the statement bills it without a break from then to now: the startedAt of its line still accruing that billed
    # every minute of its span (`resources.dense`); None: the statement says no such thing (or was not read)
    billed_since: datetime | None = None
    # its listing failed this poll: the row is that listing's last good value, so its $/h now is unknown
    # (`cost_per_hour_usd` None) and `last_cost_per_hour_usd` is what that value made it (`stale_cost`)
    stale: bool = False
    last_cost_per_hour_usd: Decimal | None = None
    # why `billed_usd` is unknown though its statement was read (a Job that ran with no line yet while another HF
    # figure of the period counts Jobs the statement has not billed); None: known, or its statement unread
    billed_why: str | None = None
    # a Space on ZeroGPU (`billing_rules.on_zero_gpu`): free to host, its GPU time past the daily quota billed instead
    zero_gpu: bool = False
    # it is in a stage hfmon does not know (`billing_rules.unknown_stage`): whether it runs, so bills, is unknown
    stage_unknown: bool = False

    @property
    def billed_now(self) -> bool | None:
        """Costs money now: a positive $/h, or no $/h because the hardware it runs on has no price (a row from a
        failed listing: as its last good value had it). None: whether it costs anything now is unknown, as whether
        its hardware is granted is (`granted` None: no statement line says: `GRANT_UNKNOWN_WHY`), or whether it
        runs at all is (`stage_unknown`: a stage hfmon does not know is not "running", granted or not:
        `MAYBE_STAGE`), so every rule built on it is unknown too, never "billed" nor "free"."""
        rate = self.last_cost_per_hour_usd if self.stale else self.cost_per_hour_usd
        if rate is None and (self.granted is None or self.stage_unknown):
            return None
        return rate is None or rate > 0

    @property
    def billed_now_why(self) -> str | None:
        """Why `billed_now` is unknown, in short (where a flag's entry names it); None while it is known."""
        if self.billed_now is not None:
            return None
        return MAYBE_STAGE if self.stage_unknown else MAYBE_GRANTED

    @property
    def billed_hours(self) -> Decimal | None:
        """Billed replica-minutes in replica-hours: wall hours only where one replica ran (a Job)."""
        return None if self.billed_minutes is None else self.billed_minutes / 60


GRANT_UNKNOWN_WHY = "no statement line for its hardware was read: whether it is granted, so whether it costs money " \
    "now, is unknown"
"""Why a Space on paid hardware may or may not cost money now (`ResourceCost.billed_now` None)."""
MAYBE_GRANTED = "maybe granted: no statement line"
"""`GRANT_UNKNOWN_WHY` in short, where a flag's entry names it (`flags_unchecked`)."""
MAYBE_STAGE = "maybe running: unknown stage"
"""Why a resource in a stage hfmon does not know may or may not cost money now (`ResourceCost.billed_now` None), where
a flag's entry names it (`flags_unchecked`)."""
STALE_RATE_WHY = "its listing failed this poll: what it costs now is unknown"
STALE_AHEAD_WHY = "its listing failed this poll: what it costs until the period ends is unknown"


def stale_cost(cost: ResourceCost) -> ResourceCost:
    """`cost` of a resource whose listing failed this poll: a figure of now is never made from a failed source's last
    value, so its $/h now is unknown (its last value kept beside it, marked as such), and so is what it costs from now
    to the period end and when it stops on its own (both were projected from that last value)."""
    return replace(cost, cost_per_hour_usd=None, stale=True, last_cost_per_hour_usd=cost.cost_per_hour_usd,
                   to_period_end_usd=None, ends_by=None, to_period_end_why=STALE_AHEAD_WHY)


@dataclass(frozen=True, slots=True)
class EndpointRow:
    """An Endpoint with its costs."""

    endpoint: Endpoint
    cost: ResourceCost


@slot_init
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
    """A scheduled Job and the most one of its runs can cost (its flavor's price for its timeout, per attempt)."""

    job: ScheduledJob
    price: Price | None  # None: the flavor is unpriced
    max_run_usd: Decimal | None  # every attempt of a run for its timeout; None: unpriced, or its attempts unknown
    max_attempt_usd: Decimal | None = None  # one attempt for its timeout; None: unpriced
