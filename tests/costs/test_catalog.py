"""The pricing catalog: layer precedence, a live price change, free vs unpriced, bundled provenance."""

from __future__ import annotations

import random
from dataclasses import replace
from decimal import Decimal
from types import MappingProxyType

from hfmon.models import RouterPrice
from hfmon.pricing import PriceOverrides, build_catalog, load_bundled
from hfmon.report import Price, PriceSource
from tests.costs.builders import compute, flavor, namespace, snapshot

D = Decimal


def test_every_bundled_table_says_when_and_where_it_comes_from() -> None:
    b = load_bundled()
    for table in (b.spaces, b.jobs, b.endpoints, b.plan_credits):
        assert table.as_of[:4] == "2026" and ":" in table.source
    assert b.spaces.prices["t4-small"] == D("0.40")
    assert b.endpoints.prices["aws/nvidia-l4/x1"] == D("0.8")
    assert b.zero_gpu_overage_usd_per_10_min == 1
    assert b.storage_private_usd_per_tb_month == 18


def test_bundled_prices_fill_in_without_live_catalogs() -> None:
    cat = build_catalog(None)
    assert cat.space("a10g-large") == Price(D("1.50"), PriceSource.BUNDLED)
    assert cat.job("cpu-basic") == Price(D("0.01"), PriceSource.BUNDLED)
    assert cat.endpoint("gcp", "nvidia-l4", "x1") == Price(D("0.7"), PriceSource.BUNDLED)
    assert cat.plan_credits("pro") == D("2.00")
    assert cat.zero_gpu_overage == Price(D(6), PriceSource.BUNDLED)  # $1 per 10 min


def test_live_beats_bundled_and_override_beats_live() -> None:
    snap = snapshot(namespace("alice", endpoint_catalog=(compute("nvidia-l4", "x1", "0.85"),)),
                    spaces_hw=(flavor("t4-small", "0.0075", gpu=True),), jobs_hw=(flavor("cpu-basic", "0.000167"),))
    live = build_catalog(snap)
    assert live.space("t4-small") == Price(D("0.4500"), PriceSource.LIVE)  # per minute x 60
    assert live.job("cpu-basic") == Price(D("0.010020"), PriceSource.LIVE)
    assert live.endpoint("aws", "nvidia-l4", "x1", region="us-east-1") == Price(D("0.85"), PriceSource.LIVE)
    overrides = PriceOverrides(spaces=MappingProxyType({"t4-small": D("0.30")}),
                               endpoints=MappingProxyType({"aws/nvidia-l4/x1": D("0.5")}))
    mine = build_catalog(snap, overrides)
    assert mine.space("t4-small") == Price(D("0.30"), PriceSource.OVERRIDE)
    assert mine.endpoint("aws", "nvidia-l4", "x1") == Price(D("0.5"), PriceSource.OVERRIDE)
    assert mine.job("cpu-basic") == Price(D("0.010020"), PriceSource.LIVE)


def test_a_live_price_change_is_picked_up() -> None:
    before = build_catalog(snapshot(spaces_hw=(flavor("l4x1", "0.013333", gpu=True),)))
    after = build_catalog(snapshot(spaces_hw=(flavor("l4x1", "0.016667", gpu=True),)))
    assert before.space("l4x1") == Price(D("0.79998"), PriceSource.LIVE)
    assert after.space("l4x1") == Price(D("1.00002"), PriceSource.LIVE)


def test_endpoint_prices_follow_the_region_then_the_namespace() -> None:
    snap = snapshot(namespace("alice", endpoint_catalog=(compute("nvidia-l4", "x1", "0.8", region="us-east-1"),
                                                         compute("nvidia-l4", "x1", "0.9", region="eu-west-1"))),
                    namespace("acme", kind="org", endpoint_catalog=(compute("nvidia-l4", "x1", "1.1"),)))
    cat = build_catalog(snap)
    assert cat.endpoint("aws", "nvidia-l4", "x1", region="eu-west-1", namespace="alice").usd_per_hour == D("0.9")
    assert cat.endpoint("aws", "nvidia-l4", "x1", namespace="acme").usd_per_hour == D("1.1")
    assert cat.endpoint("aws", "nvidia-l4", "x1", namespace="alice").usd_per_hour == D("0.8")


