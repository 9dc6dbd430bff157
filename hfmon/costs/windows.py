"""Spend in time windows (the last hour, 24 h, 7 d, 30 d, this period) and in the same window before, per namespace.

Computed from history alone, once per Report: Inference Providers from the period-to-date totals `usage-v2`
reported at each poll (a period that started inside the window counts from its start), Endpoints, Spaces and
Jobs from the states history recorded, priced by the catalog (`timeline`). Storage is billed by the month,
not over time, and is not in a window. "This period" is what the statement and `usage-v2` billed (the same
figures as `Report.spend`); the window before it is the same length before the period began, from history.

A part history does not cover (it began later, or polls were further apart than `history.POLL_RUN_BREAK`)
is None: unknown, never $0. So is a part with a billed state no catalog prices, and a namespace's jobs when
history shows a billed job hfmon cannot place in a namespace (no longer listed).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from hfmon.costs.billing_rules import micro
from hfmon.costs.index import HistoryIndex
from hfmon.costs.timeline import Coverage, StateSpan, catalog_price, rated_spans, spend
from hfmon.history import UsagePoint
from hfmon.pricing.catalog import Catalog
from hfmon.report import EndpointRow, JobRow, SpaceRow, Spend, SpendIn, WindowSpend

WINDOWS: tuple[tuple[str, timedelta | None], ...] = (
    ("1h", timedelta(hours=1)), ("24h", timedelta(hours=24)), ("7d", timedelta(days=7)),
    ("30d", timedelta(days=30)), ("period", None),
)
"""Window names (as JSON and the dashboard show them) and lengths (None: the billing period so far)."""

PRODUCTS = ("endpoint", "space", "job")


class Resources:
    """Every resource history recorded, with its priced state spans, grouped by namespace and kind."""

    def __init__(self, spans: dict[tuple[str, str], list[Sequence[StateSpan]]],
                 unplaced_jobs: Sequence[Sequence[StateSpan]]) -> None:
        self.spans = spans  # (namespace, kind) -> each resource's spans
        self.unplaced_jobs = unplaced_jobs  # jobs in history that no listing places in a namespace

    def spend(self, namespace: str, kind: str, start: datetime, end: datetime) -> Decimal | None:
        """What one namespace's resources of one kind cost within [start, end) (None: unpriced or unplaced)."""
        if kind == "job" and any(spend(s, start, end) != 0 for s in self.unplaced_jobs):
            return None
        total = Decimal(0)
        for spans in self.spans.get((namespace, kind), ()):
            part = spend(spans, start, end)
            if part is None:
                return None
            total += part
        return total


SpansOf = Callable[[str, str, datetime, datetime], Sequence[StateSpan]]


def resources(index: HistoryIndex, price_spans: SpansOf, job_namespaces: dict[str, str], since: datetime,
              now: datetime) -> Resources:
    """Price every recorded resource's states from `since` to `now` (`price_spans(kind, key, since, now)`)."""
    grouped: dict[tuple[str, str], list[Sequence[StateSpan]]] = {}
    unplaced: list[Sequence[StateSpan]] = []
    for kind, key in index.resources():
        spans = price_spans(kind, key, since, now)
        if kind == "job":
            namespace = job_namespaces.get(key)
            if namespace is None:
                unplaced.append(spans)
                continue
        else:
            namespace = key.partition("/")[0]
        grouped.setdefault((namespace, kind), []).append(spans)
    return Resources(grouped, unplaced)


def usage_between(points: Sequence[UsagePoint], start: datetime, end: datetime) -> Decimal | None:
    """Inference Providers spend in [start, end) from period-to-date totals (None: no total at or before start)."""
    before = next((p for p in reversed(points) if p.at <= start), None)
    if before is None:
        return None
    total, prev = Decimal(0), before
    for p in points:
        if start < p.at <= end:
            total += p.inference_used_usd - (prev.inference_used_usd if p.period_start == prev.period_start else 0)
            prev = p
    return micro(total)


def spend_in(namespace: str, start: datetime, end: datetime, index: HistoryIndex, found: Resources,
             coverage: Coverage) -> SpendIn:
    """One namespace's spend in [start, end) from history; every part None where history does not cover it."""
    if not coverage.covers(start, end):
        return SpendIn(start, end, None, None, None, None)
    usage = index.usage_of(namespace).usage
    inference = usage_between(usage, start, end) if usage else None
    endpoints, spaces, jobs = (found.spend(namespace, k, start, end) for k in PRODUCTS)
    return SpendIn(start, end, inference, endpoints, spaces, jobs)


def window_spend(namespaces: Iterable[str], period_starts: dict[str, datetime], billed: Sequence[Spend],
                 index: HistoryIndex, found: Resources, coverage: Coverage, now: datetime) -> tuple[WindowSpend, ...]:
    """Every window of every namespace, each with the same window before it."""
    out = []
    by_ns = {s.namespace: s for s in billed}
    for namespace in namespaces:
        for name, length in WINDOWS:
            if length is None:
                start = period_starts[namespace]
                s = by_ns.get(namespace)
                current = SpendIn(start, now, *(None, None, None, None) if s is None else (
                    s.inference_usd, s.endpoints_usd, s.spaces_usd, s.jobs_usd), billed=True)
                length = now - start
            else:
                current = spend_in(namespace, now - length, now, index, found, coverage)
            start = now - length
            previous = spend_in(namespace, start - length, start, index, found, coverage)
            out.append(WindowSpend(namespace, name, current, previous))
    return tuple(out)


def report_windows(index: HistoryIndex, coverage: Coverage, catalog: Catalog, period_starts: dict[str, datetime],
                   billed: Sequence[Spend], endpoints: Sequence[EndpointRow], spaces: Sequence[SpaceRow],
                   jobs: Sequence[JobRow], now: datetime) -> tuple[WindowSpend, ...]:
    """The Report's windows: every recorded resource priced by the catalog (a granted Space at $0, an
    Endpoint in its listed region), jobs placed in a namespace by the listing."""
    if not period_starts:
        return ()
    job_namespaces = {j.job.id: j.job.namespace for j in jobs}
    regions = {e.endpoint.id: e.endpoint.region for e in endpoints}
    granted = {s.space.id: s.space.hardware or s.space.requested_hardware for s in spaces if s.cost.granted}

    def price_spans(kind: str, key: str, since: datetime, until: datetime) -> Sequence[StateSpan]:
        namespace = job_namespaces.get(key, "") if kind == "job" else key.partition("/")[0]
        price_of = catalog_price(catalog, kind, namespace, regions.get(key), granted.get(key))
        return rated_spans(kind, index.changes_of(kind, key), price_of, since, until)

    longest = max(max(now - s for s in period_starts.values()), *(w for _, w in WINDOWS if w is not None))
    since = max(now - 2 * longest, coverage.since or now)
    found = resources(index, price_spans, job_namespaces, since, now)
    return window_spend(period_starts, period_starts, billed, index, found, coverage, now)
