"""History as `costs.evaluate` reads it: usage totals over time and observed resource states.

Pure values; `hfmon.store` persists them in SQLite and loads them back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import NamedTuple

from hfmon.fastclasses import slot_init
from hfmon.ledger import LedgerGap, LedgerRow, SessionSettled


@slot_init  # built by the thousand from history's rows
@dataclass(frozen=True, slots=True)
class UsagePoint:
    """A namespace's period-to-date usage totals as seen at one poll."""

    namespace: str
    at: datetime
    period_start: datetime
    inference_used_usd: Decimal
    jobs_used_usd: Decimal | None


@dataclass(frozen=True, slots=True)
class ProviderPoint:
    """A namespace's period-to-date Inference Providers spend through one provider, as seen at one poll; the
    points of a namespace at one `at` are its whole set then (provider '' alone: a set with no provider)."""

    namespace: str
    at: datetime
    period_start: datetime
    provider: str
    used_usd: Decimal
    requests: int | None  # None: HF did not give the provider's count (unknown, never 0)


@dataclass(frozen=True, slots=True)
class OverageRun:
    """A ZeroGPU Space's GPU time over the quota billed so far in a period (its statement's overage lines summed), as
    every poll from `first` to `last` read it (`store.zero_gpu_points`)."""

    namespace: str
    space: str
    period_start: datetime
    total_usd: Decimal
    first: datetime
    last: datetime


GONE = "gone"  # StateChange.state of a resource that vanished from a fresh listing of its namespace (deleted)


@slot_init
@dataclass(frozen=True, slots=True)
class StateChange:
    """A resource observed entering a state (only changes are stored, not every poll)."""

    kind: str  # endpoint | space | job
    resource: str  # "<namespace>/<name>" for endpoints, the repo id for Spaces, the job id for jobs
    at: datetime
    state: str  # the raw API state or stage, or GONE
    hardware: str | None  # flavor, or "<vendor>/<instanceType>/<size>" for endpoints
    replicas: int


POLL_RUN_BREAK = timedelta(minutes=15)
"""Polls further apart than this start a new run: history sampled that coarsely cannot see a Space that sleeps
and wakes between two polls, so what it saw is no evidence about billed minutes."""


@dataclass(frozen=True, slots=True)
class PollRun:
    """A stretch of polls (by any hfmon process) each at most POLL_RUN_BREAK after the one before."""

    first: datetime
    last: datetime
    max_gap_s: float  # the largest gap between two consecutive polls in the run


Listing = tuple[str, str]
"""(namespace, kind): one listing a poll made fresh, kind `endpoint`, `space`, `job` or `billing` (the namespace's
usage totals and spend per provider)."""
BILLING = "billing"  # the `Listing` kind of a namespace's billing (usage totals, spend per provider)


def covering_run(runs: Sequence[PollRun], start: datetime, end: datetime) -> PollRun | None:
    """The run of polls that saw all of [start, end], if any."""
    return next((r for r in runs if r.first <= start and r.last >= end), None)


class StateTime(NamedTuple):  # a tuple: a month of hourly windows makes tens of thousands of them
    """How long one resource was in one recorded state (on one hardware, at one replica count) within a window."""

    state: str
    hardware: str | None
    replicas: int
    micros: int  # microseconds inside the window, > 0


Window = tuple[datetime, datetime]  # [start, end)


def unwatched(runs: Sequence[PollRun], start: datetime, end: datetime) -> list[Window]:
    """The stretches of [start, end) no poll watched, oldest first: before the first run of polls and between two
    runs (each more than POLL_RUN_BREAK long: hfmon was not running, or saw no listing). What a resource did there
    is unknown: its recorded state only says what it was when watching stopped. The time after the last poll is the
    present (the poll being evaluated), not a gap. With no runs, nothing says when hfmon watched: none is given."""
    out: list[Window] = []
    watched_to: datetime | None = None  # the end of the runs so far
    for run in sorted(runs, key=lambda r: r.first):
        begin = max(start, watched_to) if watched_to is not None else start
        stop = min(end, run.first)
        if stop > begin:
            out.append((begin, stop))
        watched_to = run.last if watched_to is None else max(watched_to, run.last)
    return out


def last_gap(gaps: Sequence[Window], since: datetime, now: datetime) -> Window | None:
    """The last of `gaps` (oldest first, as `unwatched` gives them) that ends within [since, now]: polls watched
    without a break from its end on; None when none does (watched all along since `since`)."""
    return next((g for g in reversed(gaps) if since <= g[1] <= now), None)


