"""Price catalogs of the fake hub: Spaces/Jobs hardware, Inference Endpoints computes, router models.

Prices are the documented public ones (hf-api.md 5.5, 6.5, 7) as exact Decimals. A per-minute unit price in
micro-USD is always `round_half_up(hourly_usd * 1e6 / 60)`, the same rounding the real Spaces catalog shows
(T4 small $0.40/h -> 6667 micro-USD per minute).
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


def minute_micro_usd(hourly_usd: Decimal) -> int:
    """Per-minute price in integer micro-USD for an hourly USD price (half-up rounding)."""
    return int((hourly_usd * 1_000_000 / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Flavor:
    """A Spaces/Jobs hardware flavor with its hourly price."""

    name: str
    pretty_name: str
    cpu: str
    ram: str
    ephemeral: str
    hourly_usd: Decimal
    gpu: tuple[str, str, str, str] | None = None  # (model, quantity, vram, manufacturer)

    @property
    def unit_micro_usd(self) -> int:
        """Per-minute price in micro-USD, as `unitCostMicroUSD`."""
        return minute_micro_usd(self.hourly_usd)


def _f(name: str, pretty: str, cpu: int, ram: int, disk: int, hourly: str,
       gpu: tuple[str, str, str, str] | None = None) -> Flavor:
    return Flavor(name, pretty, f"{cpu} vCPU", f"{ram} GB", f"{disk} GB", Decimal(hourly), gpu)


_GPU_FLAVORS: tuple[Flavor, ...] = (
    _f("t4-small", "Nvidia T4 - small", 4, 15, 50, "0.40", ("T4", "1", "16 GB", "Nvidia")),
    _f("t4-medium", "Nvidia T4 - medium", 8, 30, 100, "0.60", ("T4", "1", "16 GB", "Nvidia")),
    _f("l4x1", "1x Nvidia L4", 8, 30, 400, "0.80", ("L4", "1", "24 GB", "Nvidia")),
    _f("l4x4", "4x Nvidia L4", 48, 186, 3200, "3.80", ("L4", "4", "96 GB", "Nvidia")),
    _f("l40sx1", "1x Nvidia L40S", 8, 62, 380, "1.80", ("L40S", "1", "48 GB", "Nvidia")),
    _f("l40sx4", "4x Nvidia L40S", 48, 382, 3200, "8.30", ("L40S", "4", "192 GB", "Nvidia")),
    _f("l40sx8", "8x Nvidia L40S", 192, 1534, 6500, "23.50", ("L40S", "8", "384 GB", "Nvidia")),
    _f("a10g-small", "Nvidia A10G - small", 4, 15, 110, "1.00", ("A10G", "1", "24 GB", "Nvidia")),
    _f("a10g-large", "Nvidia A10G - large", 12, 46, 200, "1.50", ("A10G", "1", "24 GB", "Nvidia")),
    _f("a10g-largex2", "2x Nvidia A10G - large", 24, 92, 1000, "3.00", ("A10G", "2", "48 GB", "Nvidia")),
    _f("a10g-largex4", "4x Nvidia A10G - large", 48, 184, 2000, "5.00", ("A10G", "4", "96 GB", "Nvidia")),
    _f("a100-large", "Nvidia A100 - large", 12, 142, 1000, "2.50", ("A100", "1", "80 GB", "Nvidia")),
    _f("a100x4", "4x Nvidia A100", 48, 568, 4000, "10.00", ("A100", "4", "320 GB", "Nvidia")),
    _f("a100x8", "8x Nvidia A100", 96, 1136, 8000, "20.00", ("A100", "8", "640 GB", "Nvidia")),
    _f("rtx-pro-6000", "1x RTX PRO 6000", 24, 192, 1000, "2.75", ("RTX PRO 6000", "1", "96 GB", "Nvidia")),
    _f("rtx-pro-6000x2", "2x RTX PRO 6000", 48, 384, 2000, "5.50", ("RTX PRO 6000", "2", "192 GB", "Nvidia")),
    _f("rtx-pro-6000x4", "4x RTX PRO 6000", 96, 768, 4000, "11.00", ("RTX PRO 6000", "4", "384 GB", "Nvidia")),
    _f("rtx-pro-6000x8", "8x RTX PRO 6000", 192, 1536, 8000, "22.00", ("RTX PRO 6000", "8", "768 GB", "Nvidia")),
)

SPACE_FLAVORS: tuple[Flavor, ...] = (
    _f("cpu-basic", "CPU basic", 2, 16, 50, "0"),
    _f("cpu-upgrade", "CPU upgrade", 8, 32, 50, "0.03"),
    _f("zero-a10g", "ZeroGPU", 2, 16, 50, "0", ("RTX PRO 6000", "1", "48 GB", "Nvidia")),
    *_GPU_FLAVORS,
)

JOB_FLAVORS: tuple[Flavor, ...] = (
    _f("cpu-basic", "CPU basic", 2, 16, 50, "0.01"),
    _f("cpu-upgrade", "CPU upgrade", 8, 32, 50, "0.03"),
    _f("cpu-performance", "CPU performance", 32, 256, 500, "1.90"),
    _f("cpu-xl", "CPU XL", 16, 124, 500, "1.00"),
    *_GPU_FLAVORS,
    _f("h200", "1x Nvidia H200", 23, 256, 3000, "5.00", ("H200", "1", "141 GB", "Nvidia")),
    _f("h200x2", "2x Nvidia H200", 46, 512, 6000, "10.00", ("H200", "2", "282 GB", "Nvidia")),
    _f("h200x4", "4x Nvidia H200", 92, 1024, 12000, "20.00", ("H200", "4", "564 GB", "Nvidia")),
    _f("h200x8", "8x Nvidia H200", 184, 2048, 24000, "40.00", ("H200", "8", "1128 GB", "Nvidia")),
)


@dataclass(frozen=True)
class Compute:
    """One Inference Endpoints instance offer in one vendor region."""

    vendor: str
    region: str
    region_label: str
    instance_type: str
    instance_size: str
    accelerator: str
    architecture: str
    num_accelerators: int
    num_cpus: int
    memory_gb: float
    gpu_memory_gb: int | None
    price_per_hour: Decimal
    status: str = "available"
    max_accelerators: int = 16

    @property
    def id(self) -> str:
        """The compute id, `{vendor}-{region}-{type}-{size}`."""
        return f"{self.vendor}-{self.region}-{self.instance_type}-{self.instance_size}"

    @property
    def product(self) -> str:
        """The billing product name of this compute."""
        return f"endpoints/{self.vendor}/{self.instance_type}/{self.instance_size}"

    @property
    def unit_micro_usd(self) -> int:
        """Per replica-minute price in micro-USD: round_half_up(pricePerHour * 1e6 / 60)."""
        return minute_micro_usd(self.price_per_hour)


_SIZES = {"x1": 1, "x2": 2, "x4": 4, "x8": 8, "x12": 12, "x16": 16}
_GPU_ARCH = {"nvidia-t4": ("Nvidia T4", 16), "nvidia-l4": ("Nvidia L4", 24), "nvidia-a10g": ("Nvidia A10G", 24),
             "nvidia-l40s": ("Nvidia L40S", 48), "nvidia-a100": ("Nvidia A100", 80),
             "nvidia-h100": ("Nvidia H100", 80), "nvidia-h200": ("Nvidia H200", 141)}


def _computes(vendor: str, region: str, label: str, rows: str) -> tuple[Compute, ...]:
    out: list[Compute] = []
    for row in rows.split():
        itype, size, price = row.split(":")
        n = _SIZES[size]
        if itype in _GPU_ARCH:
            arch, vram = _GPU_ARCH[itype]
            out.append(Compute(vendor, region, label, itype, size, "gpu", arch, n, 8 * n, 32.0 * n, vram * n,
                               Decimal(price)))
        elif itype == "inf2":
            out.append(Compute(vendor, region, label, itype, size, "neuron", "AWS Inferentia2", n, 4 * n,
                               16.0 * n, None, Decimal(price)))
        else:
            arch = "Intel Sapphire Rapids"
            out.append(Compute(vendor, region, label, itype, size, "cpu", arch, n, n, 2.0 * n, None,
                               Decimal(price), max_accelerators=60))
    return tuple(out)


ENDPOINT_COMPUTES: tuple[Compute, ...] = (
    *_computes("aws", "us-east-1", "N. Virginia",
               "intel-spr:x1:0.033 intel-spr:x2:0.067 intel-spr:x4:0.134 intel-spr:x8:0.268 "
               "nvidia-t4:x1:0.5 nvidia-t4:x4:3 nvidia-l4:x1:0.8 nvidia-l4:x4:3.8 nvidia-a10g:x1:1 "
               "nvidia-a10g:x4:5 nvidia-l40s:x1:1.8 nvidia-l40s:x4:8.3 nvidia-l40s:x8:23.5 "
               "nvidia-a100:x1:2.5 nvidia-a100:x2:5 nvidia-a100:x4:10 nvidia-a100:x8:20 "
               "nvidia-h200:x1:5 nvidia-h200:x2:10 nvidia-h200:x4:20 nvidia-h200:x8:40 inf2:x1:0.75 inf2:x12:12"),
    *_computes("gcp", "us-east4", "N. Virginia",
               "intel-spr:x1:0.05 intel-spr:x2:0.1 intel-spr:x4:0.2 intel-spr:x8:0.4 nvidia-t4:x1:0.5 "
               "nvidia-l4:x1:0.7 nvidia-l4:x4:3.8 nvidia-a100:x1:3.6 nvidia-a100:x2:7.2 nvidia-a100:x4:14.4 "
               "nvidia-a100:x8:28.8 nvidia-h100:x1:10 nvidia-h100:x2:20 nvidia-h100:x4:40 nvidia-h100:x8:80"),
)


@dataclass(frozen=True)
class Offer:
    """One provider serving one router model; prices in USD per 1M tokens (None = no published price)."""

    provider: str
    input_usd: Decimal | None
    output_usd: Decimal | None
    throughput: float
    first_token_latency_ms: int
    context_length: int = 131072
    status: str = "live"
    is_free: bool = False  # a promo (hf-api.md 4.2): billed $0 whatever the list price

    def cost_nano_usd(self, prompt_tokens: int, completion_tokens: int) -> int:
        """Exact cost in nano-USD: tokens x price / 1e6 USD, non-integers rounded up (0 if unpriced or free)."""
        ratio = self.price_ratio()
        return 0 if ratio is None else cost_from_ratio(ratio, prompt_tokens, completion_tokens)

    def price_ratio(self) -> tuple[int, int, int] | None:
        """The prices as integers (input, output, divisor): the cost of a request in nano-USD is
        ceil((prompt x input + completion x output) / divisor), exactly. None when unpriced or free (billed $0)."""
        if self.input_usd is None or self.output_usd is None or self.is_free:
            return None
        in_num, in_den = self.input_usd.as_integer_ratio()
        out_num, out_den = self.output_usd.as_integer_ratio()
        return in_num * out_den * 1000, out_num * in_den * 1000, in_den * out_den


def cost_from_ratio(ratio: tuple[int, int, int], prompt_tokens: int, completion_tokens: int) -> int:
    """A request's exact cost in nano-USD from `Offer.price_ratio()` (integer arithmetic, rounded up)."""
    per_input, per_output, divisor = ratio
    return -(-(prompt_tokens * per_input + completion_tokens * per_output) // divisor)


@dataclass(frozen=True)
class RouterModel:
    """A model on the router with its provider offers."""

    id: str
    created: int
    offers: tuple[Offer, ...]
    task: str = "conversational"  # or "feature-extraction" (served on /v1/embeddings only)

    @property
    def owned_by(self) -> str:
        """The model's owner (the part before the slash)."""
        return self.id.split("/")[0]


def _o(provider: str, inp: str | None, out: str | None, thr: float, lat: int, status: str = "live",
       is_free: bool = False) -> Offer:
    return Offer(provider, None if inp is None else Decimal(inp), None if out is None else Decimal(out),
                 thr, lat, status=status, is_free=is_free)


ROUTER_MODELS: tuple[RouterModel, ...] = (
    RouterModel("meta-llama/Llama-3.3-70B-Instruct", 1733356800, (
        _o("together", "0.88", "0.88", 82.5, 420), _o("fireworks-ai", "0.9", "0.9", 121.0, 380),
        _o("groq", "0.59", "0.79", 310.2, 210), _o("nscale", "0.4", "0.4", 45.1, 900))),
    RouterModel("Qwen/Qwen3-235B-A22B-Instruct-2507", 1753142400, (
        _o("novita", "0.2", "0.8", 38.0, 1100), _o("together", "0.2", "0.6", 61.3, 640),
        _o("fireworks-ai", "0.22", "0.88", 95.4, 450))),
    RouterModel("deepseek-ai/DeepSeek-V3.1", 1755734400, (
        _o("novita", "0.27", "1", 30.2, 1500), _o("fireworks-ai", "0.56", "1.68", 72.8, 700),
        _o("together", "0.6", "1.7", 55.0, 800))),
    RouterModel("openai/gpt-oss-120b", 1754352000, (
        _o("cerebras", "0.25", "0.69", 2200.0, 150), _o("groq", "0.15", "0.75", 480.0, 190),
        _o("together", "0.15", "0.6", 140.0, 350), _o("novita", "0.1", "0.5", 60.0, 900))),
    RouterModel("google/gemma-3-27b-it", 1741737600, (
        _o("scaleway", "0.25", "0.5", 48.0, 600), _o("featherless-ai", None, None, 20.0, 2000),
        _o("nebius", "0.1", "0.3", 35.0, 700, status="error"))),
    RouterModel("Qwen/Qwen3-Embedding-8B", 1749600000, (
        _o("nebius", "0.01", "0", 5000.0, 60), _o("scaleway", "0.02", "0", 4000.0, 80, is_free=True)),
        task="feature-extraction"),
)
