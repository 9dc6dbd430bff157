"""Endpoints on hardware larger than their model needs: the model's size against the instance's GPU memory. Pure.

The fit rule (an assumption, stated in every finding): a model fits an instance when its weights (the Hub's
safetensors parameter counts × the bytes of their dtype) times `AdvisorSettings.fit_overhead` (room for the KV
cache, activations and the runtime) are at most the instance's GPU memory as the Endpoints catalog states it (per
replica, summed over its accelerators; a GB read as 10^9 bytes, the smaller reading).

An Endpoint gets a finding when the rule says its model fits its own instance and a cheaper instance of the same
vendor, region and accelerator kind, available in its namespace's catalog, fits too: the cheapest of those. Where
the rule cannot judge (the model's size unknown, an instance's GPU memory unknown, the model too big for its own
instance by the rule) there is no finding and `not_judged` says why: a size is never guessed.

The saving is the hourly price difference times the replica-hours a month the Endpoint bills: at its pace this
period (the statement's billed minutes over the hours elapsed, times the hours of a month; measured), else its
min replicas around the clock (judged, a floor), else unknown. A month is `AdvisorSettings.hours_per_month`.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from hfmon.advice.model import AdvisorSettings, Confidence, Finding, HowToApply, priced_by
from hfmon.advice.rules import ENDPOINT_IDLE, ENDPOINTS_API, so_far
from hfmon.format import counted, per_hour, shell_command
from hfmon.modelinfo import ModelWeights
from hfmon.models import EndpointCompute
from hfmon.pricing.catalog import Catalog
from hfmon.report import EndpointRow

GB = Decimal(10**9)
MICRO = Decimal("0.000001")
AVAILABLE = frozenset({"available", "low_availability"})
"""Catalog statuses an Endpoint can be moved to (not `not_available`, `reserved` or `deprecated`)."""

DTYPE_BYTES: dict[str, Decimal] = {
    "F64": Decimal(8), "I64": Decimal(8), "U64": Decimal(8),
    "F32": Decimal(4), "I32": Decimal(4), "U32": Decimal(4),
    "F16": Decimal(2), "BF16": Decimal(2), "I16": Decimal(2), "U16": Decimal(2),
    "F8_E4M3": Decimal(1), "F8_E5M2": Decimal(1), "F8_E8M0": Decimal(1), "I8": Decimal(1), "U8": Decimal(1),
    "BOOL": Decimal(1), "F6_E2M3": Decimal("0.75"), "F6_E3M2": Decimal("0.75"), "F4": Decimal("0.5"),
}
"""Bytes per parameter of each safetensors dtype; a dtype not listed makes the size unknown (never guessed)."""


def _gb(value: Decimal) -> str:
    return f"{value.quantize(Decimal('0.01')).normalize():f} GB"


def weights_bytes(weights: ModelWeights) -> tuple[Decimal | None, str]:
    """(bytes of the weights, how they were counted), or (None, why the size is unknown)."""
    if weights.parameters is None:
        return None, weights.unknown_reason or "the Hub gave no parameter counts"
    unknown = [dtype for dtype, _ in weights.parameters if dtype.upper() not in DTYPE_BYTES]
    if unknown:
        return None, f"dtype {unknown[0]} has no size hfmon knows"
    size = sum((DTYPE_BYTES[dtype.upper()] * count for dtype, count in weights.parameters), Decimal(0))
    parts = " + ".join(f"{count:,} {dtype}" for dtype, count in weights.parameters)
    return size, f"{parts} parameters = {_gb(size / GB)} of weights"


def _hw(c: EndpointCompute) -> str:
    return f"{c.vendor}/{c.instance_type}/{c.instance_size}"


@dataclass(frozen=True, slots=True)
class Sizing:
    """What the fit rule says of one Endpoint: a finding, a reason it could not judge, or neither (right-sized)."""

    finding: Finding | None = None
    not_judged: str | None = None


def oversized(row: EndpointRow, weights: ModelWeights | None, catalog: Catalog, settings: AdvisorSettings,
              period_hours: Decimal) -> Sizing:
    """An Endpoint whose model fits a cheaper instance of its vendor and region, by the fit rule."""
    e, cost = row.endpoint, row.cost
    if e.state in ENDPOINT_IDLE or e.accelerator != "gpu" or not e.repository or cost.granted:
        return Sizing()
    name = f"endpoint {e.id}"

    def skip(why: str) -> Sizing:
        return Sizing(not_judged=f"{name}: hardware size not judged: {why}")

    if weights is None:
        return skip(f"the size of {e.repository} was not read from the Hub")
    size, counted = weights_bytes(weights)
    if size is None:
        return skip(f"the size of {e.repository} is unknown ({counted})")
    offers = catalog.endpoint_hardware.get(e.namespace, ())
    current = next((c for c in offers if (c.vendor, c.region, c.instance_type, c.instance_size)
                    == (e.vendor, e.region, e.instance_type, e.instance_size)), None)
    hardware = f"{e.vendor}/{e.instance_type}/{e.instance_size}"
    if current is None or current.gpu_memory_gb is None:
        return skip(f"the Endpoints catalog does not state the GPU memory of {hardware} in {e.region}")
    need = size * settings.fit_overhead
    if current.gpu_memory_gb * GB < need:
        return skip(f"by the fit rule {e.repository} needs {_gb(need / GB)}, more than the "
                    f"{_gb(current.gpu_memory_gb)} of {hardware}, which serves it: the rule does not fit this "
                    "deployment")
    if cost.price is None:
        return skip(f"{hardware} has no price in any catalog layer")
    fitting, unstated = [], 0
    for c in offers:
        if (c.vendor, c.region, c.accelerator) != (e.vendor, e.region, e.accelerator) or c.status not in AVAILABLE:
            continue
        if c.gpu_memory_gb is None:
            unstated += 1
            continue
        price = catalog.endpoint(c.vendor, c.instance_type, c.instance_size, region=c.region, namespace=e.namespace)
        if c.gpu_memory_gb * GB >= need and price is not None and price.usd_per_hour < cost.price.usd_per_hour:
            fitting.append((price.usd_per_hour, c.gpu_memory_gb, c.instance_type, c.instance_size, c, price))
    if not fitting:
        return Sizing()
    alt_price, alt_memory, *_, alt, alt_price_of = min(fitting, key=lambda f: f[:4])
    now_price = cost.price.usd_per_hour
    replica_hours, confidence, pace = _replica_hours_month(row, period_hours, settings.hours_per_month)
    saving = month = None
    assumption = (f"by the fit rule: weights × {settings.fit_overhead.normalize():f} (KV cache, activations, "
                  f"runtime) fit the GPU memory the catalog states; ")
    if replica_hours is None:
        assumption = "saving unknown: " + assumption + pace
    else:
        if replica_hours <= 0:
            return Sizing()
        saving = ((now_price - alt_price) * replica_hours).quantize(MICRO)
        month = (now_price * replica_hours).quantize(MICRO)
        assumption += pace + "; if the model serves as well on the smaller GPU (hfmon cannot measure speed)"
    evidence = [f"{e.repository}: {counted}; × {settings.fit_overhead.normalize():f} = {_gb(need / GB)} needed",
                f"now {hardware}: {_gb(current.gpu_memory_gb)} GPU memory at {per_hour(now_price)} a replica",
                f"cheapest that fits in {e.vendor}/{e.region}: {_hw(alt)} with {_gb(alt_memory)} at "
                f"{per_hour(alt_price)}"]
    if unstated:
        evidence.append(f"{unstated} {e.accelerator} instance(s) of {e.vendor}/{e.region} have no GPU memory in the "
                        "catalog: not considered")
    return Sizing(Finding(
        "oversized_hardware", e.namespace, name,
        f"move it to {_hw(alt)} ({_gb(alt_memory)}, {per_hour(alt_price)}) from {hardware} "
        f"({_gb(current.gpu_memory_gb)}, {per_hour(now_price)})",
        saving, assumption, confidence, tuple(evidence), _apply(e.namespace, e.name, alt), month, so_far(cost),
        **priced_by(cost.price, alt_price_of)))


def _replica_hours_month(row: EndpointRow, period_hours: Decimal,
                         month_h: Decimal) -> tuple[Decimal | None, Confidence, str]:
    """(replica-hours a month, how sure, the assumption in words) of an Endpoint at its pace this period."""
    billed = row.cost.billed_hours
    if billed is not None and period_hours > 0:
        hours = billed * month_h / period_hours
        return hours, Confidence.MEASURED, (
            f"at its pace this period: {billed.quantize(Decimal('0.01')).normalize():f} replica-hours billed in "
            f"{period_hours.quantize(Decimal('0.1')):f} h, {hours.quantize(Decimal('0.1')).normalize():f} a month "
            f"of {month_h.normalize():f} h")
    low = row.endpoint.min_replica or 0
    if low >= 1 and not row.cost.replicas:  # paused, failed, pending, updating, or an unknown stage: bills 0 now
        return None, Confidence.JUDGED, (
            f"it is not billed now (state {row.endpoint.state}) and this period's billed hours are unreadable, so "
            "how many hours it will bill is unknown")
    if low >= 1:
        return (Decimal(low) * month_h, Confidence.JUDGED,
                f"at least its {counted(low, 'min replicas')} around the clock (this period's statement is unreadable)")
    return None, Confidence.JUDGED, "it scales to zero and this period's billed hours are unreadable"


def _apply(namespace: str, name: str, to: EndpointCompute) -> HowToApply:
    return HowToApply(
        shell_command("hf", "endpoints", "update", name, "--namespace", namespace, "--instance-type",
                      to.instance_type, "--instance-size", to.instance_size),
        f"endpoint {namespace}/{name} › Settings › Instance configuration: {to.instance_type} {to.instance_size}",
        f"PUT {ENDPOINTS_API}/{namespace}/{name} {{\"compute\": {{\"instanceType\": \"{to.instance_type}\", "
        f"\"instanceSize\": \"{to.instance_size}\"}}}}")
