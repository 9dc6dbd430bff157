"""History as `costs.evaluate` reads it: usage totals over time and observed resource states.

Pure values; `hfmon.store` persists them in SQLite and loads them back.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class UsagePoint:
    """A namespace's period-to-date usage totals as seen at one poll."""

    namespace: str
    at: datetime
    period_start: datetime
    inference_used_usd: Decimal
    jobs_used_usd: Decimal | None


GONE = "gone"  # StateChange.state of a resource that vanished from a fresh listing of its namespace (deleted)


@dataclass(frozen=True, slots=True)
class StateChange:
    """A resource observed entering a state (only changes are stored, not every poll)."""

    kind: str  # endpoint | space | job
    resource: str  # "<namespace>/<name>" for endpoints, the repo id for Spaces, the job id for jobs
    at: datetime
    state: str  # the raw API state or stage, or GONE
    hardware: str | None  # flavor, or "<vendor>/<instanceType>/<size>" for endpoints
    replicas: int


@dataclass(frozen=True, slots=True)
class History:
    """What the store knows, oldest first."""

    usage: tuple[UsagePoint, ...] = ()
    changes: tuple[StateChange, ...] = ()

    def changes_of(self, kind: str, resource: str) -> tuple[StateChange, ...]:
        """The state changes of one resource, oldest first."""
        return tuple(c for c in self.changes if c.kind == kind and c.resource == resource)
