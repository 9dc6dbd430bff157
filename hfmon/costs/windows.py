"""Spend in time windows (the last hour, 24 h, 7 d, 30 d, this period) and in the same window before, per namespace.

Computed once per Report: Inference Providers from usage-v2 asked for the window itself at the poll
(`usage_period.usage_in_windows`: HF's own figure, its older part settled; unknown when that failed, named
`usage_windows:<namespace>`), else (not asked) from the period-to-date totals usage-v2 reported at each poll (a
period that started inside the window counts from its start); Endpoints, Spaces and Jobs from the states history
recorded, priced by the catalog (`timeline`). Storage is billed by the month,
not over time, and is not in a window. "This period" is what the statement and `usage-v2` billed (the same
figures as `Report.spend`); the window before it is the same length before the period began, from history.

A part history does not cover (it began later, or polls that listed it fresh were further apart than
`history.POLL_RUN_BREAK`: polls of other namespaces, or whose listing of it failed, did not watch it) is unknown
(`history:<namespace>`), never $0. A part history covers may still be known only in part, each missing piece named
for its true reason: a resource billed on hardware no catalog prices (`unpriced:`), a billed state that began or
ended between two polls at a time no source gives (`between_polls:`, `history.BETWEEN_POLLS`; when both sides bill on
one hardware, the fewer replicas over the stretch are counted: `billing_rules.BILLED_BETWEEN_POLLS_STATE`; on hardware
at a known $0/h it cost $0), a Space up on ZeroGPU whose GPU time over the daily quota the statement does not place
in the window (`zero_gpu:`, `zero_gpu_windows`), one whose
cost is unknown (`unknown:`), a billed job hfmon cannot place in a namespace (`unplaced_jobs:`), and inference over a
window in which usage-v2's total settled lower (`settled:`: at least the sum of the total's rises,
`window_inference.usage_between`),
and the Jobs of a namespace whose listing hfmon read only in part (`jobs_cut:`: an ended Job past it may have run in
any window without history ever seeing it).
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Protocol

from hfmon.costs.billing_rules import micro
from hfmon.costs.index import HistoryIndex
from hfmon.costs.timeline import (
    NOTHING,
    Bound,
    Coverage,
    HardwarePrice,
    StateSpan,
    catalog_price,
    rated_spans,
    spend_bound,
)
from hfmon.costs.window_inference import (
    UsageInWindows,
    asked_inference,
    in_order,
    usage_rises,
    window_usage,
)
from hfmon.costs.window_sums import missing_names, summed_spend
from hfmon.costs.zero_gpu_windows import OverageLines, overage_in
from hfmon.figures import JOBS_CUT, SETTLED, UNPLACED_JOBS, ZERO_GPU
from hfmon.history import BILLING, Window, WindowTimes
from hfmon.models import NamespaceData
from hfmon.pricing.catalog import Catalog
from hfmon.report import EndpointRow, JobRow, SpaceRow, Spend, SpendIn, Total, WindowSpend
from hfmon.usage_period import WINDOWS as WINDOWS

PRODUCTS = ("endpoint", "space", "job")


class PartCosts(Protocol):
    """One resource's cost in each window asked (at least; `Bound` says why a billed part has no figure; None: it was
    billed no time there)."""

    def get(self, window: Window, /) -> Bound | None: ...


class WindowCosts(Protocol):
    """What each namespace's resources of each kind cost in a window (`Resources`, or `window_sums.SummedSpend`)."""

    @property
    def windows(self) -> dict[Window, Window] | None: ...  # the only windows that can be asked (None: any)

    def spend(self, namespace: str, kind: str, start: datetime, end: datetime) -> Total[Decimal]: ...


