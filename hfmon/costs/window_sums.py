"""Every recorded resource's cost in each spend window from the store's sums (`History.window_times`), added up by
namespace, kind and window in one pass over each resource's sums: what `windows.Resources.spend` gives of the same
costs, without asking every resource again for each window and product (a month at 1,000 resources is 7,000 costs,
which that asked 18,000 times)."""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from datetime import datetime
from decimal import Decimal

from hfmon.costs.billing_rules import micro
from hfmon.costs.timeline import NOTHING, Bound, HardwarePrice, StateRates, times_bound
from hfmon.costs.totals import BILLED_AT_ZERO_PREFIX
from hfmon.costs.zero_gpu_windows import OverageLines, overage_in
from hfmon.figures import BETWEEN_POLLS, UNPLACED_JOBS, ZERO_GPU
from hfmon.history import StateTime, Window, WindowTimes
from hfmon.report import Total

_WHY = (("unpriced", "unpriced"), ("unseen", BETWEEN_POLLS), ("unknown", "unknown"))  # `Bound` flag -> part name
_NO_SPEND = micro(Decimal(0))


def missing_names(kind: str, key: str, cost: Bound, billed_at_zero: Collection[tuple[str, str]]) -> list[str]:
    """What is missing from one resource's cost, named for why (`unpriced:`, `between_polls:`, `unknown:`; hardware
    HF bills where hfmon has $0/h named as the meter names it: `billed_at_zero`)."""
    zero = (kind, key) in billed_at_zero
    return [f"{BILLED_AT_ZERO_PREFIX if zero and name == 'unpriced' else name + ':'}{kind} {key}"
            for flag, name in _WHY if getattr(cost, flag)]


class _Part:
    """What one namespace's resources of one kind cost in one window so far, and what is missing from it."""

    __slots__ = ("known", "missing")

    def __init__(self) -> None:
        self.known = Decimal(0)
        self.missing: list[str] = []


class SummedSpend:
    """What each namespace's resources of each kind cost in each window summed, as `windows.Resources` gives it."""

    def __init__(self, windows: Collection[Window], sums: dict[tuple[str, str], dict[Window, _Part]],
                 unplaced: Collection[Window]) -> None:
        self.windows: dict[Window, Window] = {w: w for w in windows}  # the only windows that can be asked
        self._sums = sums  # (namespace, kind) -> window -> its part
        self._unplaced = unplaced  # the windows a job no listing places in a namespace was billed in

    def spend(self, namespace: str, kind: str, start: datetime, end: datetime) -> Total[Decimal]:
        """What one namespace's resources of one kind cost within [start, end) (`windows.Resources.spend`)."""
        window = (start, end)
        if window not in self.windows:
            raise LookupError(f"window {start}..{end} was not summed")
        missing: tuple[str, ...] = (f"{UNPLACED_JOBS}:{namespace}",) \
            if kind == "job" and window in self._unplaced else ()
        entry = self._sums.get((namespace, kind), {}).get(window)
        if entry is None:
            return Total(_NO_SPEND, missing)
        return Total(micro(entry.known), (*missing, *entry.missing))


def summed_spend(times: WindowTimes, asked: Collection[Window], price_of: Callable[[str, str], HardwarePrice],
                 job_namespaces: Mapping[str, str], billed_at_zero: Collection[tuple[str, str]] = (),
                 overage: Mapping[str, OverageLines] | None = None) -> SummedSpend:
    """Each resource's cost in each of `asked` the store summed, priced by `price_of(kind, key)`, added up by
    namespace (a job's from `job_namespaces`; one it lacks is unplaced), kind and window; `billed_at_zero`, `overage`:
    as `windows.resources` takes them."""
    windows = [w for w in times.windows if w in asked]
    # the store's own window objects key its sums; most often every one summed is asked
    skipped = frozenset(times.windows) - frozenset(windows)
    overage = overage or {}
    rates_of: dict[HardwarePrice, StateRates] = {}
    # resources priced alike with the same times cost the same: each such cost is worked out once (a resource steady
    # all through a window has the window's length; a namespace's resources mostly share their prices)
    costs: dict[tuple[HardwarePrice, tuple[StateTime, ...]], Bound] = {}
    sums: dict[tuple[str, str], dict[Window, _Part]] = {}
    unplaced: set[Window] = set()
    for (kind, key), mine in times.times.items():
        price = price_of(kind, key)
        rates = rates_of.get(price)
        if rates is None:
            rates = rates_of[price] = {}
        namespace = job_namespaces.get(key) if kind == "job" else key.partition("/")[0]
        group: dict[Window, _Part] | None = None
        names: list[str] | None = None  # what is missing from its cost: mostly the same part in every window
        flags_named: tuple[bool, ...] = ()
        for window, states in mine.items():
            if skipped and window in skipped:
                continue
            cost = costs.get((price, states))
            if cost is None:
                cost = costs[(price, states)] = times_bound(kind, states, price, rates)
            if cost is NOTHING:  # billed no time at a rate, nothing missing
                continue
            known, unpriced, unseen, unknown, zero_gpu = cost
            if namespace is None:
                if known or unpriced or unseen or unknown:  # a figure, or billed with none: `Bound.value` None
                    unplaced.add(window)
                continue
            if group is None:
                group = sums.get((namespace, kind))
                if group is None:
                    group = sums[(namespace, kind)] = {}
            part = group.get(window)
            if part is None:
                part = group[window] = _Part()
            part.known += known
            if zero_gpu:
                extra = overage_in(overage.get(namespace), key, *window)
                if extra is None:
                    part.missing.append(f"{ZERO_GPU}:{kind} {key}")
                else:
                    part.known += extra
            if unpriced or unseen or unknown:
                flags = (unpriced, unseen, unknown)
                if names is None or flags != flags_named:
                    names, flags_named = missing_names(kind, key, cost, billed_at_zero), flags
                part.missing += names
    return SummedSpend(windows, sums, unplaced)
