"""The pricing catalog: live prices from the Snapshot, a bundled dated fallback, and user overrides.

Precedence is override > live > bundled, and every price says which layer gave it. A price that no
layer has is `None` (unpriced), never $0; free hardware (cpu-basic on Spaces) is priced at 0.

- Spaces / Jobs hardware: live `unit_cost_usd` per minute x 60 (`/api/spaces/hardware`, `/api/jobs/hardware`).
- Endpoints: live `pricePerHour` of each namespace's `/provider/{ns}` catalog, by vendor/region/type/size.
  A lookup without a region (a billing line names none) takes the namespace's entry for vendor/type/size,
  then any namespace's; the bundled table and overrides have no region.
- Models: live router prices per model and provider, USD per 1M input / output tokens.
- Bundled: `bundled.json` (package data), each table with its `as_of` date and source.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

from hfmon.models import EndpointCompute, HardwareFlavor, RouterPrice, Snapshot
from hfmon.report import Price, PriceSource


def _empty() -> Mapping[Any, Any]:
    return MappingProxyType({})


@dataclass(frozen=True, slots=True)
class TokenPrice:
    """USD per 1M input and output tokens of one model through one provider, and its layer."""

    input_usd_per_million: Decimal | None
    output_usd_per_million: Decimal | None
    source: PriceSource


@dataclass(frozen=True, slots=True)
class PriceOverrides:
    """User prices from the config file: hourly per replica, or per 1M tokens for models."""

    # flavor -> USD/h; endpoints by "<vendor>/<instanceType>/<instanceSize>"; models by "<model>:<provider>"
    spaces: Mapping[str, Decimal] = field(default_factory=_empty)
    jobs: Mapping[str, Decimal] = field(default_factory=_empty)
    endpoints: Mapping[str, Decimal] = field(default_factory=_empty)
    models: Mapping[str, tuple[Decimal | None, Decimal | None]] = field(default_factory=_empty)  # USD per 1M in, out


@dataclass(frozen=True, slots=True)
class Table:
    """One bundled table: hourly prices by key, with its date and source."""

    as_of: str
    source: str
    prices: Mapping[str, Decimal]
    gpu: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class StorageTier:
    """One volume tier of private storage: its $/TB a month from `from_tb` TB billed above a plan (to `to_tb`,
    None: no end)."""

    from_tb: int
    to_tb: int | None
    usd_per_tb_month: Decimal

    @property
    def name(self) -> str:
        """The tier as the storage docs name it: "50–200 TB", "500 TB+"."""
        return f"{self.from_tb} TB+" if self.to_tb is None else f"{self.from_tb}–{self.to_tb} TB"


@dataclass(frozen=True, slots=True)
class Bundled:
    """The bundled fallback tables shipped with hfmon (`hfmon/pricing/bundled.json`)."""

    spaces: Table
    jobs: Table
    endpoints: Table
    plan_credits: Table  # plan -> included USD per month (per seat for team/enterprise)
    zero_gpu_overage_usd_per_10_min: Decimal
    storage_private_usd_per_tb_month: Decimal
    storage_public_usd_per_tb_month: Decimal
    zero_gpu_as_of: str = ""
    storage_as_of: str = ""
    storage_private_tiers: tuple[StorageTier, ...] = ()  # volume tiers, lowest first (the first at 0 TB)

    def private_storage_tier(self, whole_tb: int) -> StorageTier:
        """The volume tier `whole_tb` TB of private storage billed above a plan are in."""
        return next(t for t in reversed(self.storage_private_tiers) if t.from_tb <= whole_tb)

    def private_storage_usd(self, whole_tb: int) -> tuple[Decimal, Decimal]:
        """What `whole_tb` TB billed above a plan cost a month, as a range: HF publishes the tiers' prices, not
        whether a tier's price applies to all of them (the least) or only to the TB past its start (the most)."""
        graduated = sum((t.usd_per_tb_month * max(0, min(whole_tb, t.to_tb or whole_tb) - t.from_tb)
                         for t in self.storage_private_tiers), Decimal(0))
        return self.private_storage_tier(whole_tb).usd_per_tb_month * whole_tb, graduated


