"""Catalog values: the prices and quotas HF publishes (the Endpoints and Spaces/Jobs hardware catalogs, the router's
per-token prices, the ZeroGPU quota).

Kept apart from `hfmon.models` (which declares the billing and compute shapes) so each module stays small;
`hfmon.models` imports them for the Snapshot.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class EndpointCompute:
    """One priced instance in a namespace's Endpoints hardware catalog (`/provider/{ns}`)."""

    vendor: str
    region: str
    instance_type: str
    instance_size: str
    accelerator: str
    price_per_hour_usd: Decimal  # per replica
    status: str
    gpu_memory_gb: Decimal | None = None  # per replica, summed over its accelerators; None: the catalog did not say


@dataclass(frozen=True, slots=True)
class HardwareFlavor:
    """A Spaces or Jobs hardware flavor with its per-minute price (`/spaces/hardware`, `/jobs/hardware`)."""

    name: str
    pretty_name: str
    unit_cost_usd: Decimal  # per unit_label
    unit_label: str  # "minute"
    accelerator: str | None  # gpu | neuron | None for CPU


@dataclass(frozen=True, slots=True)
class ZeroGpuRuns:
    """The ZeroGPU runs counter (free accounts: a few runs per rolling 24 h, which binds before the seconds)."""

    used: int | None
    limit: int | None
    remaining: int | None
    resets_at: datetime | None


@dataclass(frozen=True, slots=True)
class ZeroGpuQuota:
    """The ZeroGPU daily quota of the token's user (seconds may come fractional: rounded to whole seconds)."""

    base_s: int
    remaining_s: int
    resets_at: datetime | None
    overquota_used_s: int | None = None  # None: HF did not say (the field is optional)
    runs: ZeroGpuRuns | None = None  # None: the quota carries no runs counter


@dataclass(frozen=True, slots=True)
class RouterPrice:
    """Per-token price of one model through one provider (router `/v1/models`)."""

    model: str
    provider: str
    status: str  # live | error
    input_usd_per_million: Decimal | None
    output_usd_per_million: Decimal | None
    is_free: bool = False  # a temporary promo (hf-api.md 4.2): its requests cost $0 whatever the list price

    @property
    def charged_per_million(self) -> tuple[Decimal | None, Decimal | None]:
        """(input, output) USD per 1M tokens as charged: $0 for an `is_free` offer, else the list price."""
        if self.is_free:
            return Decimal(0), Decimal(0)
        return self.input_usd_per_million, self.output_usd_per_million
