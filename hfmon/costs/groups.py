"""Resource-group spend this month against each group's spend limits (Team and Enterprise orgs), and their flags. Pure.

HF reports usage per group (`usage-by-resource-group`) including a remainder row for resources in no group, and
spend limits per group (`resource-groups`): `total` and per product. A group's `total` spend is the sum of the
products HF limits (Inference Providers, Spaces, Endpoints, Jobs); a spend nobody reported is unknown, never $0.

Every org is asked (an org's plan does not rule groups out: see `collect`); an org whose groups were read from
neither source has no rows and is named as missing, never shown as an org without groups.

- `resource_group_limit_near`: spend at `alerts.limit_near_pct`% (default 90) of a limit.
- `resource_group_limit_hit`: spend at or over a limit (HF's Jobs API names RESOURCE_GROUP_LIMIT as a reason it
  cancels a job).
- `resource_group_limit_closed` (info): a $0 limit on a product the group spent nothing on this month (state
  `closed`): HF refuses that product, and nothing in use is refused. A user who turns a product off says so this way;
  it is critical (`over`, `resource_group_limit_hit`) only once the group spent on it.

A limit of 0 is a $0 limit, not "no limit": HF's spec removes a limit with `null` (PATCH resource-groups/{id}: "in
cents, `null` to remove"), so a group with `total: 0` may spend nothing and is at its limit from the start. What share
of $0 a spend is has no figure: its `used_pct` is None and the spend itself is said.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import ROUND_FLOOR, Decimal

from hfmon.config import Alerts
from hfmon.format import money
from hfmon.models import NamespaceData, ResourceGroup, ResourceGroupUsage
from hfmon.report import Flag, GroupLimit, ResourceGroupSpend, Severity

NO_GROUP = "(not in a group)"
GROUP_UNLISTED = "not in HF's usage by resource group"
"""Why a group's spend is unknown when its org's usage by resource group was read without a row for it: whether HF
leaves out a group that spent nothing is not documented, so never $0."""
GROUP_USAGE_UNREAD = "its org's group usage not read"


def _latest(rows: Iterable[ResourceGroupUsage]) -> list[ResourceGroupUsage]:
    """The rows of the most recent monthly period."""
    rows = list(rows)
    if not rows:
        return []
    last = max(r.period for r in rows)
    return [r for r in rows if r.period == last]


def _state(spent: Decimal | None, limit: Decimal, alerts: Alerts) -> str:
    """How close a spend is to its limit, on the exact amounts: the one rule the flags, the text and the dashboard
    follow. HF refuses usage once the limit is reached, so a cent under it is near, not over."""
    if spent is None:
        return "unknown"
    if limit <= 0 and spent <= 0:  # HF refuses the product from the start: nothing that was in use
        return "closed"
    if spent >= limit:  # a $0 limit with spend: HF refuses what the group was using
        return "over"
    return "near" if spent * 100 >= alerts.limit_near_pct * limit else "ok"


def _pct(spent: Decimal | None, limit: Decimal, state: str, alerts: Alerts) -> Decimal | None:
    """The share of the limit used, to 0.1 %, for display: rounded down (never 100.0 % under the limit), and never
    below the near threshold when the state is near (89.96 % of a 90 % threshold is ok and reads 89.9 %). None: unknown,
    or a $0 limit (no spend is a share of it)."""
    if state == "unknown" or spent is None or limit <= 0:
        return None
    shown = (spent * 100 / limit).quantize(Decimal("0.1"), rounding=ROUND_FLOOR)
    return max(shown, alerts.limit_near_pct) if state == "near" else shown


def _row(namespace: str, group: ResourceGroup | None, used: ResourceGroupUsage | None,
         alerts: Alerts, limits_read: bool = True, why: str | None = None) -> ResourceGroupSpend:
    spend = {
        "inference": used.inference_usd if used else None,
        "spaces": used.spaces_usd if used else None,
        "endpoints": used.endpoints_usd if used else None,
        "jobs": used.jobs_usd if used else None,
    }
    known = [v for v in spend.values() if v is not None]
    spend["total"] = sum(known, Decimal(0)) if used is not None else None
    limits = []
    for product, limit in group.limits_usd if group else ():
        state = _state(spend[product], limit, alerts)
        limits.append(GroupLimit(product, limit, spend[product], _pct(spend[product], limit, state, alerts), state))
    name = group.name if group else (used.name if used and used.name else NO_GROUP)
    group_id = group.id if group else (used.id if used else None)
    return ResourceGroupSpend(
        namespace=namespace, id=group_id, name=name,
        period=used.period if used else None, inference_usd=spend["inference"], spaces_usd=spend["spaces"],
        endpoints_usd=spend["endpoints"], jobs_usd=spend["jobs"], total_usd=spend["total"],
        private_gb=used.private_gb if used else None, public_gb=used.public_gb if used else None,
        limits=None if group_id is not None and group is None and not limits_read else tuple(limits),
        spend_unknown_why=None if used is not None else why)


def group_rows(namespaces: Sequence[NamespaceData], alerts: Alerts,
               unknown: Sequence[str] = ()) -> tuple[tuple[ResourceGroupSpend, ...] | None, tuple[str, ...]]:
    """Every readable resource group with its spend and limits, per namespace, then HF's remainder row; and the
    sources of the namespaces whose groups are unknown (neither source read), after the `unknown` namespaces. The
    rows are None when no namespace's groups were read: () would say there are none."""
    out: list[ResourceGroupSpend] = []
    missing, read = list(unknown), False
    for ns in namespaces:
        groups_src, usage_src = ns.resource_groups, ns.resource_group_usage
        polled = [s for s in (groups_src, usage_src) if s is not None]
        if polled and all(s.value is None for s in polled):
            missing += [s.name for s in polled]
            continue
        read = read or bool(polled)
        groups = list(groups_src.value or ()) if groups_src is not None else []
        usage = _latest(usage_src.value or ()) if usage_src is not None else []
        if not groups and all(u.id is None for u in usage):  # no group: HF's remainder row alone is the whole org
            continue
        by_id = {u.id: u for u in usage if u.id is not None}
        usage_known = usage_src is not None and usage_src.value is not None
        limits_read = groups_src is None or groups_src.value is not None  # unread: each group's limits unknown
        for group in groups:
            used = by_id.pop(group.id, None)
            out.append(_row(ns.namespace, group, used if usage_known else None, alerts,
                            why=GROUP_UNLISTED if usage_known else GROUP_USAGE_UNREAD))
        out += [_row(ns.namespace, None, u, alerts, limits_read) for u in usage if u.id is not None and u.id in by_id]
        out += [_row(ns.namespace, None, u, alerts) for u in usage if u.id is None]
    return (None if missing and not read else tuple(out)), tuple(missing)