def _table(raw: Mapping[str, Any]) -> Table:
    return Table(as_of=str(raw["as_of"]), source=str(raw["source"]),
                 prices=MappingProxyType({k: Decimal(str(v)) for k, v in raw["prices"].items()}),
                 gpu=frozenset(raw.get("gpu", ())))


def parse_bundled(raw: Mapping[str, Any]) -> Bundled:
    """Build the bundled tables from their JSON document."""
    return Bundled(
        spaces=_table(raw["spaces_hardware"]), jobs=_table(raw["jobs_hardware"]),
        endpoints=_table(raw["endpoints"]), plan_credits=_table(raw["plan_credits"]),
        zero_gpu_overage_usd_per_10_min=Decimal(str(raw["zero_gpu"]["overage_usd_per_10_min"])),
        storage_private_usd_per_tb_month=Decimal(str(raw["storage"]["private_usd_per_tb_month"])),
        storage_public_usd_per_tb_month=Decimal(str(raw["storage"]["public_usd_per_tb_month"])),
        zero_gpu_as_of=str(raw["zero_gpu"]["as_of"]), storage_as_of=str(raw["storage"]["as_of"]),
        storage_private_tiers=_tiers(raw["storage"]["private_tiers"]),
    )


def _tiers(raw: list[list[str]]) -> tuple[StorageTier, ...]:
    starts = [int(start) for start, _price in raw]
    return tuple(StorageTier(start, end, Decimal(price))
                 for start, end, (_start, price) in zip(starts, [*starts[1:], None], raw, strict=True))


@cache
def load_bundled() -> Bundled:
    """The bundled tables from package data (read once, then cached)."""
    text = resources.files("hfmon.pricing").joinpath("bundled.json").read_text(encoding="utf-8")
    return parse_bundled(json.loads(text))


def _hourly(flavor: HardwareFlavor) -> Decimal | None:
    label = flavor.unit_label.strip().lower()
    if label == "minute":
        return flavor.unit_cost_usd * 60
    if label == "hour":
        return flavor.unit_cost_usd
    if label == "second":
        return flavor.unit_cost_usd * 3600
    return None  # an unknown unit is not guessed at


def _flavors(items: Iterable[HardwareFlavor]) -> tuple[dict[str, Decimal], set[str]]:
    prices: dict[str, Decimal] = {}
    gpus: set[str] = set()
    for item in items:
        hourly = _hourly(item)
        if hourly is not None and hourly >= 0:
            prices[item.name] = hourly
        if item.accelerator and item.accelerator.lower() != "cpu":
            gpus.add(item.name)
    return prices, gpus


