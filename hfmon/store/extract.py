"""Pure functions: what a Snapshot adds to history, the exact encodings of times and money, and the values of the
rows read."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any, NamedTuple

from hfmon.costs.billing_rules import (
    BETWEEN_POLLS_STATE,
    BILLED_BETWEEN_POLLS_STATE,
    JOB_BILLED,
    JOB_ENDED,
    MAY_BILL_STATES,
    bills_unknown,
    endpoint_replicas,
    is_billed,
    job_replicas,
    moved_hardware,
    passes_through_billed,
    space_replicas,
)
from hfmon.costs.credits import namespace_credits_period
from hfmon.history import Listing, PollRun, StateChange, StatementBound, UsagePoint
from hfmon.models import Endpoint, Job, Snapshot, SourceStatus, Space

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_MICROSECOND = timedelta(microseconds=1)


def encode_time(moment: datetime) -> int:
    """An aware datetime as integer microseconds since the epoch (exact; datetimes have no finer digits)."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}: history times must be aware (UTC)")
    return (moment - EPOCH) // _MICROSECOND


def decode_time(value: int) -> datetime:
    """The inverse of `encode_time`, in UTC."""
    return EPOCH + value * _MICROSECOND


def encode_money(amount: Decimal | None) -> str | None:
    """A Decimal as its exact text (keeps every digit, unlike a float or a fixed scale)."""
    return None if amount is None else str(amount)


def decode_money(text: str | None) -> Decimal | None:
    """The inverse of `encode_money`."""
    return None if text is None else Decimal(text)


compact_json = json.JSONEncoder(check_circular=False, separators=(",", ":")).encode
"""JSON without spaces of the values hfmon builds (lists, objects, tuples: no cycle to look for), as a write hands
SQLite or a journal file."""


def usage_points(snapshot: Snapshot) -> list[UsagePoint]:
    """One usage point per namespace whose billing source is fresh in this snapshot."""
    points = []
    for ns in snapshot.namespaces:
        billing = ns.billing.value
        if ns.billing.status is not SourceStatus.OK or billing is None:
            continue
        points.append(UsagePoint(
            namespace=ns.namespace,
            at=snapshot.taken_at,
            period_start=namespace_credits_period(ns, snapshot.taken_at).start,
            inference_used_usd=billing.inference.used_usd,
            jobs_used_usd=billing.jobs.used_usd if billing.jobs is not None else None,
        ))
    return points


class DatedState(NamedTuple):
    """A state a resource entered at a time it gives itself (a Job's `startedAt`, `finishedAt`)."""

    at: datetime | None  # None: not given; the poll's time stands for it
    state: str
    hardware: str | None
    replicas: int


class Observation(NamedTuple):
    """One resource's state as one poll saw it (a StateChange without its time; cheap to build)."""

    kind: str
    resource: str
    state: str
    hardware: str | None
    replicas: int
    dated: tuple[DatedState, ...] = ()  # its states up to this one, oldest first, at its own times; empty: the
    # resource gives none (an Endpoint, a Space): the poll dates the state it saw
    changed_at: datetime | None = None  # when it last changed, by its own word (an Endpoint's `status.updatedAt`):
    # dates a change only when it lies between the previous poll and this one (`dated_changes`)


# Replicas are those billed now, by the same rule the costs use (history minutes are compared with billed ones).
# A stage hfmon does not know is not a billed state for history either: it counts no replica-minutes.


def endpoint_state(endpoint: Endpoint) -> Observation:
    """An endpoint's observed state on its instance (replicas 0 in a state that bills: HF did not say how many run;
    `timeline.state_rate` prices it as unknown)."""
    vendor, instance, size = endpoint.vendor, endpoint.instance_type, endpoint.instance_size
    # formatted, not joined from a list: this runs for every Endpoint of every poll recorded
    hardware = None if vendor is None and instance is None and size is None \
        else f"{vendor or '?'}/{instance or '?'}/{size or '?'}"
    replicas = endpoint_replicas(endpoint)
    if replicas is None and bills_unknown("endpoint", endpoint.state, endpoint.ready_replicas):
        # those that may serve through it (its ready ones, else its target when HF sent no ready count), so that
        # `state_rate` prices its time unknown, as the cost now is, never $0
        ready = endpoint.ready_replicas
        replicas = ready if ready is not None else endpoint.target_replicas
    return Observation("endpoint", endpoint.id, endpoint.state, hardware, replicas or 0, (), endpoint.updated_at)


def space_state(space: Space) -> Observation:
    """A Space's observed stage on its current (else requested) hardware."""
    return Observation("space", space.id, space.stage, space.hardware or space.requested_hardware,
                       space_replicas(space) or 0, (), None)


def job_state(job: Job) -> Observation:
    """A job's observed stage on its flavor, with the times the listing gives (`job_timeline`)."""
    replicas = job_replicas(job) or 0
    return Observation("job", job.id, job.stage, job.flavor, replicas, job_timeline(job, replicas), None)


