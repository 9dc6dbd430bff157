"""Pure functions: what a Snapshot adds to history, and the exact encodings of times and money."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hfmon.history import StateChange, UsagePoint
from hfmon.models import Endpoint, Job, NamespaceData, Snapshot, SourceStatus, Space

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
            period_start=billing.inference.period_start,
            inference_used_usd=billing.inference.used_usd,
            jobs_used_usd=billing.jobs.used_usd if billing.jobs is not None else None,
        ))
    return points


def endpoint_state(endpoint: Endpoint, at: datetime) -> StateChange:
    """An endpoint's observed state; replicas are the ready ones, or the target while initializing."""
    parts = (endpoint.vendor, endpoint.instance_type, endpoint.instance_size)
    hardware = None if all(p is None for p in parts) else "/".join(p or "?" for p in parts)
    replicas = endpoint.target_replicas if endpoint.state == "initializing" else endpoint.ready_replicas
    return StateChange("endpoint", f"{endpoint.namespace}/{endpoint.name}", at, endpoint.state, hardware, replicas)


def space_state(space: Space, at: datetime) -> StateChange:
    """A Space's observed stage on its current (else requested) hardware."""
    replicas = next((n for n in (space.replicas_current, space.replicas_requested) if n is not None), 1)
    return StateChange("space", space.id, at, space.stage, space.hardware or space.requested_hardware, replicas)


def job_state(job: Job, at: datetime) -> StateChange:
    """A job's observed stage on its flavor (jobs run one replica)."""
    return StateChange("job", job.id, at, job.stage, job.flavor, 1)


def _namespace_states(ns: NamespaceData, at: datetime) -> list[StateChange]:
    states: list[StateChange] = []
    # Stale listings are old observations: recording them at this poll's time would invent transitions.
    if ns.endpoints.status is SourceStatus.OK and ns.endpoints.value is not None:
        states.extend(endpoint_state(e, at) for e in ns.endpoints.value)
    if ns.spaces.status is SourceStatus.OK and ns.spaces.value is not None:
        states.extend(space_state(s, at) for s in ns.spaces.value)
    if ns.jobs.status is SourceStatus.OK and ns.jobs.value is not None:
        states.extend(job_state(j, at) for j in ns.jobs.value)
    return states


def observed_states(snapshot: Snapshot) -> list[StateChange]:
    """Every resource's state as this snapshot saw it (fresh sources only), one per (kind, resource)."""
    latest: dict[tuple[str, str], StateChange] = {}
    for ns in snapshot.namespaces:
        for state in _namespace_states(ns, snapshot.taken_at):
            latest[(state.kind, state.resource)] = state
    return list(latest.values())


def same_state(a: StateChange, b: StateChange) -> bool:
    """True when two observations describe the same (state, hardware, replicas)."""
    return (a.state, a.hardware, a.replicas) == (b.state, b.hardware, b.replicas)


def same_usage(a: UsagePoint, b: UsagePoint) -> bool:
    """True when two usage points carry the same totals for the same period."""
    return (a.period_start, a.inference_used_usd, a.jobs_used_usd) == (
        b.period_start, b.inference_used_usd, b.jobs_used_usd)