@dataclass(frozen=True, slots=True)
class Catalog:
    """Prices by layer; the lookups apply the precedence override > live > bundled."""

    bundled: Bundled
    overrides: PriceOverrides = field(default_factory=PriceOverrides)
    live_spaces: Mapping[str, Decimal] = field(default_factory=_empty)
    live_jobs: Mapping[str, Decimal] = field(default_factory=_empty)
    live_gpu: frozenset[str] = frozenset()
    # namespace -> ((vendor, region, type, size), USD/h) in catalog order
    live_endpoints: Mapping[str, tuple[tuple[tuple[str, str, str, str], Decimal], ...]] = field(default_factory=_empty)
    live_models: Mapping[tuple[str, str], tuple[Decimal | None, Decimal | None]] = field(default_factory=_empty)
    # namespace -> the Endpoints instances its live catalog offers (GPU memory, accelerators), in catalog order
    endpoint_hardware: Mapping[str, tuple[EndpointCompute, ...]] = field(default_factory=_empty)
    # `live_endpoints` by namespace: (vendor, type, size, region) and (vendor, type, size) -> the first entry's price
    _endpoint_index: dict[str, dict[tuple[str, ...], Decimal]] | None = field(
        default=None, init=False, repr=False, compare=False)

    def space(self, flavor: str) -> Price | None:
        """Hourly price per replica of a Spaces hardware flavor, or None if unpriced."""
        return _pick(self.overrides.spaces.get(flavor), self.live_spaces.get(flavor),
                     self.bundled.spaces.prices.get(flavor), self.bundled.spaces.as_of)

    def job(self, flavor: str) -> Price | None:
        """Hourly price of a Jobs hardware flavor, or None if unpriced."""
        return _pick(self.overrides.jobs.get(flavor), self.live_jobs.get(flavor),
                     self.bundled.jobs.prices.get(flavor), self.bundled.jobs.as_of)

    def endpoint(self, vendor: str, instance_type: str, instance_size: str, *,
                 region: str | None = None, namespace: str | None = None) -> Price | None:
        """Hourly price per replica of an Endpoints instance, or None if unpriced."""
        key = f"{vendor}/{instance_type}/{instance_size}"
        return _pick(self.overrides.endpoints.get(key),
                     self._live_endpoint(vendor, region, instance_type, instance_size, namespace),
                     self.bundled.endpoints.prices.get(key), self.bundled.endpoints.as_of)

    def _live_endpoint(self, vendor: str, region: str | None, itype: str, size: str,
                       namespace: str | None) -> Decimal | None:
        """The first entry in catalog order for vendor/type/size: in `region` first (the namespace's, then any
        namespace's), then in any region."""
        index = self._endpoint_index
        if index is None:  # a Report looks up each Endpoint, and each hardware history recorded, in ~100 entries
            index = _first_entries(self.live_endpoints)
            object.__setattr__(self, "_endpoint_index", index)
        spaces = [namespace] if namespace is not None and namespace in self.live_endpoints else []
        spaces += [ns for ns in self.live_endpoints if ns != namespace]
        keys: list[tuple[str, ...]] = [(vendor, itype, size, region)] if region else []
        for key in [*keys, (vendor, itype, size)]:
            for ns in spaces:
                price = index[ns].get(key)
                if price is not None:
                    return price
        return None

    def model(self, model: str, provider: str) -> TokenPrice | None:
        """Per-token price of a model through a provider, or None if unpriced."""
        override = self.overrides.models.get(f"{model}:{provider}")
        if override is not None:
            return TokenPrice(override[0], override[1], PriceSource.OVERRIDE)
        live = self.live_models.get((model, provider))
        if live is not None:
            return TokenPrice(live[0], live[1], PriceSource.LIVE)
        return None

    def is_gpu(self, kind: str, flavor: str) -> bool:
        """Whether a Spaces (`space`) or Jobs (`job`) flavor runs on a dedicated accelerator."""
        if is_zero_gpu(flavor):
            return False  # ZeroGPU is shared and quota-metered: no GPU hours are billed, none sit idle
        table = self.bundled.spaces if kind == "space" else self.bundled.jobs
        return flavor in self.live_gpu or flavor in table.gpu

    def plan_credits(self, plan: str) -> Decimal | None:
        """Included credits per month of a plan (per seat for team/enterprise), from the bundled table."""
        return self.bundled.plan_credits.prices.get(plan)

    @property
    def zero_gpu_overage(self) -> Price:
        """ZeroGPU GPU time beyond the daily quota ($1 per 10 minutes), as an hourly price."""
        return Price(self.bundled.zero_gpu_overage_usd_per_10_min * 6, PriceSource.BUNDLED, self.bundled.zero_gpu_as_of)


def _first_entries(live: Mapping[str, tuple[tuple[tuple[str, str, str, str], Decimal], ...]]) \
        -> dict[str, dict[tuple[str, ...], Decimal]]:
    """Each namespace's live Endpoints catalog as one lookup, by vendor/type/size in a region (4 parts) and in any
    region (3 parts: the two cannot collide), each to the first such entry's price in catalog order."""
    out = {}
    for ns, entries in live.items():
        first: dict[tuple[str, ...], Decimal] = {}
        for (vendor, region, itype, size), price in entries:
            first.setdefault((vendor, itype, size, region), price)
            first.setdefault((vendor, itype, size), price)
        out[ns] = first
    return out


