"""History grouped once per evaluation, so per-resource lookups do not rescan it (90 days is ~10^5 rows)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from hfmon.history import History, StateChange, UsagePoint


class HistoryIndex:
    """State changes by (kind, resource) and usage points by namespace, oldest first as History keeps them."""

    def __init__(self, history: History) -> None:
        self._changes: dict[tuple[str, str], list[StateChange]] = {}
        for change in history.changes:
            self._changes.setdefault((change.kind, change.resource), []).append(change)
        firsts = [history.changes[0].at] if history.changes else []
        firsts += [history.usage[0].at] if history.usage else []
        self.since: datetime | None = min(firsts, default=None)  # when history began (rows are oldest first)
        self._usage: dict[str, list[UsagePoint]] = {}
        for point in history.usage:
            self._usage.setdefault(point.namespace, []).append(point)

    def changes_of(self, kind: str, resource: str) -> Sequence[StateChange]:
        """The state changes of one resource, oldest first."""
        return self._changes.get((kind, resource), ())

    def usage_of(self, namespace: str) -> History:
        """The usage points of one namespace, as a History."""
        return History(usage=tuple(self._usage.get(namespace, ())))