def job_timeline(job: Job, replicas: int) -> tuple[DatedState, ...]:
    """A Job's states at its own times: RUNNING from `startedAt`, its end stage from `finishedAt` (else
    `startedAt` + `runningSecs`), so history prices the span it ran even between two polls.

    A Job that ran for a time its listing does not place (ended without an end, or running without a start) is
    RUNNING at 0 replicas over what it may have run: a billed state with no count, priced unknown, never $0.
    Ended with neither `startedAt` nor running seconds: it never started (the spec sends no time not reached)."""
    flavor, started, finished = job.flavor, job.started_at, job.finished_at
    if job.stage in JOB_BILLED:
        if started is not None:
            return (DatedState(started, job.stage, flavor, replicas),)
        if job.created_at is None:
            return ()  # nothing says when it may have started: the poll dates it
        # started some time after it was created (or after the latest recorded change: `dated_changes`)
        return (DatedState(job.created_at, job.stage, flavor, 0), DatedState(None, job.stage, flavor, replicas))
    if job.stage not in JOB_ENDED:
        return ()
    ran = None if job.running_s is None else timedelta(seconds=job.running_s)
    if started is None and finished is not None and ran is not None:
        started = finished - ran
    if started is None:
        if ran:  # it ran, but when is not said
            return (DatedState(job.created_at, "RUNNING", flavor, 0), DatedState(finished, job.stage, flavor, replicas))
        return (DatedState(finished, job.stage, flavor, replicas),)
    end = finished if finished is not None else None if ran is None else started + ran
    if end is None:
        return (DatedState(started, "RUNNING", flavor, 0), DatedState(None, job.stage, flavor, replicas))
    return (DatedState(started, "RUNNING", flavor, 1), DatedState(end, job.stage, flavor, replicas))


class Observed(NamedTuple):
    """What one snapshot's fresh listings say about resources."""

    states: dict[tuple[str, str], tuple[str, Observation]]  # (kind, resource) -> (namespace, observation)
    listed: set[tuple[str, str]]  # fresh (namespace, kind) listings: a known resource absent from one is gone


def observe(snapshot: Snapshot) -> Observed:
    """Every resource's state as this snapshot's fresh listings saw it, and which listings were fresh."""
    states: dict[tuple[str, str], tuple[str, Observation]] = {}
    listed: set[tuple[str, str]] = set()
    for ns in snapshot.namespaces:
        found: list[tuple[str, list[Observation]]] = []
        # Stale listings are old observations: recording them at this poll's time would invent transitions.
        if ns.endpoints.status is SourceStatus.OK and ns.endpoints.value is not None:
            found.append(("endpoint", [endpoint_state(e) for e in ns.endpoints.value]))
        if ns.spaces.status is SourceStatus.OK and ns.spaces.value is not None:
            found.append(("space", [space_state(s) for s in ns.spaces.value]))
        if ns.jobs.status is SourceStatus.OK and ns.jobs.value is not None:
            found.append(("job", [job_state(j) for j in ns.jobs.value]))
        for kind, observations in found:
            listed.add((ns.namespace, kind))
            for state in observations:
                states[(state.kind, state.resource)] = (ns.namespace, state)
    return Observed(states, listed)


def same_usage(a: UsagePoint, b: UsagePoint) -> bool:
    """True when two usage points carry the same totals for the same period."""
    return (a.period_start, a.inference_used_usd, a.jobs_used_usd) == (
        b.period_start, b.inference_used_usd, b.jobs_used_usd)


def decode_rows(usage_rows: list[Any], change_rows: list[Any],
            names: dict[int, tuple[str, str]]) -> tuple[tuple[UsagePoint, ...], tuple[StateChange, ...]]:
    """The usage points and state changes of the rows read (`names`: each resource's (kind, name) by id)."""
    times: dict[int, datetime] = {}  # one poll's rows share a time: decode it once

    def time_of(value: int) -> datetime:
        moment = times.get(value)
        if moment is None:
            moment = times[value] = decode_time(value)
        return moment

    usage = tuple(
        UsagePoint(ns, time_of(at), time_of(period_start), Decimal(inference), decode_money(jobs))
        for ns, at, period_start, inference, jobs in usage_rows)
    changes = tuple(
        StateChange(*names[rid], time_of(at), state, hardware, replicas)
        for rid, at, state, hardware, replicas in change_rows)
    return usage, changes


def decode_runs(rows: list[Any]) -> tuple[PollRun, ...]:
    """The runs of polls of the rows read (`queries.LOAD_POLL_RUNS`)."""
    return tuple(PollRun(decode_time(first), decode_time(last), gap / 10**6) for first, last, gap in rows)


def decode_bounds(rows: list[Any]) -> dict[tuple[str, str], StatementBound]:
    """Each resource's statement bound kept (`queries.LOAD_STATEMENT_BOUNDS`)."""
    return {(kind, resource): StatementBound(decode_time(since), decode_time(read_at))
            for kind, resource, since, read_at in rows}


