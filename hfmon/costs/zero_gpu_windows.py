"""ZeroGPU overage in a time window: what a namespace's statement says its Spaces' GPU time over the daily quota cost
within [start, end), where the statement can tell.

A ZeroGPU Space is free to host, but HF bills its GPU time over the daily quota by the GPU-minute ($1 per 10,
hf-api.md 0.5) in one statement line per Space and period (`spaces/zero-a10g/minutes`), dated only by its `startedAt`
(the first overage of the period) and `stoppedAt` (the last one's end; none while it accrues). State history sees
none of it. So a window holds the whole of a line that lies inside it, none of one that lies outside it, and an
unknown part of one that crosses its edge; a Space with no such line had no overage from the period's start to when
the statement was read. Before the period's start, or after that read, the statement says nothing.

The same lines say whether such a Space bills now (`over_quota_now`): its $/h now is then unknown, never $0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hfmon.costs.statement_lines import UNLABELLED, PricedLine, still_accruing
from hfmon.costs.timeline import Bound
from hfmon.models import ZeroGpuQuota
from hfmon.models_billing import UsageLine

OVER_QUOTA_WHY = ("it runs on ZeroGPU past the daily quota: HF bills its GPU time by the minute ($1 per 10), and how "
                  "much it uses no source says")
"""Why a ZeroGPU Space's $/h now is unknown (`over_quota_now`)."""


@dataclass(frozen=True, slots=True)
class OverageLines:
    """One namespace's ZeroGPU overage lines as its statement gave them, over [since, read_at]."""

    since: datetime  # the statement's period start
    read_at: datetime  # when the statement was read (its figures hold up to then)
    lines: Mapping[str, tuple[UsageLine, ...]]  # Space key -> its overage lines
    unattributed: bool = False  # an overage line names no Space hfmon can tell: any Space's may be in it


def overage_lines(lines: Iterable[PricedLine], since: datetime, read_at: datetime) -> OverageLines:
    """The ZeroGPU overage lines (`PricedLine.overage`) of one namespace's statement, by Space."""
    mine: dict[str, tuple[UsageLine, ...]] = {}
    unattributed = False
    for p in lines:
        if p.overage:
            mine[p.key] = (*mine.get(p.key, ()), p.line)
            unattributed = unattributed or UNLABELLED in p.key
    return OverageLines(since, read_at, mine, unattributed)


def overage_in(seen: OverageLines | None, key: str, start: datetime, end: datetime) -> Decimal | None:
    """What the statement billed a ZeroGPU Space for GPU time over the quota within [start, end) (None: it cannot
    tell: no statement, a window beyond what it covers, or a line that crosses the window's edge)."""
    if seen is None or seen.unattributed or start < seen.since or end > seen.read_at:
        return None
    total = Decimal(0)
    for line in seen.lines.get(key, ()):
        if line.started_at is None:
            return None
        last = line.stopped_at or seen.read_at  # still accruing: up to the read
        if line.started_at >= end or last <= start:
            continue  # none of it in the window
        if line.started_at < start or last > end:
            return None  # some of it in the window, how much no source says
        total += line.total_usd
    return total


def with_overage(cost: Bound, seen: OverageLines | None, key: str, start: datetime, end: datetime) -> Decimal | None:
    """What a resource cost within [start, end), with the ZeroGPU overage its statement places there (`overage_in`);
    None: a billed part has no figure, or it was up on ZeroGPU and the statement cannot tell its overage there."""
    value = cost.value
    if value is None or not cost.zero_gpu:
        return value
    overage = overage_in(seen, key, start, end)
    return None if overage is None else value + overage


def quota_spent(quota: ZeroGpuQuota | None) -> bool:
    """Whether the user's ZeroGPU quota of today is spent and HF bills GPU time past it (it counted some: a plan that
    cannot pay for overage counts none)."""
    return quota is not None and quota.remaining_s <= 0 and (quota.overquota_used_s or 0) > 0


def over_quota_now(lines: Sequence[PricedLine] | None, spent: bool) -> str | None:
    """Why a ZeroGPU Space up now has no known $/h: its statement's overage line still accrues, or its owner's quota
    is spent (`quota_spent`: every GPU-minute it uses bills); None: its GPU time now is within the quota, $0."""
    accruing = any(p.overage and still_accruing(p.line) for p in lines or ())
    return OVER_QUOTA_WHY if accruing or spent else None