def is_zero_gpu(flavor: str) -> bool:
    """Whether a Spaces flavor is ZeroGPU (`zero-a10g`): shared GPUs metered by a daily quota, free to host; its
    statement lines (`spaces/zero-a10g/minutes`) bill GPU-minutes over the quota (hf-api.md 0.5), not hosting."""
    return flavor.startswith("zero-")


def _pick(override: Decimal | None, live: Decimal | None, bundled: Decimal | None, as_of: str) -> Price | None:
    if override is not None:
        return Price(override, PriceSource.OVERRIDE)
    if live is not None:
        return Price(live, PriceSource.LIVE)
    if bundled is not None:
        return Price(bundled, PriceSource.BUNDLED, as_of)
    return None


def _endpoint_rows(items: Iterable[EndpointCompute]) -> tuple[tuple[tuple[str, str, str, str], Decimal], ...]:
    return tuple(((c.vendor, c.region, c.instance_type, c.instance_size), c.price_per_hour_usd)
                 for c in items if c.price_per_hour_usd >= 0)


ModelOverrides = Mapping[str, tuple[Decimal | None, Decimal | None]]  # "<model>:<provider>" → USD per 1M in, out


def model_prices(items: Iterable[RouterPrice], overrides: ModelOverrides | None = None
                 ) -> dict[tuple[str, str], tuple[Decimal | None, Decimal | None]]:
    """(model, provider) → USD per 1M tokens in/out as charged, of the offers with a price: an `is_free` offer (a
    promo) is $0, even without a published price; the config's `[prices.models]` ("<model>:<provider>") win."""
    out = {(p.model, p.provider): p.charged_per_million for p in items
           if p.is_free or p.input_usd_per_million is not None or p.output_usd_per_million is not None}
    for key, price in (overrides or {}).items():
        model, _, provider = key.rpartition(":")
        out[(model, provider)] = price
    return out


def build_catalog(snapshot: Snapshot | None, overrides: PriceOverrides | None = None,
                  bundled: Bundled | None = None) -> Catalog:
    """The catalog for one evaluation: live prices from `snapshot` (last good values included)."""
    spaces: dict[str, Decimal] = {}
    jobs: dict[str, Decimal] = {}
    gpus: set[str] = set()
    endpoints: dict[str, tuple[tuple[tuple[str, str, str, str], Decimal], ...]] = {}
    hardware: dict[str, tuple[EndpointCompute, ...]] = {}
    models: dict[tuple[str, str], tuple[Decimal | None, Decimal | None]] = {}
    if snapshot is not None:
        if snapshot.spaces_hardware.value is not None:
            spaces, space_gpus = _flavors(snapshot.spaces_hardware.value)
            gpus |= space_gpus
        if snapshot.jobs_hardware.value is not None:
            jobs, job_gpus = _flavors(snapshot.jobs_hardware.value)
            gpus |= job_gpus
        for ns in snapshot.namespaces:
            if ns.endpoint_catalog.value is not None:
                endpoints[ns.namespace] = _endpoint_rows(ns.endpoint_catalog.value)
                hardware[ns.namespace] = ns.endpoint_catalog.value
        if snapshot.router_prices.value is not None:
            models = model_prices(snapshot.router_prices.value)
    return Catalog(
        bundled=bundled if bundled is not None else load_bundled(),
        overrides=overrides if overrides is not None else PriceOverrides(),
        live_spaces=MappingProxyType(spaces), live_jobs=MappingProxyType(jobs), live_gpu=frozenset(gpus),
        live_endpoints=MappingProxyType(endpoints), live_models=MappingProxyType(models),
        endpoint_hardware=MappingProxyType(hardware),
    )