@dataclass(frozen=True, slots=True)
class WindowTimes:
    """Time in each recorded billed state per resource and window, summed by the store in SQL: exactly what the
    resource's state spans (`costs.resources.state_spans`) give over each window in a billed state, without building
    them (an unbilled state costs nothing and counts no uptime: it is left out)."""

    windows: tuple[Window, ...]
    times: Mapping[tuple[str, str], Mapping[Window, tuple[StateTime, ...]]] = field(default_factory=dict)
    # (kind, resource) -> window -> its billed states; a resource or window absent spent no billed time there


Span = tuple[str, str, datetime, datetime]  # (kind, resource, start, end): one resource over [start, end)


@dataclass(frozen=True, slots=True)
class SpanTime:
    """One resource's time in each recorded billed state within one span, and how many changes began inside it: what
    `costs.observed.span_times` gives from the changes, summed by the store in SQL."""

    states: tuple[StateTime, ...]
    transitions: int  # recorded changes at or after the span's start (and before its end)


class StatementBound(NamedTuple):
    """What a statement line still accruing said of a resource: billed without a break `since`, read at `read_at`
    (`costs.uptime.statement_bounds`)."""

    since: datetime
    read_at: datetime


@dataclass(frozen=True, slots=True)
class Seen:
    """A resource as every recorded row from a load's `since` shows it (a `Figures` load has only recent rows)."""

    first: datetime  # its first change: the last one before `since`, else its first after
    most_replicas: int  # the most replicas of any of those changes


@dataclass(frozen=True, slots=True)
class Figures:
    """What a caller that only reports figures (`hfmon once`) asks of history: the latest rows, and sums in SQL for
    everything reaching further back. A Report evaluated on it has the figures of one evaluated on every row;
    row-level detail (timelines, the credits series) is shorter, and the hourly figures (the dashboard's
    sparklines) are left out (`History.detail`), as is the spend per provider over time (its charts)."""

    usage_since: datetime  # usage points from here (each namespace's last one before it too)
    changes_since: datetime  # state changes from here (each resource's last one before it too, and see
    # `store.figures`: back to its last change in an unbilled state, for the stretch it has been up)
    spans: tuple[Span, ...] = ()  # the "minutes vs history" spans, summed per state (`History.span_times`)
    thresholds: tuple[tuple[str, datetime, Decimal, Decimal], ...] = ()
    # (namespace, period start, USD used now, USD): the first usage point of that period (`credits.restarted`: under
    # whichever period start it was written) at or over it is loaded too


@dataclass(frozen=True, slots=True)
class History:
    """What the store knows, oldest first."""

    usage: tuple[UsagePoint, ...] = ()
    changes: tuple[StateChange, ...] = ()
    poll_runs: tuple[PollRun, ...] = ()
    ledger: tuple[LedgerRow, ...] | None = None  # requests through `hfmon proxy`; None: the ledger was not read
    settled: tuple[SessionSettled, ...] = ()  # what HF settled for the ledger's sessions
    ledger_gaps: tuple[LedgerGap, ...] = ()  # requests the ledger lost for good: every figure over them is partial
    window_times: WindowTimes | None = None  # the spend windows' state times, when the store summed them
    provider_points: tuple[ProviderPoint, ...] = ()  # spend per provider over time, oldest first
    seen: Mapping[tuple[str, str], Seen] | None = None
    # (kind, resource) -> what every row from `since` shows of it; None: `changes` holds every such row
    detail: bool = True  # False (a `Figures` load): no hourly figures, and the rows are recent ones only
    span_times: Mapping[Span, SpanTime | None] | None = None
    # the "minutes vs history" spans summed by the store (None for a resource it has no change of)
    listing_runs: Mapping[Listing, tuple[PollRun, ...]] | None = None
    # each listing's runs of polls that listed it fresh, oldest first; None: not read (every listing has `poll_runs`)
    statement_bounds: Mapping[tuple[str, str], StatementBound] = field(default_factory=dict)
    # (kind, resource) -> the latest statement bound kept of it (`costs.uptime.statement_bounds`)
    zero_gpu_overage: tuple[OverageRun, ...] = ()  # each ZeroGPU Space's overage totals as polls read them

    def runs_of(self, listing: Listing | None) -> tuple[PollRun, ...]:
        """The runs of polls that listed `listing` fresh (None, or none read: the runs of any poll)."""
        if listing is None or self.listing_runs is None:
            return self.poll_runs
        return self.listing_runs.get(listing, ())

    def poll_gap_s(self, start: datetime, end: datetime, listing: Listing | None = None) -> float | None:
        """The largest gap between polls over [start, end] (that listed `listing` fresh, when given); None when no run
        of such polls covers it all."""
        run = covering_run(self.runs_of(listing), start, end)
        return None if run is None else run.max_gap_s

    def changes_of(self, kind: str, resource: str) -> tuple[StateChange, ...]:
        """The state changes of one resource, oldest first."""
        return tuple(c for c in self.changes if c.kind == kind and c.resource == resource)
