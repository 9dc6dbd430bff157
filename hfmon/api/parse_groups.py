"""Pure parsers for an org's resource groups (spend limits) and its usage per resource group (Enterprise)."""

from __future__ import annotations

from decimal import Decimal

from hfmon.api.parse_common import (
    COUNT,
    Json,
    Obj,
    as_list,
    as_obj,
    cents,
    list_field,
    need_moment,
    need_number,
    need_str,
    need_usd,
    opt_int,
    opt_number,
    opt_obj,
    opt_str,
)
from hfmon.models import ResourceGroup, ResourceGroupUsage

# The spec's `spendLimits` keys, in the order a report lists them, and what hfmon calls each product.
LIMIT_KEYS = (("total", "total"), ("inferenceProviders", "inference"), ("spaces", "spaces"),
              ("endpoints", "endpoints"), ("jobs", "jobs"))


def parse_resource_groups(data: Json, namespace: str) -> tuple[ResourceGroup, ...]:
    """`GET /api/organizations/{name}/resource-groups` → each group with its spend limits (cents → USD)."""
    out = []
    for i, raw in enumerate(as_list(data, "resource-groups")):
        w = f"resource-groups[{i}]"
        g = as_obj(raw, w)
        limits = opt_obj(g, "spendLimits")
        out.append(ResourceGroup(
            namespace=namespace,
            id=need_str(g, "id", w),
            name=need_str(g, "name", w),
            limits_usd=tuple((product, cents(value)) for key, product in LIMIT_KEYS
                             if (value := opt_number(limits, key, f"{w}.spendLimits")) is not None),
        ))
    return tuple(out)


def _compute_usd(compute: Obj, product: str, where: str) -> Decimal:
    """`compute.<product>.costCents` in USD."""
    w = f"{where}.compute.{product}"
    return cents(need_number(as_obj(compute.get(product), w), "costCents", w))


def parse_group_usage(data: Json, namespace: str) -> tuple[ResourceGroupUsage, ...]:
    """`GET .../billing/usage-by-resource-group` → one row per group and monthly period (id None: no group)."""
    w = "usage-by-resource-group"
    out = []
    answer = as_obj(data, w)
    need_usd(answer, w)
    for i, raw in enumerate(list_field(answer, "periods", w)):
        pw = f"{w}.periods[{i}]"
        p = as_obj(raw, pw)
        period = need_moment(p, "period", pw)
        for k, g_raw in enumerate(list_field(p, "resourceGroups", pw)):
            gw = f"{pw}.resourceGroups[{k}]"
            g = as_obj(g_raw, gw)
            compute = as_obj(g.get("compute"), f"{gw}.compute")
            inference = as_obj(g.get("inference"), f"{gw}.inference")
            storage = as_obj(g.get("storage"), f"{gw}.storage")
            out.append(ResourceGroupUsage(
                namespace=namespace,
                id=opt_str(g, "id"),
                name=opt_str(g, "name"),
                period=period,
                inference_usd=cents(need_number(inference, "costCents", f"{gw}.inference")),
                requests=opt_int(inference, "requestCount", f"{gw}.inference", COUNT),  # absent: unknown, never 0
                spaces_usd=_compute_usd(compute, "spaces", gw),
                endpoints_usd=_compute_usd(compute, "endpoints", gw),
                jobs_usd=_compute_usd(compute, "jobs", gw),
                private_gb=need_number(storage, "privateGB", f"{gw}.storage"),
                public_gb=need_number(storage, "publicGB", f"{gw}.storage"),
            ))
    return tuple(out)
