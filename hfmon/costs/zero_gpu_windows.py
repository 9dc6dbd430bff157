"""ZeroGPU overage in a time window: what a namespace's statement says its Spaces' GPU time over the daily quota cost
within [start, end), where the statement can tell.

A ZeroGPU Space is free to host, but HF bills its GPU time over the daily quota by the GPU-minute ($1 per 10,
hf-api.md 0.5) in one statement line per Space and period (`spaces/zero-a10g/minutes`), dated only by its `startedAt`
(the first overage of the period) and `stoppedAt` (the last one's end; none while it accrues). State history sees
none of it. So a window holds the whole of a line that lies inside it, none of one that lies outside it, and an
unknown part of one that crosses its edge; a Space with no such line had no overage from the period's start to when
the statement was read. Before the period's start, or after that read, the statement says nothing.

History keeps what each poll's statement said a Space's overage was so far (`overage_totals`, as runs of polls that
read the same total: `store.zero_gpu_points`). The total only grows, so at a moment between two polls that read the
same total it was that total: a window's edge inside a multi-day line is known there (the hours of the sparkline, the
7 d and 30 d windows), and still unknown where the polls around it read different totals, or none brackets it.

The same lines say whether such a Space bills now (`over_quota_now`): its $/h now is then unknown, never $0.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hfmon.costs.statement_lines import (
    UNLABELLED,
    PricedLine,
    compute_lines,
    parse_product,
    quota_overage,
    still_accruing,
)
from hfmon.costs.timeline import Bound
from hfmon.history import OverageRun
from hfmon.models import Snapshot, SourceStatus, ZeroGpuQuota
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
    polled: Mapping[str, tuple[OverageRun, ...]] | None = None  # Space key -> history's runs of this period


def overage_totals(snapshot: Snapshot) -> dict[tuple[str, str, datetime], Decimal]:
    """(namespace, Space, period start) -> the overage its statement read fresh this poll bills so far (its overage
    lines summed), for each Space the statement names in one (what history keeps: `store.zero_gpu_points`)."""
    out: dict[tuple[str, str, datetime], Decimal] = {}
    for ns in snapshot.namespaces:
        statement = ns.statement.value
        if ns.statement.status is not SourceStatus.OK or statement is None or not any(
                (parsed := parse_product(line.product)) is not None and quota_overage(*parsed)
                for line in statement.lines):
            continue  # no overage line: attributing every line to its resource would be for nothing
        for family, key, hardware, line in compute_lines(ns) or ():
            if quota_overage(family, hardware) and UNLABELLED not in key:
                found = (ns.namespace, key, statement.period_start)
                out[found] = out.get(found, Decimal(0)) + line.total_usd
    return out


def overage_lines(lines: Iterable[PricedLine], since: datetime, read_at: datetime,
                  runs: Iterable[OverageRun] = ()) -> OverageLines:
    """The ZeroGPU overage lines (`PricedLine.overage`) of one namespace's statement, by Space, with history's runs of
    their totals in the same period (`runs`: the namespace's, of any period)."""
    mine: dict[str, tuple[UsageLine, ...]] = {}
    unattributed = False
    for p in lines:
        if p.overage:
            mine[p.key] = (*mine.get(p.key, ()), p.line)
            unattributed = unattributed or UNLABELLED in p.key
    polled: dict[str, tuple[OverageRun, ...]] = {}
    for run in runs:
        if run.period_start == since:
            polled[run.space] = (*polled.get(run.space, ()), run)
    return OverageLines(since, read_at, mine, unattributed, polled)


def overage_in(seen: OverageLines | None, key: str, start: datetime, end: datetime) -> Decimal | None:
    """What the statement billed a ZeroGPU Space for GPU time over the quota within [start, end): the overage billed
    by `end` less that by `start` (None: it cannot tell: no statement, a window beyond what it covers, or an edge
    inside a line where no two polls that read the same total bracket it: `billed_by`)."""
    if seen is None or seen.unattributed or start < seen.since or end > seen.read_at:
        return None
    known = _known_totals(seen, key)
    before, by_end = billed_by(known, start), billed_by(known, end)
    return None if before is None or by_end is None else by_end - before


def billed_by(known: Sequence[tuple[datetime, Decimal]], moment: datetime) -> Decimal | None:
    """The overage billed so far at `moment`, from totals known at moments (oldest first): the one at `moment`, else
    the same total known just before and just after it (it only grows); None: they differ, or none is on a side."""
    before = after = None
    for at, total in known:
        if at == moment:
            return total
        if at < moment:
            before = total
        elif after is None:
            after = total
    return before if before is not None and before == after else None


def _known_totals(seen: OverageLines, key: str) -> list[tuple[datetime, Decimal]]:
    """The moments a Space's overage billed so far is known at, oldest first: $0 at the period's start; where every
    one of its lines has begun or ended (none before its start, all of it from its end, or from the read while it
    accrues); and each run of polls' ends, unless one disagrees with those (HF revised a line since: the runs are
    left out)."""
    lines = seen.lines.get(key, ())
    moments = {seen.since, seen.read_at} | {m for line in lines for m in (line.started_at, line.stopped_at) if m}
    from_lines: list[tuple[datetime, Decimal]] = []
    for moment in sorted(m for m in moments if seen.since <= m <= seen.read_at):
        parts = [_line_total_at(line, moment, seen.read_at) for line in lines]
        if all(part is not None for part in parts):
            from_lines.append((moment, sum((p for p in parts if p is not None), Decimal(0))))
    polled = [(at, run.total_usd) for run in (seen.polled or {}).get(key, ()) for at in (run.first, run.last)
              if seen.since <= at <= seen.read_at]
    merged = sorted(from_lines + polled, key=lambda point: point[0])
    ordered = all(a[1] <= b[1] and (a[0] != b[0] or a[1] == b[1]) for a, b in zip(merged, merged[1:], strict=False))
    return merged if ordered else from_lines


def _line_total_at(line: UsageLine, moment: datetime, read_at: datetime) -> Decimal | None:
    """What one overage line had billed by `moment`: nothing up to its start, all of it from its end (or the read,
    while it accrues); None in between, or before an end when it gives no start."""
    if line.started_at is not None and moment <= line.started_at:
        return Decimal(0)
    if moment >= (line.stopped_at or read_at):
        return line.total_usd
    return None


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