class Resources:
    """Every resource history recorded, with what it cost in a window, grouped by namespace and kind."""

    def __init__(self, parts: dict[tuple[str, str], list[tuple[str, PartCosts]]],
                 unplaced_jobs: Sequence[PartCosts], billed_at_zero: Collection[tuple[str, str]] = (),
                 overage: Mapping[str, OverageLines] | None = None,
                 windows: Collection[Window] | None = None) -> None:
        self.parts = parts  # (namespace, kind) -> each resource's key and costs
        self.unplaced_jobs = unplaced_jobs  # jobs in history that no listing places in a namespace
        self.billed_at_zero = billed_at_zero  # (kind, key): unpriced because HF bills what hfmon has at $0/h
        self.overage = overage or {}  # namespace -> its statement's ZeroGPU overage lines
        # the only windows a part can be asked about (None: any), each as the parts hold it
        self.windows = None if windows is None else {w: w for w in windows}
        # (kind, key, the Bound's flags) -> the names of what is missing from that resource's cost: most resources
        # miss the same part in every window, so each name is built once, not once per window
        self._missing: dict[tuple[str, str, tuple[bool, ...]], list[str]] = {}

    def spend(self, namespace: str, kind: str, start: datetime, end: datetime) -> Total[Decimal]:
        """What one namespace's resources of one kind cost within [start, end): the known part, and each resource
        whose cost is not wholly known named for why (`unpriced:`, `between_polls:`, `unknown:`, `unplaced_jobs:`,
        `zero_gpu:`: a Space up on ZeroGPU in it, whose GPU time over the quota the statement does not place in it)."""
        window: Window = (start, end)
        if self.windows is not None:
            held = self.windows.get(window)  # the parts' own key: each part finds it without comparing
            if held is None:
                raise LookupError(f"window {start}..{end} was not summed")
            window = held
        total, missing = Decimal(0), []
        if kind == "job" and any((c := part.get(window)) is not None and (c.known or c.value is None)
                                 for part in self.unplaced_jobs):
            missing.append(f"{UNPLACED_JOBS}:{namespace}")
        named = self._missing
        for key, part in self.parts.get((namespace, kind), ()):
            cost = part.get(window)
            if cost is None:  # most resources in most windows (adding $0 changes no rounded total)
                continue
            total += cost.known
            if cost.zero_gpu:
                overage = overage_in(self.overage.get(namespace), key, start, end)
                if overage is None:
                    missing.append(f"{ZERO_GPU}:{kind} {key}")
                else:
                    total += overage
            if cost.unpriced or cost.unseen or cost.unknown:  # `Bound.value` is None
                flags = cost[1:]
                names = named.get((kind, key, flags))
                if names is None:
                    names = named[(kind, key, flags)] = self._names(kind, key, cost)
                missing += names
        return Total(micro(total), tuple(missing))

    def _names(self, kind: str, key: str, cost: Bound) -> list[str]:
        """What is missing from one resource's cost, named for why."""
        return missing_names(kind, key, cost, self.billed_at_zero)


CostsOf = Callable[[str, str], PartCosts]
"""(kind, key) -> what that resource cost in each window."""


def resources(keys: Iterable[tuple[str, str]], costs_of: CostsOf, job_namespaces: dict[str, str],
              billed_at_zero: Collection[tuple[str, str]] = (),
              overage: Mapping[str, OverageLines] | None = None,
              windows: Collection[Window] | None = None) -> Resources:
    """Every recorded resource's costs (`costs_of(kind, key)`), grouped by namespace and kind (`billed_at_zero`:
    the resources whose $0/h HF's statement contradicts, named so when unpriced; `overage`: each namespace's
    statement's ZeroGPU overage lines; `windows`: the only ones asked)."""
    grouped: dict[tuple[str, str], list[tuple[str, PartCosts]]] = {}
    unplaced: list[PartCosts] = []
    for kind, key in keys:
        part = costs_of(kind, key)
        if kind == "job":
            namespace = job_namespaces.get(key)
            if namespace is None:
                unplaced.append(part)
                continue
        else:
            namespace = key.partition("/")[0]
        grouped.setdefault((namespace, kind), []).append((key, part))
    return Resources(grouped, unplaced, billed_at_zero, overage, windows)


class _Spanned:
    """A resource's cost in a window worked out from its rated spans when asked (`PartCosts`)."""

    def __init__(self, spans: Sequence[StateSpan], kind: str) -> None:
        self.spans, self.kind = spans, kind

    def get(self, window: Window, /) -> Bound | None:
        cost = spend_bound(self.spans, *window, self.kind)
        return None if cost is NOTHING else cost


def jobs_unlisted(namespaces: Iterable[NamespaceData]) -> dict[str, datetime]:
    """Since when a Job may have run in each namespace that hfmon has not listed: its last whole listing of Jobs, when
    this poll's lists only the running ones (the Collector's between whole listings: a Job that started and ended
    since may be missing). A namespace absent: this poll listed every Job (or its listing failed: `Coverage`)."""
    return {ns.namespace: ns.ended_jobs_listed_at for ns in namespaces if ns.ended_jobs_listed_at is not None}


def jobs_cut(namespaces: Iterable[NamespaceData]) -> frozenset[str]:
    """The namespaces whose listing of Jobs this poll read only in part (`NamespaceData.jobs_cut`)."""
    return frozenset(ns.namespace for ns in namespaces if ns.jobs_cut is not None)