def groups_unchecked(rows: Sequence[ResourceGroupSpend]) -> list[str]:
    """The `flags_unchecked` entries of the groups with a limit whose spend is unknown for another reason than a failed
    source (which is named itself): `resource_group_limit:<org>/<group> (why)`."""
    return [f"resource_group_limit:{row.namespace}/{row.name} ({row.spend_unknown_why})" for row in rows
            if row.limits and row.spend_unknown_why == GROUP_UNLISTED]


def group_flags(rows: Sequence[ResourceGroupSpend]) -> list[Flag]:
    """resource_group_limit_near, resource_group_limit_hit and resource_group_limit_closed, one per group and limited
    product."""
    out = []
    for row in rows:
        subject = f"{row.namespace}/{row.name}"
        read = (f"resource_groups:{row.namespace}", f"resource_group_usage:{row.namespace}")  # limits, spend
        for limit in row.limits or ():  # unknown limits: the source is in flags_unchecked
            share = f" ({limit.used_pct}%)" if limit.used_pct is not None else ""
            said = (f"Resource group {subject}: {money(limit.spent_usd)} of its {money(limit.limit_usd)} "
                    f"{limit.product} spend limit{share} this month")
            if limit.limit_usd <= 0:
                said += ": a $0 limit, so HF refuses all of that usage"
            if limit.state == "closed":
                out.append(Flag("resource_group_limit_closed", subject, said, Severity.INFO, read))
            elif limit.state == "over":
                out.append(Flag("resource_group_limit_hit", subject, said, Severity.CRITICAL, read))
            elif limit.state == "near":
                out.append(Flag("resource_group_limit_near", subject, said, sources=read))
    return out
