"""Idle stretches measured from history: how often a resource went idle, and how much history there is. Pure."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from hfmon.costs.billing_rules import BETWEEN_POLLS_STATES, is_billed
from hfmon.history import History, Listing, StateChange

IDLE_STATES = {"endpoint": frozenset({"scaledToZero"}), "space": frozenset({"SLEEPING", "STOPPED"})}
"""States a resource reaches by itself after its idle timeout (scale-to-zero, sleep time)."""


@dataclass(frozen=True, slots=True)
class Window:
    """The stretch of time history watched a resource, polled without long gaps."""

    start: datetime
    end: datetime

    @property
    def hours(self) -> Decimal:
        """Its length in hours (exact to the second)."""
        return Decimal((self.end - self.start) // timedelta(seconds=1)) / 3600


def watched(history: History, changes: Sequence[StateChange], now: datetime, days: int,
            listing: Listing | None = None) -> Window | None:
    """The last `days` days in which polls watched the resource (its first change on), or None if none did:
    polls that listed its kind in its namespace fresh (`listing`), when given."""
    run = next((r for r in reversed(history.runs_of(listing)) if r.first <= now <= r.last + timedelta(minutes=15)),
               None)
    if run is None or not changes:
        return None
    start = max(run.first, now - timedelta(days=days), changes[0].at)
    return Window(start, now) if start < now else None


def idle_tails(kind: str, changes: Sequence[StateChange], window: Window) -> list[int]:
    """The replicas billed just before each time the resource went idle by itself within the window."""
    # A change no source dates (every sleep of a Space) is recorded with a stretch between the two polls before the
    # idle state: the tail still happened, from the state seen before that stretch.
    seen = [change for change in changes if change.state not in BETWEEN_POLLS_STATES]
    out = []
    for before, after in zip(seen, seen[1:], strict=False):
        if window.start <= after.at < window.end and after.state in IDLE_STATES[kind] \
                and is_billed(kind, before.state):
            out.append(max(before.replicas, 1))
    return out


def unchanged_since(changes: Sequence[StateChange]) -> datetime | None:
    """When the resource last changed state or replicas, per history (None: never seen)."""
    return changes[-1].at if changes else None