def spend_in(namespace: str, start: datetime, end: datetime, index: HistoryIndex, found: WindowCosts,
             coverage: Coverage, jobs_unlisted: datetime | None = None, jobs_cut: bool = False,
             ordered: bool = False, asked: Total[Decimal] | None = None, refused: str | None = None) -> SpendIn:
    """One namespace's spend in [start, end) from history; each part unknown (`history:<namespace>`) where polls did
    not list it fresh all through (`Coverage.covers`: a poll of other namespaces, or whose listing of that kind
    failed, watched nothing), else known at least in part (see the module); the jobs part only a lower bound when
    the window ends after `jobs_unlisted` (see `jobs_unlisted`), or its listing was cut (`jobs_cut`); `ordered`: the
    namespace's usage points are sorted by time (`in_order`); `asked`: the inference usage-v2 gave for the window
    (`asked_inference`), which history's totals are not asked for; `refused`: the namespace's usage-v2 source, when
    the token may not read it (the inference no history holds is unknown for that, not for want of history)."""
    history = f"history:{namespace}"
    unwatched: Total[Decimal] = Total(None, (history,))
    if asked is not None:
        inference, tail_unseen = asked, False
    else:
        usage = index.usage_of(namespace).usage
        watched = bool(usage) and coverage.covers(start, end, (namespace, BILLING))
        rises = window_usage(usage, start, end, ordered) if watched else None
        unread = unwatched if refused is None else Total(None, (refused,))
        inference = unread if rises is None else Total(rises[0], (f"{SETTLED}:{namespace}",) if rises[1] else ())
        tail_unseen = rises is not None and rises[2]
        # a window whose start no poll watched (pruned, or before history began): at least what history holds of it
        began = None if watched or not usage else coverage.watched_from(start, end, (namespace, BILLING))
        first = None if began is None else next((p.at for p in usage if began <= p.at < end), None)  # rises from it
        if first is not None and (late := usage_rises(usage, first, end, ordered)) is not None:
            inference = Total(late[0], (history, *((f"{SETTLED}:{namespace}",) if late[1] else ())))

    def part(kind: str) -> Total[Decimal]:
        if coverage.covers(start, end, (namespace, kind)):
            return found.spend(namespace, kind, start, end)
        if (found.windows is not None and (start, end) not in found.windows) \
                or coverage.watched_from(start, end, (namespace, kind)) is None:
            return unwatched  # not summed (before `history_since`), or a gap in it
        known = found.spend(namespace, kind, start, end)
        return Total(known.known, (*known.missing, history))

    endpoints, spaces, jobs = (part(k) for k in PRODUCTS)
    if jobs_cut and jobs.known is not None:
        jobs = Total(jobs.known, (*jobs.missing, f"{JOBS_CUT}:{namespace}"))
    return SpendIn(start, end, inference.value, endpoints.value, spaces.value, jobs.value,
                   jobs_at_least=jobs_unlisted is not None and end > jobs_unlisted, inference_at_least=tail_unseen,
                   history_parts=(inference, endpoints, spaces, jobs))


def window_spend(namespaces: Iterable[str], period_starts: dict[str, datetime], billed: Sequence[Spend],
                 index: HistoryIndex, found: WindowCosts, coverage: Coverage, now: datetime,
                 jobs_unlisted: Mapping[str, datetime] | None = None,
                 jobs_cut: Collection[str] = (),
                 usage_in: Mapping[str, UsageInWindows | None] | None = None,
                 billing_refused: Mapping[str, str] | None = None) -> tuple[WindowSpend, ...]:
    """Every window of every namespace, each with the same window before it (`jobs_unlisted`, and the namespaces
    whose Jobs' listing was cut, `jobs_cut`: see `spend_in`; `usage_in`: usage-v2 asked for each window, by
    namespace; `billing_refused`: by namespace, its usage-v2 source when the token may not read it)."""
    out = []
    by_ns = {s.namespace: s for s in billed}
    for namespace in namespaces:
        unlisted, cut = (jobs_unlisted or {}).get(namespace), namespace in jobs_cut
        ordered = in_order(index.usage_of(namespace).usage)  # once, not once per window
        asked_windows = (usage_in or {}).get(namespace)
        refused = (billing_refused or {}).get(namespace)
        for name, length in WINDOWS:
            asked = asked_inference(asked_windows, length) if length is not None else None
            if length is None:
                start = min(period_starts[namespace], now)  # hfmon's clock a little behind HF's at a rollover
                s = by_ns.get(namespace)
                # the billed figures with what `spend` misses of each (a product the statement is behind on: at least)
                current = SpendIn(start, now, *(None, None, None, None) if s is None else (
                    s.inference_usd, s.endpoints_usd, s.spaces_usd, s.jobs_usd), billed=True,
                    inference_source=None if s is None else s.inference_source,
                    history_parts=() if s is None else tuple(s.part(p) for p in SpendIn.PRODUCTS))
                length = now - start
            else:
                current = spend_in(namespace, now - length, now, index, found, coverage, unlisted, cut, ordered,
                                   asked and asked[0], refused)
            start = now - length
            # the period has only just begun: nothing before
            previous = spend_in(namespace, start - length, start, index, found, coverage, unlisted, cut, ordered,
                                asked and asked[1], refused) if length else SpendIn(start, start, *(None,) * 4)
            out.append(WindowSpend(namespace, name, current, previous))
    return tuple(out)


