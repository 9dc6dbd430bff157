"""History grouped once per evaluation, so per-resource lookups do not rescan it (90 days is ~10^5 rows)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from hfmon.costs.billing_rules import bills_unknown, is_billed
from hfmon.costs.period_uptime import BilledTime
from hfmon.costs.timeline import Bound, HardwarePrice, StateRates, times_bound
from hfmon.history import History, StateChange, UsagePoint, Window

ChangesOf = Callable[[str, str], Sequence[StateChange]]
"""`HistoryIndex.changes_of`: (kind, resource) -> that resource's state changes, oldest first."""


class HistoryIndex:
    """State changes by (kind, resource) and usage points by namespace, oldest first as History keeps them."""

    def __init__(self, history: History) -> None:
        changes: dict[tuple[str, str], list[StateChange]] = {}
        for change in history.changes:
            key = (change.kind, change.resource)
            same = changes.get(key)
            if same is None:
                changes[key] = [change]
            else:
                same.append(change)
        self._changes = changes
        self._seen = history.seen
        if history.seen is not None:  # a `Figures` load: its changes are recent ones, `seen` has the first of each
            firsts = [min(s.first for s in history.seen.values())] if history.seen else []
        else:
            firsts = [history.changes[0].at] if history.changes else []
        firsts += [history.usage[0].at] if history.usage else []
        self.since: datetime | None = min(firsts, default=None)  # when history began (rows are oldest first)
        self._since_in: dict[str, datetime] | None = None
        self._all_usage = history.usage
        self.poll_gap_s = history.poll_gap_s
        self._usage: dict[str, History] = {}
        self._times = history.window_times
        self._summed = frozenset(self._times.windows) if self._times is not None else frozenset()
        self._rules: dict[str, dict[tuple[str, int], tuple[bool, bool]]] = {}  # kind -> (state, replicas) -> (billed,
        # billing unknown): `billed_time` judges each once, not once per resource and window
        self.detail = history.detail
        self.span_times = history.span_times
        self.zero_gpu_overage = history.zero_gpu_overage

    def billed_time(self, kind: str, resource: str) -> BilledTime | None:
        """The resource's billed wall time in a window, and its time in a state whose billing is unknown
        (`bills_unknown`), in microseconds, from the store's sums (None: that window was not summed); None when the
        store summed no window."""
        times, summed = self._times, self._summed
        if times is None:
            return None
        mine = times.times.get((kind, resource), {})
        rules = self._rules.setdefault(kind, {})

        def billed(start: datetime, end: datetime) -> tuple[int, int] | None:
            window = (start, end)
            states = mine.get(window)
            if states is None:  # no billed time there, or not summed
                if window not in summed:
                    return None
                states = ()
            up = unsure = 0
            for t in states:  # one pass, each (state, replicas) judged once per Report
                rule = rules.get((t.state, t.replicas))
                if rule is None:
                    rule = rules[(t.state, t.replicas)] = (is_billed(kind, t.state),
                                                           bills_unknown(kind, t.state, t.replicas))
                if rule[0]:
                    up += t.micros
                if rule[1]:
                    unsure += t.micros
            return up, unsure

        return billed

    def summed_bound(self, kind: str, resource: str, price_of: HardwarePrice,
                     windows: Iterable[Window]) -> Callable[[datetime, datetime], Bound] | None:
        """What the resource cost in each of `windows` (`times_bound`), from the store's sums (None: it did not sum
        them all)."""
        times = self._times
        if times is None or not self._summed.issuperset(windows):
            return None
        mine = times.times.get((kind, resource), {})
        rates: StateRates = {}
        return lambda start, end: times_bound(kind, mine.get((start, end), ()), price_of, rates)

    def changes_of(self, kind: str, resource: str) -> Sequence[StateChange]:
        """The state changes of one resource, oldest first."""
        return self._changes.get((kind, resource), ())

    def first_seen(self, kind: str, resource: str) -> datetime | None:
        """When history first recorded the resource (from `since`: its last change before, else its first)."""
        if self._seen is not None:
            seen = self._seen.get((kind, resource))
            return None if seen is None else seen.first
        changes = self._changes.get((kind, resource))
        return changes[0].at if changes else None

    def since_in(self, namespace: str) -> datetime | None:
        """When history began watching `namespace`: its earliest usage point or record of one of its Endpoints or
        Spaces. A namespace polled only later (an org joined, `--namespace` runs before, a profile moved onto this
        file) was not watched before, so nothing says its resources did not run then."""
        if self._since_in is None:
            firsts: dict[str, datetime] = {}
            seen = ((key, s.first) for key, s in self._seen.items()) if self._seen is not None else (
                (key, changes[0].at) for key, changes in self._changes.items())
            owned = ((resource.split("/", 1)[0], first) for (kind, resource), first in seen if kind != "job")
            for owner, first in (*owned, *((p.namespace, p.at) for p in self._all_usage)):
                if owner not in firsts or first < firsts[owner]:
                    firsts[owner] = first
            self._since_in = firsts
        return self._since_in.get(namespace)

    def most_replicas(self, kind: str, resource: str) -> int:
        """The most replicas any recorded change of the resource shows (0: none recorded)."""
        if self._seen is not None:
            seen = self._seen.get((kind, resource))
            return 0 if seen is None else seen.most_replicas
        return max((c.replicas for c in self._changes.get((kind, resource), ())), default=0)

    def resources(self) -> list[tuple[str, str]]:
        """Every (kind, resource) history recorded a state of."""
        return list(self._changes)

    def usage_of(self, namespace: str) -> History:
        """The usage points of one namespace, as a History."""
        if namespace not in self._usage:
            mine: tuple[UsagePoint, ...] = tuple(p for p in self._all_usage if p.namespace == namespace)
            self._usage[namespace] = History(usage=mine)
        return self._usage[namespace]