def test_free_hardware_is_zero_but_unknown_hardware_is_unpriced() -> None:
    cat = build_catalog(snapshot(spaces_hw=(flavor("cpu-basic", "0"),)))
    assert cat.space("cpu-basic") == Price(D(0), PriceSource.LIVE)
    assert cat.space("quantum-x1") is None
    assert cat.space("rtx-pro-6000") is None  # not in the Spaces price table
    assert cat.endpoint("aws", "nvidia-t4", "x2") is None  # the docs elide this size: no guess
    assert cat.job("quantum-x1") is None


def test_model_prices_come_live_or_from_overrides_only() -> None:
    router = (RouterPrice("deepseek-ai/DeepSeek-V4-Pro", "together", "live", D("2.1"), D("4.4")),
              RouterPrice("deepseek-ai/DeepSeek-V4-Pro", "featherless-ai", "live", None, None))
    overrides = PriceOverrides(models=MappingProxyType({"deepseek-ai/DeepSeek-V4-Pro:novita": (D(1), D(2))}))
    cat = build_catalog(snapshot(router=router), overrides)
    together = cat.model("deepseek-ai/DeepSeek-V4-Pro", "together")
    assert together is not None and together.source is PriceSource.LIVE and together.output_usd_per_million == D("4.4")
    assert cat.model("deepseek-ai/DeepSeek-V4-Pro", "featherless-ai") is None  # listed without a price
    novita = cat.model("deepseek-ai/DeepSeek-V4-Pro", "novita")
    assert novita is not None and novita.source is PriceSource.OVERRIDE


def test_a_stale_live_catalog_still_prices() -> None:
    snap = snapshot(spaces_hw=(flavor("t4-small", "0.0075"),))
    stale = replace(snap, spaces_hardware=replace(snap.spaces_hardware, error="timeout"))
    assert build_catalog(stale).space("t4-small") == Price(D("0.4500"), PriceSource.LIVE)


def scanned(live: dict[str, tuple[tuple[tuple[str, str, str, str], Decimal], ...]], vendor: str, region: str | None,
            itype: str, size: str, ns: str | None) -> Decimal | None:
    """An Endpoint's live price by reading the catalogs in order: the first entry in `region` (the namespace's
    catalog first), else the first in any region."""
    order = ([ns] if ns in live else []) + [n for n in live if n != ns]
    for exact in ((True, False) if region else (False,)):
        for n in order:
            for (v, r, t, s), price in live[n]:
                if (v, t, s) == (vendor, itype, size) and (not exact or r == region):
                    return price
    return None


def test_endpoint_lookups_give_the_first_entry_in_catalog_order() -> None:
    rnd = random.Random(58)
    vendors, regions, types = ("aws", "gcp"), ("us-east-1", "eu-west-1", "us-west-2"), ("nvidia-l4", "nvidia-a10g")
    for _ in range(300):
        live = {ns: tuple(((rnd.choice(vendors), rnd.choice(regions), rnd.choice(types), rnd.choice(("x1", "x2"))),
                           D(rnd.randrange(1, 500)) / 100) for _ in range(rnd.randrange(0, 12)))
                for ns in rnd.sample(("alice", "acme", "bob"), rnd.randrange(1, 4))}
        cat = replace(build_catalog(None), live_endpoints=MappingProxyType(live))
        for _ in range(20):
            ask = (rnd.choice(vendors), rnd.choice((*regions, None, "")), rnd.choice(types), rnd.choice(("x1", "x2")),
                   rnd.choice(("alice", "acme", "bob", "carol", None)))
            price = cat.endpoint(ask[0], ask[2], ask[3], region=ask[1], namespace=ask[4])
            want = scanned(live, *ask)
            assert (None if price is None or price.source is not PriceSource.LIVE else price.usd_per_hour) == want