def report_windows(index: HistoryIndex, coverage: Coverage, catalog: Catalog, period_starts: dict[str, datetime],
                   billed: Sequence[Spend], endpoints: Sequence[EndpointRow], spaces: Sequence[SpaceRow],
                   jobs: Sequence[JobRow], now: datetime, history_times: WindowTimes | None = None,
                   jobs_unlisted: Mapping[str, datetime] | None = None,
                   billed_at_zero: Mapping[tuple[str, str], frozenset[str]] | None = None,
                   jobs_cut: Collection[str] = (),
                   zero_gpu_overage: Mapping[str, OverageLines] | None = None,
                   usage_in: Mapping[str, UsageInWindows | None] | None = None,
                   loaded_from: datetime | None = None,
                   billing_refused: Mapping[str, str] | None = None) -> tuple[WindowSpend, ...]:
    """The Report's windows: every recorded resource priced by the catalog (a granted Space at $0, an
    Endpoint in its listed region, hardware HF bills where hfmon has $0/h unknown: `billed_at_zero`, by (kind,
    key)), jobs placed in a namespace by the listing (`jobs_unlisted`, `jobs_cut`: see `spend_in`), a Space's time up
    on ZeroGPU with what its namespace's statement billed for GPU time over the quota (`zero_gpu_overage`), the
    inference usage-v2 gave for each window (`usage_in`, by namespace; `billing_refused`: see `window_spend`); a
    window starting before `loaded_from` (`history_since`: history was loaded from there) is unknown from the sums and
    the changes alike.

    From the store's sums (`history_times`) when they cover every window, else from the state changes (the same
    figures: the sums are the spans' durations, grouped)."""
    if not period_starts:
        return ()
    job_namespaces = {j.job.id: j.job.namespace for j in jobs}
    exposed = {j.job.id for j in jobs if j.job.exposed}
    regions = {e.endpoint.id: e.endpoint.region for e in endpoints}
    granted = {s.space.id: s.space.hardware or s.space.requested_hardware for s in spaces if s.cost.granted}
    unsure = {s.space.id for s in spaces if s.cost.granted is None}  # paid hardware that may be granted

    prices: dict[tuple[str, str, str | None, str | None, bool, bool, frozenset[str]], HardwarePrice] = {}
    zero_billed = billed_at_zero or {}

    def price_of(kind: str, key: str) -> HardwarePrice:
        namespace = job_namespaces.get(key, "") if kind == "job" else key.partition("/")[0]
        terms = (kind, namespace, regions.get(key), granted.get(key), kind == "space" and key in unsure,
                 kind == "job" and key in exposed, zero_billed.get((kind, key), frozenset()))
        price = prices.get(terms)
        if price is None:  # resources priced alike share one (a namespace's Endpoints are mostly in one region)
            price = prices[terms] = catalog_price(catalog, *terms[:4], grant_unknown=terms[4], exposed=terms[5],
                                                  billed_at_zero=terms[6])
        return price

    # a window starting before what was loaded (`loaded_from`, else history's start) is unknown, so need not be summed
    first = coverage.since if loaded_from is None else loaded_from
    asked = {w for w in wanted_windows(period_starts, now) if coverage.since is not None and first is not None
             and w[0] >= first}
    loaded = None if loaded_from is None else asked
    summed_windows = set(history_times.windows) if history_times is not None else set()
    times = history_times if history_times is not None and asked <= summed_windows else None
    if times is not None:
        found: WindowCosts = summed_spend(times, asked, price_of, job_namespaces, zero_billed, zero_gpu_overage)
    else:
        longest = max(max(now - s for s in period_starts.values()), *(w for _, w in WINDOWS if w is not None))
        since = max(now - 2 * longest, coverage.since or now)

        def spanned(kind: str, key: str) -> PartCosts:
            spans = rated_spans(kind, index.changes_of(kind, key), price_of(kind, key), since, now)
            return _Spanned(spans, kind)

        found = resources(index.resources(), spanned, job_namespaces, zero_billed, zero_gpu_overage, loaded)
    return window_spend(period_starts, period_starts, billed, index, found, coverage, now, jobs_unlisted, jobs_cut,
                        usage_in, billing_refused)


def wanted_windows(period_starts: Mapping[str, datetime], now: datetime) -> list[Window]:
    """Every window `window_spend` reads from history: each window, and the one before it."""
    out: list[Window] = []
    for period_start in period_starts.values():
        for _, length in WINDOWS:
            if length is None:
                length = max(now - period_start, timedelta(0))
            else:
                out.append((now - length, now))
            start = now - length
            out.append((start - length, start))
    return [(start, end) for start, end in dict.fromkeys(out) if start < end]
