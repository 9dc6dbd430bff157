"""How long a resource has been up without a break, from the states history recorded. Pure.

"Up" is a billed state (`billing_rules.is_billed`: an Endpoint initializing or running, a Space starting or
running). The current stretch began at the earliest recorded change of the unbroken run of billed states that
reaches now. When that run begins with the first state history holds, the resource may have been up before
history began: the stretch is then only known to be at least that long.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from hfmon.costs.billing_rules import is_billed
from hfmon.history import StateChange
from hfmon.report import Report


@dataclass(frozen=True, slots=True)
class Uptime:
    """A resource's current unbroken stretch up: exact, or a lower bound."""

    up: bool  # it is in a billed state now
    at_least: timedelta  # zero when down
    exact: bool  # False: it may have been up longer (before history began, or history has not seen it yet)


def uptime(kind: str, state: str, changes: Sequence[StateChange], now: datetime) -> Uptime:
    """The stretch a resource of `kind` in `state` now has been up, from its recorded changes (oldest first)."""
    if not is_billed(kind, state):
        return Uptime(False, timedelta(0), True)
    start = None
    for change in reversed(changes):
        if change.at > now:
            continue
        if not is_billed(kind, change.state):
            return Uptime(True, now - start if start is not None else timedelta(0), start is not None)
        start = change.at
    return Uptime(True, now - start if start is not None else timedelta(0), False)


@dataclass(frozen=True, slots=True)
class ResourceUptime:
    """One Endpoint's or Space's current stretch up, and whether it costs money now."""

    kind: str  # endpoint | space
    id: str  # `<namespace>/<name>`
    namespace: str
    name: str
    billed: bool  # costs money now (`ResourceCost.billed_now`): free hardware and a resource down do not
    uptime: Uptime


def resource_uptimes(report: Report) -> list[ResourceUptime]:
    """Every listed Endpoint and Space with its stretch up at the Report's time (the alert rule and the exporter
    read these: one rule)."""
    now, out = report.generated_at, []
    for e in report.endpoints:
        ep = e.endpoint
        out.append(ResourceUptime("endpoint", ep.id, ep.namespace, ep.name, e.cost.billed_now,
                                  uptime("endpoint", ep.state, report.changes_of("endpoint", ep.id), now)))
    for s in report.spaces:
        sp = s.space
        out.append(ResourceUptime("space", sp.id, sp.namespace, sp.id.partition("/")[2] or sp.id, s.cost.billed_now,
                                  uptime("space", sp.stage, report.changes_of("space", sp.id), now)))
    return out
