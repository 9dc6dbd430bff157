"""Resource groups of a Team or Enterprise org: what is in each, its spend limits, and the org's usage per group.

Usage per group is the org's own statement lines summed over the group's Spaces, Endpoints and Jobs, so every
figure agrees with `billing/usage`; resources in no group, and all Inference Providers spend (the fake's traffic is
per namespace, not per group), form HF's remainder row with `id` and `name` null. Shapes follow the spec's
schemas for `organizations/{name}/resource-groups[/{id}]` and `organizations/{name}/billing/usage-by-resource-group`.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from hfmon.fakehub import billing
from hfmon.fakehub.hub import Ctx
from hfmon.fakehub.scenario import Org, ResourceGroupDef, Scenario, period_bounds
from hfmon.fakehub.wire import HTTPError, Resp, json_resp, not_found

PLANS_WITH_GROUPS = frozenset({"team", "enterprise", "plus"})
"""The spec (hf-openapi.json) on every resource-groups route: "Requires the org to have a Team plan or higher"; plus is
Enterprise Plus. What HF answers an org below that is undocumented: the fake's 403 is one plausible answer."""
LIMITED = ("inferenceProviders", "spaces", "jobs", "endpoints")
COMPUTE = ("spaces", "endpoints", "jobs")
GB = 1_000_000_000


@dataclass
class GroupUsage:
    """One group's usage over a window: micro-USD and billed seconds per compute product, inference, storage."""

    micro_usd: dict[str, int]
    seconds: dict[str, int]
    inference_nano_usd: int = 0
    requests: int = 0
    private_bytes: int = 0
    public_bytes: int = 0

    @classmethod
    def empty(cls) -> GroupUsage:
        """No usage."""
        return cls({p: 0 for p in COMPUTE}, {p: 0 for p in COMPUTE})

    def spend_cents(self) -> dict[str, float]:
        """Spend per limited product and in total, in cents (what spend limits are written in)."""
        out = {p: self.micro_usd[p] / 10_000 for p in COMPUTE}
        out["inferenceProviders"] = self.inference_nano_usd / 10_000_000
        out["total"] = sum(out.values())
        return out


def group_of(scn: Scenario, org: str, resource: str) -> ResourceGroupDef | None:
    """The group of `org` that holds `resource` (a Space, endpoint or repo id, or a job id), if any."""
    return next((g for g in scn.resource_groups if g.org == org and resource in g.members), None)


def usage(scn: Scenario, org: str, lines: list[billing.Line], now: datetime,
          inference: tuple[int, int] = (0, 0)) -> dict[str | None, GroupUsage]:
    """Usage per group id (None: in no group) of `org` at `now`, from its usage `lines` of the window
    (`billing.all_lines`); `inference` = (nano-USD, requests) of the org, all of it in the remainder row."""
    out: dict[str | None, GroupUsage] = {g.id: GroupUsage.empty() for g in scn.resource_groups if g.org == org}
    out[None] = GroupUsage.empty()
    for line in lines:
        if line.group not in COMPUTE:
            continue
        group = group_of(scn, org, line.label)
        row = out[group.id if group else None]
        row.micro_usd[line.group] += line.total_micro_usd
        if not line.product.startswith(billing.ZERO_GPU_PRODUCT):  # GPU-minutes over a quota are not uptime
            row.seconds[line.group] += line.quantity * 60
    out[None].inference_nano_usd, out[None].requests = inference
    sized = [(r.id, r.private, r.used_storage) for r in scn.repos if r.namespace == org]
    sized += [(s.id, s.private, s.used_storage) for s in scn.spaces if s.namespace == org and s.created_at <= now]
    for rid, private, size in sized:
        group = group_of(scn, org, rid)
        row = out[group.id if group else None]
        if private:
            row.private_bytes += size
        else:
            row.public_bytes += size
    return out


def usage_json(group: ResourceGroupDef | None, found: GroupUsage) -> dict[str, Any]:
    """One `resourceGroups[]` entry of usage-by-resource-group."""
    cents = found.spend_cents()
    return {"id": group.id if group else None, "name": group.name if group else None,
            "storage": {"privateGB": found.private_bytes / GB, "publicGB": found.public_bytes / GB},
            "inference": {"requestCount": found.requests, "costCents": cents["inferenceProviders"]},
            "compute": {p: {"uptimeSec": found.seconds[p], "costCents": cents[p]} for p in COMPUTE}}


def group_json(scn: Scenario, group: ResourceGroupDef, role: str) -> dict[str, Any]:
    """A resource group as `organizations/{name}/resource-groups` lists it (spend limits in cents)."""
    u = scn.user
    resources: list[dict[str, Any]] = []
    for r in scn.repos:
        if r.id in group.members:
            resources.append({"type": r.kind, "name": r.id, "private": r.private})
    for s in scn.spaces:
        if s.id in group.members:
            resources.append({"type": "space", "name": s.id, "private": s.private})
    resources += [{"type": "job", "id": j.id} for j in scn.jobs if j.id in group.members]
    return {"id": group.id, "name": group.name, "description": group.description, "autoJoin": {"enabled": False},
            "spendLimits": dict(group.spend_limits),
            "users": [{"type": "user", "_id": u.id, "fullname": u.fullname, "name": u.name,
                       "avatarUrl": f"/avatars/{u.id}.svg", "role": role}],
            "resources": resources}


def _dollars(cents: float) -> int:
    """A limit in cents rounded up to whole dollars, at least $1."""
    return max(100, math.ceil(cents / 100) * 100)


def demo_groups(scn: Scenario, org: str, seed_ids: dict[str, str],
                plan: dict[str, tuple[str, frozenset[str]]]) -> tuple[ResourceGroupDef, ...]:
    """Groups of `org` whose limits are set from their spend at the scenario start: `plan` maps a group name to
    (limit style, members); style `near` puts the total limit just above the spend (93% used), `roomy` leaves
    plenty of room (about a third used) with an Endpoints limit and an Inference Providers limit."""
    lo, _ = period_bounds(scn.start)
    drafts = tuple(ResourceGroupDef(seed_ids[name], org, name, None, members, ())
                   for name, (_, members) in plan.items())
    drafted = replace(scn, resource_groups=drafts)
    spent = usage(drafted, org, billing.all_lines(drafted, org, lo, scn.start, scn.start), scn.start)
    out = []
    for group in drafts:
        cents = spent[group.id].spend_cents()
        if plan[group.name][0] == "near":
            limits: tuple[tuple[str, int], ...] = (("total", _dollars(cents["total"] / 0.93)),)
        else:
            limits = (("total", _dollars(cents["total"] * 3)), ("endpoints", _dollars(cents["endpoints"] * 2)),
                      ("inferenceProviders", 5_000))
        out.append(ResourceGroupDef(group.id, org, group.name, f"The {group.name} team's resources", group.members,
                                    limits))
    return tuple(out)


def groups_route(ctx: Ctx, org: Org, rest: list[str]) -> Resp | None:
    """GET organizations/{org}/resource-groups[/{id}]: the groups the caller can see, with spend limits."""
    ctx.need_auth()
    if org.plan not in PLANS_WITH_GROUPS:
        raise HTTPError(403, "Resource groups require the org to have a Team plan or higher")
    mine = [g for g in ctx.scn.resource_groups if g.org == org.name]
    if not rest:
        return ctx.json_memo((), lambda: [group_json(ctx.scn, g, org.role) for g in mine])
    if len(rest) == 1:
        found = next((g for g in mine if g.id == rest[0]), None)
        if found is None:
            raise not_found("Resource group not found")
        return json_resp(group_json(ctx.scn, found, org.role))
    return None
