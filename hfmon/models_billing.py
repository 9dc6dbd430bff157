"""Billing values parsed from Hugging Face's billing routes: usage, the period statement, invoices, job charges,
inference sessions and resource groups (re-exported by `hfmon.models`, where the rest of the domain lives)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hfmon.errors import ApiError, HfmonError
from hfmon.fastclasses import slot_init


@dataclass(frozen=True, slots=True)
class ProviderSpend:
    """Inference Providers spend through one provider this period (`usage/live` providerDetails)."""

    provider: str
    requests: int | None  # None: the provider's entry came without numRequests (unknown, never 0)
    cost_usd: Decimal


@dataclass(frozen=True, slots=True)
class InferenceUsage:
    """Inference Providers usage this period for one namespace (`usage-v2`)."""

    used_usd: Decimal  # includes unsettled placeholders
    included_usd: Decimal | None  # None: usage-v2 did not say (real payloads may omit it), so credits are unknown
    limit_usd: Decimal | None  # None: no spending limit set
    requests: int | None  # None: usage-v2 did not give numRequests, so the count is unknown (never 0)
    period_start: datetime | None  # real usage-v2 payloads may omit the period (hf-api.md 0.5)
    period_end: datetime | None


@dataclass(frozen=True, slots=True)
class JobsSpend:
    """Jobs spend this period for one namespace (`usage-v2`.jobs)."""

    used_usd: Decimal | None  # None: usage-v2 did not say, so the namespace's job spend is unknown (never $0)
    minutes: Decimal | None
    # the period the figure covers, when usage-v2 gives Jobs their own (a live payload: Aug 15 - Sep 15 beside
    # inference's Aug 1 - Sep 1, hf-api.md); None: not said
    period_start: datetime | None = None
    period_end: datetime | None = None


@dataclass(frozen=True, slots=True)
class LiveUsage:
    """What the first complete `usage/live` event adds to usage-v2: spend per provider, and storage."""

    by_provider: tuple[ProviderSpend, ...] | None  # None: a provider came without its cost, so no split is known
    private_storage_bytes: int | None = None
    private_storage_limit_bytes: int | None = None
    public_storage_bytes: int | None = None
    inference: InferenceUsage | None = None  # the event's own Inference Providers figure (placeholders included)


@dataclass(frozen=True, slots=True)
class BillingUsage:
    """Everything `usage-v2` and `usage/live` say about one namespace's period."""

    namespace: str
    inference: InferenceUsage
    jobs: JobsSpend | None
    by_provider: tuple[ProviderSpend, ...] | None = None  # None: the live stream was not read (unknown)
    private_storage_bytes: int | None = None
    private_storage_limit_bytes: int | None = None
    public_storage_bytes: int | None = None
    # the start of the window usage-v2 was asked for (to the second, as sent): it counts from there, whatever period
    # it names; None: not known (built elsewhere than from an answer)
    counted_from: datetime | None = None


@dataclass(frozen=True, slots=True)
class UsageAsOf:
    """usage-v2 asked for the period up to a past moment: what the period had used by `at`."""

    at: datetime
    usage: BillingUsage


@dataclass(frozen=True, slots=True)
class UsageIn:
    """usage-v2 asked for one spend window [start, end) (to the second, as sent): HF's own Inference Providers spend
    in it, its requests of the last ~30 min at their placeholder cost until they settle, as the period's figure.
    `used_usd` None: HF gave no figure for this window (`failed` says why: its refusal, or the request's failure)."""

    start: datetime
    end: datetime
    used_usd: Decimal | None
    failed: HfmonError | None = None  # why HF gave no figure (None: it gave one)

    @property
    def refused(self) -> bool:
        """HF refused this window's ask itself (a 4xx of its own, not 401/403/429): asking again gets the same."""
        return type(self.failed) is ApiError and self.failed.status is not None and 400 <= self.failed.status < 500


UsageWindows = tuple[UsageIn, ...]
"""usage-v2's answer for each spend window asked (`usage_period.usage_in_windows`, `NamespaceData.usage_windows`)."""


@slot_init
@dataclass(frozen=True, slots=True)
class UsageLine:
    """One itemised line of a billing period statement (`/billing/usage`)."""

    product: str  # e.g. spaces/t4-small/minutes, endpoints/aws/nvidia-a10g/x1, jobs/cpu-basic/minutes
    label: str | None  # the resource the line is for (Space id, endpoint name, job id)
    entity_id: str | None
    quantity: Decimal  # minutes for compute products
    unit_cost_usd: Decimal  # per unit (minute)
    total_usd: Decimal
    started_at: datetime | None
    stopped_at: datetime | None
    active: bool | None  # still accruing; None: the statement did not say (it may be, while it has no stoppedAt)
    group: str = ""  # the statement's group key the line came under (informative only: any string)
    # hardware granted to the Space (e.g. a community GPU grant): not paid by the account; None: HF did not say (the
    # spec makes it optional: `statement_lines.line_granted` decides)
    free_grant: bool | None = False


@dataclass(frozen=True, slots=True)
class Invoice:
    """A billing period's invoice (the statement's `period.invoice`): a Stripe invoice, or none issued yet."""

    namespace: str
    issued: bool  # False: `no-invoice` (none issued for the period yet)
    status: str | None  # draft | open | paid | uncollectible | void | unpaid (unknown values kept as-is)
    amount_due_usd: Decimal | None
    total_usd: Decimal | None
    due_at: datetime | None


@dataclass(frozen=True, slots=True)
class PeriodStatement:
    """The itemised statement of the current billing period for one namespace."""

    namespace: str
    period_id: str | None
    period_start: datetime
    period_end: datetime
    lines: tuple[UsageLine, ...]
    invoice: Invoice | None = None  # None: the statement carried no invoice field


@dataclass(frozen=True, slots=True)
class JobCharge:
    """What one job cost this period (`/billing/usage/jobs` jobDetails)."""

    job_id: str
    flavor: str
    started_at: datetime | None
    completed_at: datetime | None
    minutes: Decimal
    cost_usd: Decimal
    # the period usage/jobs lists it in (its own anchor, which may not be the statement's); None: not said
    period_start: datetime | None = None
    period_end: datetime | None = None


@dataclass(frozen=True, slots=True)
class SessionCost:
    """Settled Inference Providers cost of one `X-HF-Session-id` in one monthly period."""

    session_id: str
    period: datetime
    requests: int | None  # None: HF did not give the count (or gave a fraction)
    cost_usd: Decimal  # converted from costCents


@dataclass(frozen=True, slots=True)
class ResourceGroup:
    """A resource group of an org with its monthly spend limits (`organizations/{name}/resource-groups`)."""

    namespace: str
    id: str
    name: str
    limits_usd: tuple[tuple[str, Decimal], ...]  # (product, USD): total, inference, spaces, endpoints, jobs


@dataclass(frozen=True, slots=True)
class ResourceGroupUsage:
    """What one resource group used in one month (`usage-by-resource-group`); id None: resources in no group."""

    namespace: str
    id: str | None
    name: str | None
    period: datetime  # the month's start
    inference_usd: Decimal
    requests: int | None  # None: HF did not give the count (or gave a fraction)
    spaces_usd: Decimal
    endpoints_usd: Decimal
    jobs_usd: Decimal
    private_gb: Decimal  # peak in the month
    public_gb: Decimal