def decode_listing_runs(rows: list[Any]) -> dict[Listing, tuple[PollRun, ...]]:
    """Each listing's runs of polls, oldest first, from the rows read (`queries.LOAD_LISTING_RUNS`)."""
    runs: dict[Listing, list[PollRun]] = {}
    for namespace, kind, first, last, gap in rows:
        runs.setdefault((namespace, kind), []).append(PollRun(decode_time(first), decode_time(last), gap / 10**6))
    return {listing: tuple(mine) for listing, mine in runs.items()}


def dated_changes(observation: Observation, last: tuple[str, str | None, int] | None, last_at: int | None,
                  poll: int, since: int | None = None) -> list[tuple[int, str, str | None, int]]:
    """The (at, state, hardware, replicas) changes recording `observation`, seen at `poll` after the resource's
    latest recorded state `last` (entered at `last_at`; None: a new resource); `since`: the previous poll of its
    listing in this run of polls (None: none).

    Dated by the resource's own times where it gives them, kept after that change and not after the poll (HF's
    clock and this one may disagree a little); a state the resource is recorded in already is left out (unless its
    change time moved past the previous poll: it left that state and re-entered it between the polls, a stretch
    between polls), and of two at one instant the later stands. A resource that gives no time for its states (a
    Space), or whose change time (`Observation.changed_at`) is not between the two polls, changed at a time no source
    gives: when either side bills, the stretch between the polls is recorded as `unseen_stretch` says."""
    if not observation.dated:
        return _undated_change(observation, last, last_at, poll, since)
    steps = observation.dated
    earliest = None if last_at is None else min(last_at + 1, poll)  # the recorded change stays (unless at the poll)
    out: list[tuple[int, str, str | None, int]] = []
    previous = last
    for step in steps:
        now = (step.state, step.hardware, step.replicas)
        if now == previous:
            continue
        when = poll if step.at is None else min(encode_time(step.at), poll)
        if earliest is not None and when < earliest:
            when = earliest
        if out and when <= out[-1][0]:
            when = out.pop()[0]
        out.append((when, *now))
        previous = now
    return out


def _undated_change(observation: Observation, last: tuple[str, str | None, int] | None, last_at: int | None,
                    poll: int, since: int | None) -> list[tuple[int, str, str | None, int]]:
    now = (observation.state, observation.hardware, observation.replicas)
    after = since if last_at is None or since is None else max(since, last_at)
    given = observation.changed_at
    if now == last:
        # seen as before, but its change time moved past the previous poll: it left that state and came back
        # between the polls (scaled to zero and woke): in it for an unknown part of the stretch. Not when that poll
        # recorded the state itself: its change time may be a little past it (HF's clock ahead of this one).
        if given is not None and last_at is not None and since is not None and last_at < since \
                and since + 1 < encode_time(given) <= poll:
            return [(since + 1, BETWEEN_POLLS_STATE, now[1], now[2]), (encode_time(given), *now)]
        return []
    if after is None or after >= poll:
        return [(poll, *now)]
    if given is not None and after < encode_time(given) <= poll:
        at = encode_time(given)
        if last is not None and passes_through_billed(observation.kind, last[0], now[0]) and after + 1 < at:
            return [(after + 1, BETWEEN_POLLS_STATE, now[1], now[2]), (at, *now)]  # initializing, from when: unknown
        return [(at, *now)]
    stretch = unseen_stretch(observation.kind, last, now, after)
    return [stretch, (poll, *now)] if stretch is not None and stretch[0] < poll else [(poll, *now)]


def unseen_stretch(kind: str, before: tuple[str, str | None, int] | None, after: tuple[str, str | None, int],
                   since: int) -> tuple[int, str, str | None, int] | None:
    """The change that marks the stretch from the poll at `since` (which saw `before`; None: not listed) to the
    one that saw `after` as `BETWEEN_POLLS_STATE` on the billed side's hardware and replicas: billed for a part of
    it no source gives, so neither the start nor the end is dated at a poll; None when neither side may bill.

    Both sides billing on the same hardware with replicas known (1 -> 2 replicas), it billed all through it at the
    lower side's rate at least: `BILLED_BETWEEN_POLLS_STATE` on that hardware and the fewer replicas. Both sides
    may bill on different hardware (moved from paid to free hardware): on `moved_hardware`, priced by no catalog."""
    if before is not None and before[1] == after[1] and before[2] > 0 and after[2] > 0 \
            and is_billed(kind, before[0]) and is_billed(kind, after[0]):
        return since + 1, BILLED_BETWEEN_POLLS_STATE, after[1], min(before[2], after[2])
    billed = MAY_BILL_STATES[kind]
    if before is not None and before[0] in billed and after[0] in billed and before[1] != after[1]:
        # both may have billed, each on its own hardware: never the cheaper (or a free) side's rate alone
        return since + 1, BETWEEN_POLLS_STATE, moved_hardware(before[1], after[1]), after[2]
    side = after if after[0] in billed else before if before is not None and before[0] in billed else None
    return None if side is None else (since + 1, BETWEEN_POLLS_STATE, side[1], side[2])
