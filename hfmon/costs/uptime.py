"""How long a resource has been up without a break, from the states history recorded and the statement. Pure.

"Up" is a billed state (`billing_rules.is_billed`: an Endpoint initializing or running, a Space starting or
running). The current stretch began at the earliest recorded change of the unbroken run of billed states that
reaches now. When that run begins with the first state history holds, the resource may have been up before
history began: the stretch is then only known to be at least that long.

History only saw the resource while hfmon polled (`history.unwatched`: before the first run of polls and between
two runs, nothing watched it). A stretch reaching back into such a gap, or recorded as starting at the first poll
after one, is known only from the end of the last such gap on: whether the resource stayed up while hfmon was not
running is unknown, so it is up at least that long, never the recorded length counted through the gap.

A state no source says bills or not, with replicas that may serve through it (an Endpoint `updating` with one
ready: `billing_rules.bills_unknown`, the rule its cost is unknown by), or a Space listed without its runtime
(`billing_rules.up_unknown` for both), is neither up nor down: a resource in it now (or in a stage hfmon does not
know: `billing_rules.unknown_stage`) is up or not unknown (`state_unknown`), and a stretch that reaches back to one
is known only from its end.

The statement covers what history cannot: a line still accruing that billed every minute since its startedAt
(`ResourceCost.billed_since`) says the resource has been up at least since then, however young history is. On the
1st the new period's line starts at 00:00: the bound read before (`statement_bounds`, kept in history) still holds
while history shows the resource up without a break since it was read. A
resource seen down at one poll and up at the next, with no time of its own for the change, went up somewhere
between them (`billing_rules.BETWEEN_POLLS_STATE`): up at least since the later poll, at most since the earlier.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from hfmon.costs.billing_rules import BETWEEN_POLLS_STATE, is_billed, most_replicas, up_unknown
from hfmon.costs.resources import accruing_since
from hfmon.costs.statement_lines import FAMILY_KIND, compute_lines, quota_overage
from hfmon.history import StateChange, Window, last_gap
from hfmon.models import Endpoint, Snapshot, SourceStatus, Space, UsageLine
from hfmon.report import Report

_MICROSECOND = timedelta(microseconds=1)


@dataclass(frozen=True, slots=True)
class Uptime:
    """A resource's current unbroken stretch up: exact, or a lower bound (and an upper one where history has it)."""

    up: bool  # it is in a billed state now
    at_least: timedelta  # zero when down
    exact: bool  # False: it may have been up longer (before history began, history has not seen it yet, or `gap`)
    gap: Window | None = None  # the stretch hfmon did not watch that `at_least` is counted from the end of
    at_most: timedelta | None = None  # the longest it can have been up (None: unbounded, as up when history began)
    state_unknown: bool = False  # `up` is unknown: it is in a state no source says bills or not, replicas serving
    after_unknown: bool = False  # the stretch is counted from the end of such a state (up or not then: unknown)
    billed_since: datetime | None = None  # `at_least` is counted from this startedAt of its statement line


def uptime(kind: str, state: str, changes: Sequence[StateChange], now: datetime,
           unwatched: Sequence[Window] = (), replicas: int | None = 0, billed_since: datetime | None = None,
           unknown_now: bool = False, bound: tuple[datetime, datetime] | None = None) -> Uptime:
    """The stretch a resource of `kind` in `state` (with `replicas` ready: None, not sent) now has been up, from its
    recorded changes (oldest first), the stretches no poll watched (`history.unwatched`, oldest first) and the
    statement's `billed_since` (`ResourceCost.billed_since`): a stretch history knows only as a lower bound is at
    least from then. `unknown_now`: its stage is one hfmon does not know (`billing_rules.unknown_stage`). `bound`:
    (since, read at): the statement's bound as history kept it (`statement_bounds`), good while history saw it up
    without a break since it was read."""
    up = _from_history(kind, state, changes, now, unwatched, replicas, unknown_now)
    if bound is not None and up.up and up.at_least >= now - bound[1] and (
            billed_since is None or bound[0] < billed_since):
        billed_since = bound[0]  # up all along since the statement said it had billed since then
    if not up.up or up.exact or billed_since is None or now - billed_since <= up.at_least:
        return up
    at_least = now - billed_since if up.at_most is None else min(now - billed_since, up.at_most)
    return Uptime(True, at_least, False, None, up.at_most, billed_since=billed_since)


def _from_history(kind: str, state: str, changes: Sequence[StateChange], now: datetime,
                  unwatched: Sequence[Window], replicas: int | None, unknown_now: bool) -> Uptime:
    """`uptime` from history alone."""
    if unknown_now or up_unknown(kind, state, replicas):
        return Uptime(False, timedelta(0), False, state_unknown=True)
    if not is_billed(kind, state):
        return Uptime(False, timedelta(0), True, None, timedelta(0))
    start = down = woke = None
    unsure = False
    for change in reversed(changes):
        if change.at > now:
            continue
        if change.state == BETWEEN_POLLS_STATE and start is not None and woke is None:
            woke = change.at  # up from some time in it, unless the state before it was up too
            continue
        if up_unknown(kind, change.state, change.replicas):  # up or not then is unknown: known from its end
            unsure = True
            break
        if not is_billed(kind, change.state):
            down = change.at
            break
        start, woke = change.at, None  # up on both sides of a stretch between polls: up all through it
    if start is None:
        return Uptime(True, timedelta(0), False)
    if woke is not None and not unsure and last_gap(unwatched, start, now) is None:
        return Uptime(True, now - start, False, None, now - woke + _MICROSECOND)  # the marker is 1 µs past the poll
    if unsure:
        gap = last_gap(unwatched, start, now)
        return Uptime(True, now - (gap[1] if gap is not None else start), False, gap, None,
                      after_unknown=gap is None)
    # A change recorded at the first poll after a gap came somewhere in it: from its start at most.
    began = next((g[0] for g in unwatched if g[1] == start), start)
    at_most = None if down is None else now - began
    gap = last_gap(unwatched, start, now)
    if gap is not None:
        return Uptime(True, now - gap[1], False, gap, at_most)
    return Uptime(True, now - start, down is not None, None, at_most)


def statement_bounds(snapshot: Snapshot, recorded: Callable[[str, str], int],
                     ) -> dict[tuple[str, str], tuple[datetime, bool]]:
    """(kind, resource) -> when its statement lines read fresh in this poll say each Endpoint or Space has billed
    without a break since, and whether that is the period's start (the line may have begun with the period, the
    resource up before it: an earlier bound kept may still hold).

    The rule of `ResourceCost.billed_since`: `accruing_since` with `most_replicas` of the listing and of what
    history recorded (`recorded(kind, resource)`, as `HistoryIndex.most_replicas` gives the Report). History can
    only raise the replicas a line must prove, so it is asked only of a line the listing alone finds dense."""
    out: dict[tuple[str, str], tuple[datetime, bool]] = {}
    for ns in snapshot.namespaces:
        statement = ns.statement.value
        if ns.statement.status is not SourceStatus.OK or statement is None:
            continue
        mine: dict[tuple[str, str], list[UsageLine]] = {}
        for family, key, hardware, line in compute_lines(ns) or ():
            if family != "jobs" and not quota_overage(family, hardware):
                mine.setdefault((FAMILY_KIND[family], key), []).append(line)
        listed: dict[tuple[str, str], Endpoint | Space] = {
            **{("endpoint", e.id): e for e in ns.endpoints.value or ()},
            **{("space", s.id): s for s in ns.spaces.value or ()}}
        for resource, lines in mine.items():
            found = listed.get(resource)
            if found is None or accruing_since(lines, snapshot.taken_at, most_replicas(found)) is None:
                continue
            since = accruing_since(lines, snapshot.taken_at, most_replicas(found, recorded(*resource)))
            if since is not None:
                out[resource] = (since, since <= statement.period_start)
    return out


@dataclass(frozen=True, slots=True)
class ResourceUptime:
    """One Endpoint's or Space's current stretch up, and whether it costs money now."""

    kind: str  # endpoint | space
    id: str  # `<namespace>/<name>`
    namespace: str
    name: str
    # costs money now (`ResourceCost.billed_now`): free hardware and a resource down do not; None: unknown (a Space
    # whose grant is unknown)
    billed: bool | None
    uptime: Uptime


def _serving(endpoint: Endpoint) -> int:
    """The replicas that may serve through its state, as history records them (`store.extract.endpoint_state`): its
    ready ones, else its target when HF sent no ready count."""
    ready = endpoint.ready_replicas
    return (ready if ready is not None else endpoint.target_replicas) or 0


def resource_uptimes(report: Report) -> list[ResourceUptime]:
    """Every listed Endpoint and Space with its stretch up at the Report's time (the alert rule and the exporter
    read these: one rule)."""
    now, gaps, out = report.generated_at, report.unwatched, []  # each listing's: its kind's in its namespace
    bounds: Mapping[tuple[str, str], tuple[datetime, datetime]] = report.statement_bounds
    for e in report.endpoints:
        ep = e.endpoint
        out.append(ResourceUptime("endpoint", ep.id, ep.namespace, ep.name, e.cost.billed_now,
                                  uptime("endpoint", ep.state, report.changes_of("endpoint", ep.id), now,
                                         gaps.get((ep.namespace, "endpoint"), ()), _serving(ep),
                                         e.cost.billed_since, e.cost.stage_unknown,
                                         bounds.get(("endpoint", ep.id)))))
    for s in report.spaces:
        sp = s.space
        # a ZeroGPU Space past its quota bills now, for its GPU time: never for its time up
        billed = s.cost.billed_now and not s.cost.zero_gpu
        out.append(ResourceUptime("space", sp.id, sp.namespace, sp.id.partition("/")[2] or sp.id, billed,
                                  uptime("space", sp.stage, report.changes_of("space", sp.id), now,
                                         gaps.get((sp.namespace, "space"), ()), billed_since=s.cost.billed_since,
                                         unknown_now=s.cost.stage_unknown,
                                         bound=bounds.get(("space", sp.id)))))
    return out
