"""Hugging Face billing rules as pure functions: which states bill, for how many replicas, and what that costs.

- Spaces bill per minute per replica while starting or running: RUNNING, RUNNING_BUILDING, APP_STARTING,
  RUNNING_APP_STARTING. Building, sleeping, stopped, paused and error stages are free.
- Jobs bill per minute while RUNNING (SCHEDULING is waiting for a machine; finished stages are free). A Job that
  exposes ports (`expose.ports`) bills $0.01 an hour more, once per job whatever the number of ports (hf-api.md 0.5
  and 7: "exposed ports add $0.01/h per job"); no statement product of its own is documented, so hfmon takes it
  to be in the job's own line. Only the ports a Job exposes now are known (they can be changed while it runs); of a
  Job hfmon did not read (past a listing's cut), what HF billed a minute of it tells (`billed_exposed`), else nothing.
- Endpoints bill per minute per replica while initializing or running (the documented rule). Paused and
  scaledToZero do not (documented); pending and failed, with no replica ready, are taken not to.
- `updating` and `updateFailed` are in HF's state enum, and no source says whether they bill: the previous
  revision's ready replicas keep serving through them (HF's own statement line stays `active`). With a replica
  ready, or a ready count HF did not send, what they cost is unknown (flagged, never $0); with none ready, nothing.
  History records such a state with its ready replicas (its target when HF sent no ready count) and prices it
  unknown too: one predicate, `bills_unknown`, decides for both.
- Cost = USD per hour x minutes x replicas / 60, computed in that order so that whole-minute amounts of
  hourly prices stay exact in Decimal.
- A stage hfmon does not know (HF added one) on a resource that otherwise looks alive (a Space with current
  hardware or replicas, a job started and not finished, an Endpoint with replicas) bills an unknown amount:
  its replicas now are None ("cost unknown", flagged), never 0 (which would price it at $0/h).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from types import MappingProxyType

from hfmon.models import Endpoint, Job, Space, UsageLine
from hfmon.pricing.catalog import is_zero_gpu
from hfmon.report_rows import Price

SPACE_BILLED = frozenset({"RUNNING", "RUNNING_BUILDING", "APP_STARTING", "RUNNING_APP_STARTING"})
JOB_BILLED = frozenset({"RUNNING"})
ENDPOINT_BILLED = frozenset({"initializing", "running"})
_BILLED = {"space": SPACE_BILLED, "job": JOB_BILLED, "endpoint": ENDPOINT_BILLED}
BILLED_STATES: Mapping[str, frozenset[str]] = MappingProxyType(_BILLED)  # kind -> its billed states (`is_billed`)
# Every stage HF documents (hf-api.md 6.3, 7, 5.2).
SPACE_KNOWN = SPACE_BILLED | {"NO_APP_FILE", "CONFIG_ERROR", "BUILDING", "BUILD_ERROR", "RUNTIME_ERROR",
                              "DELETING", "STOPPED", "PAUSED", "SLEEPING"}
NO_RUNTIME = "UNKNOWN"  # the parser's stage for a Space listed without its runtime: whether it runs is unknown
JOB_ENDED = frozenset({"COMPLETED", "CANCELED", "ERROR", "DELETED"})
JOB_KNOWN = JOB_BILLED | {"SCHEDULING"} | JOB_ENDED
ENDPOINT_UNDOCUMENTED = frozenset({"updating", "updateFailed"})  # billed or not: no source says (module docstring)
ENDPOINT_KNOWN = ENDPOINT_BILLED | ENDPOINT_UNDOCUMENTED | {"pending", "failed", "paused", "scaledToZero"}
BETWEEN_POLLS_STATE = "between_polls"
"""The state history records for the stretch between two polls around a change no source dates (a Space waking or
sleeping, an Endpoint whose `updatedAt` is not between the polls), on the billed side's hardware and replicas: in
that state for an unknown part of it, so whether it billed is unknown (`bills_unknown`), its cost at least $0."""
BILLED_BETWEEN_POLLS_STATE = "between_polls_billed"
"""The state history records instead of `BETWEEN_POLLS_STATE` when both sides of such a change bill, on the same
hardware (1 -> 2 replicas): billed all through the stretch, at a rate that changed at a time no source gives, so on
that hardware and the fewer replicas of the two: what it cost is at least that rate over it (`floor_only`), by how
much more unknown. A change of hardware is no such stretch, even when both sides bill: it is not billed all through.
A Space moved to other hardware restarts and builds on it (`hardware.current` null while BUILDING), and a build is
not billed (hf-api.md 6.6); an Endpoint moved to another instance goes through `updating`, which no source says
bills (`ENDPOINT_UNDOCUMENTED`). Neither side's rate is then certain over any part of the stretch that no poll saw,
so it is `BETWEEN_POLLS_STATE` ($0 certain, the rest unknown) on `moved_hardware`, never the cheaper side's rate."""
BETWEEN_POLLS_STATES = frozenset({BETWEEN_POLLS_STATE, BILLED_BETWEEN_POLLS_STATE})
"""The states history records for a stretch between two polls around a change no source dates (not a poll's own)."""
_MAY_BILL = {kind: states | BETWEEN_POLLS_STATES for kind, states in
             {**_BILLED, "endpoint": ENDPOINT_BILLED | ENDPOINT_UNDOCUMENTED}.items()}
MAY_BILL_STATES: Mapping[str, frozenset[str]] = MappingProxyType(_MAY_BILL)  # kind -> states whose time history sums
MICRO = Decimal("0.000001")


EXPOSED_PORTS_USD_PER_HOUR = Decimal("0.01")
"""What exposing ports adds to a Job's hourly price: per job, not per port."""


def moved_hardware(before: str | None, after: str | None) -> str:
    """The hardware history records a stretch between two polls on when the resource moved from `before` to `after`
    in it, both sides may bill: each ran for a part no source gives, so it names both and no catalog prices it (its
    cost unknown, at least $0; never a free side's $0: audit 9 F2)."""
    return f"{before or '?'} -> {after or '?'}"


def job_price(flavor_price: Price | None, exposed: bool) -> Price | None:
    """A Job's hourly price: its flavor's, plus `EXPOSED_PORTS_USD_PER_HOUR` when it exposes ports (same catalog
    layer: the surcharge is HF's documented figure); None while the flavor is unpriced."""
    if flavor_price is None or not exposed:
        return flavor_price
    return Price(flavor_price.usd_per_hour + EXPOSED_PORTS_USD_PER_HOUR, flavor_price.source, flavor_price.as_of)


def billed_exposed(flavor_price: Price | None, line: UsageLine) -> bool | None:
    """Whether a Job hfmon has not read (past a listing's cut, or unlisted) exposed ports, as what HF billed a minute
    of it on its line shows: its flavor's price plus `EXPOSED_PORTS_USD_PER_HOUR`, or its flavor's alone, each
    within half that surcharge. None when that cannot tell (flavor unpriced, nothing billed, neither price)."""
    per_minute = line.unit_cost_usd if line.unit_cost_usd > 0 else (
        line.total_usd / line.quantity if line.quantity > 0 else Decimal(0))
    if flavor_price is None or per_minute <= 0:
        return None
    off = per_minute * 60 - flavor_price.usd_per_hour
    return next((exposed for exposed in (False, True)
                 if abs(off - expose_usd_per_hour(exposed)) < EXPOSED_PORTS_USD_PER_HOUR / 2), None)


def expose_usd_per_hour(exposed: bool) -> Decimal:
    """The part of a Job's hourly price its exposed ports make (0 when it exposes none)."""
    return EXPOSED_PORTS_USD_PER_HOUR if exposed else Decimal(0)


def is_billed(kind: str, state: str) -> bool:
    """Whether a resource of `kind` (space | job | endpoint) is billed while in `state` (a recorded stretch between
    two polls billed on both sides, `BILLED_BETWEEN_POLLS_STATE`, is)."""
    return state in _BILLED[kind] or state == BILLED_BETWEEN_POLLS_STATE


def passes_through_billed(kind: str, before: str, after: str) -> bool:
    """Whether a change from `before` to `after` passes through a billed state first: an Endpoint running after a
    state that does not bill was `initializing` before it (hf-api.md 5.3), so its `updatedAt`, which dates the last
    step, leaves the billed time before it undated."""
    return kind == "endpoint" and after == "running" and not is_billed(kind, before)


def floor_only(state: str) -> bool:
    """Whether what a recorded state cost at its rate is only the least it cost (`BILLED_BETWEEN_POLLS_STATE`)."""
    return state == BILLED_BETWEEN_POLLS_STATE


def bills_unknown(kind: str, state: str, replicas: int | None) -> bool:
    """Whether time in `state` costs an unknown amount because no source says whether it bills (an Endpoint
    `updating`/`updateFailed`) and `replicas` may be serving through it: some, or a count HF did not send (None).
    With none (0), nothing. The one rule for the cost now (`unknown_stage`) and for history (`state_rate`), where
    the stretch around a change between two polls no source dates (`BETWEEN_POLLS_STATE`) is unknown too."""
    return state == BETWEEN_POLLS_STATE or (kind == "endpoint" and state in ENDPOINT_UNDOCUMENTED and replicas != 0)


def up_unknown(kind: str, state: str, replicas: int | None) -> bool:
    """Whether a resource in a recorded `state` was up (billed) or not is unknown: a state no source says bills with
    replicas that may serve through it (`bills_unknown`), or a Space listed without its runtime (`NO_RUNTIME`).
    A stretch up after such a state is known only from its end."""
    return bills_unknown(kind, state, replicas) or (kind == "space" and state == NO_RUNTIME)


def count_unknown(kind: str, state: str, replicas: int) -> bool:
    """Whether a recorded state says nothing of what the resource ran: a Space listed without its runtime, or a state
    that bills recorded with no replica count (HF did not send one: recorded as 0, as `store.extract` does), or the
    stretch between two polls around a change (`BETWEEN_POLLS_STATE`, `BILLED_BETWEEN_POLLS_STATE`: the change itself
    is the next one). Such a record is no change for "unchanged for" measures (idle_gpu)."""
    return (kind == "space" and state == NO_RUNTIME) or (is_billed(kind, state) and replicas == 0) \
        or state in BETWEEN_POLLS_STATES


def cost_usd(usd_per_hour: Decimal, minutes: Decimal, replicas: int = 1) -> Decimal:
    """What `minutes` of `replicas` cost at an hourly price (never negative for non-negative inputs)."""
    return usd_per_hour * minutes * replicas / 60


def seconds(delta: timedelta) -> Decimal:
    """A timedelta in seconds, exactly (to the microsecond)."""
    return Decimal(delta // timedelta(microseconds=1)) / 10**6


def micro(amount: Decimal) -> Decimal:
    """An amount rounded to the micro-dollar, as billing statements are."""
    return amount.quantize(MICRO)


def unknown_stage(resource: Space | Endpoint | Job) -> str | None:
    """The stage of a resource when hfmon does not know it, or whether it bills (`ENDPOINT_UNDOCUMENTED` with a
    replica ready), and the resource otherwise looks alive, else None."""
    if isinstance(resource, Space):
        alive = resource.hardware is not None or (resource.replicas_current or 0) > 0
        return resource.stage if (alive or resource.stage == NO_RUNTIME) and resource.stage not in SPACE_KNOWN \
            else None
    if isinstance(resource, Endpoint):
        alive = (resource.ready_replicas or 0) > 0 or (resource.target_replicas or 0) > 0
        if resource.state in ENDPOINT_UNDOCUMENTED:  # billed or not is undocumented: unknown while a replica serves
            return resource.state if alive and bills_unknown("endpoint", resource.state, resource.ready_replicas) \
                else None
        return resource.state if alive and resource.state not in ENDPOINT_KNOWN else None
    alive = resource.started_at is not None and resource.finished_at is None
    return resource.stage if alive and resource.stage not in JOB_KNOWN else None


def on_zero_gpu(space: Space) -> bool:
    """Whether a Space is on ZeroGPU (`is_zero_gpu` of its current hardware, else of the one it asked for): free to
    host, its GPU time past the daily quota billed instead (hf-api.md 0.5). Decided here once, kept in
    `ResourceCost.zero_gpu` for every rule and front end that asks."""
    return is_zero_gpu(space.hardware or space.requested_hardware or "")


def space_replicas(space: Space) -> int | None:
    """Replicas a Space is billed for right now (0 when its stage does not bill, None when it is unknown).

    HF bills the replicas a Space has (`replicas.current`), not those it asked for. Without `current`, a Space
    that asked for one runs one; one that asked for more, or for "auto" (autoscaled), runs an unknown number."""
    if unknown_stage(space) is not None:
        return None
    if space.stage not in SPACE_BILLED:
        return 0
    if space.replicas_current:
        return space.replicas_current
    return 1 if space.replicas_requested == 1 else None


def endpoint_replicas(endpoint: Endpoint) -> int | None:
    """Replicas an Endpoint is billed for right now (0 when its state does not bill, None when it is unknown).

    Running: the ready replicas (at least one). Initializing: the replicas it is bringing up
    (target, at least min replica, at least one). A count HF did not send is unknown, never min replica.
    """
    if unknown_stage(endpoint) is not None:
        return None
    if endpoint.state not in ENDPOINT_BILLED:
        return 0
    ready, target = endpoint.ready_replicas, endpoint.target_replicas
    if endpoint.state != "initializing" and ready is not None and ready > 0:
        return ready
    if target is None or (endpoint.state != "initializing" and ready is None):
        return None
    return max(target, endpoint.min_replica or 0, 1)


def most_replicas(resource: Endpoint | Space, recorded: int = 0) -> int | None:
    """The most replicas a resource can bill at once, as it is configured now: an Endpoint's max replica, a Space's
    requested replicas (at least the count seen running, and `recorded`: the most history recorded it running);
    None when unknown (not sent, a Space on "auto")."""
    if isinstance(resource, Endpoint):
        configured, seen = resource.max_replica, (resource.target_replicas, resource.ready_replicas)
    else:
        configured, seen = resource.replicas_requested, (resource.replicas_current, None)
    return None if configured is None else max(configured, recorded, *(n or 0 for n in seen))


ENDPOINT_STARTING = frozenset({"pending", "updating"})
"""Endpoint states that lead to running replicas by themselves: waiting to be deployed, or a new revision deploying
(with none ready: one with a replica ready bills unknown, `bills_unknown`)."""
SPACE_STARTING = frozenset({"BUILDING"})
"""Space stages that lead to a billed one by themselves: a build ends in APP_STARTING, then RUNNING (or an error)."""


def endpoint_replicas_to_start(endpoint: Endpoint) -> int:
    """Replicas an Endpoint about to be deployed (`ENDPOINT_STARTING`) will bill once it starts: its min replica (0
    when it scales to zero or the state is another)."""
    return (endpoint.min_replica or 0) if endpoint.state in ENDPOINT_STARTING else 0


def space_replicas_to_start(space: Space) -> int | None:
    """Replicas a building Space (`SPACE_STARTING`) will bill once it starts, as `space_replicas` counts a running
    one's: one when it asked for one, else unknown (None: more, or "auto"); 0 in any other stage."""
    if space.stage not in SPACE_STARTING:
        return 0
    return 1 if space.replicas_requested == 1 else None


DEFAULT_JOB_TIMEOUT_S = 30 * 60
"""HF's default Job timeout when a Job sets none (hf-api.md: "Jobs have a default timeout of 30 minutes")."""


ATTEMPTS_UNKNOWN_WHY = "how many attempts it makes is unknown (HF sent a retry that is no whole number from 1)"
"""Why what a Job costs ahead is unknown when its `retry` (the most attempts of a run) could not be read."""


def job_timeout(timeout_s: int | None) -> timedelta:
    """How long one attempt of a Job can run before HF stops it: its timeout, HF's default when it sets none."""
    return timedelta(seconds=timeout_s if timeout_s is not None else DEFAULT_JOB_TIMEOUT_S)


def job_run_time(timeout_s: int | None, attempts: int | None) -> timedelta | None:
    """The longest one run of a Job can bill: each of its attempts for up to its timeout (`retry`, the create routes'
    `attempts`: a failed attempt is tried again). Whether HF's timeout is per attempt or for all of them is not
    documented: per attempt is the bound that holds either way. None: how many attempts is unknown."""
    return None if attempts is None else job_timeout(timeout_s) * attempts


def job_time_left(job: Job, now: datetime) -> timedelta | None:
    """How much longer a Job can bill before HF stops it: what is left of this attempt's timeout, and every attempt
    it may still make after it for its whole timeout (`job_run_time`: it is taken to be its first, as HF does not say
    which it is, the bound that holds).

    None when that is unknown: how long it has run is unknown, it runs past the timeout hfmon reads (so the
    timeout hfmon assumes is not the one HF applies), or how many attempts it makes is. A Job not started yet can
    still run a whole run; one that has ended, none."""
    if job.stage in JOB_ENDED:
        return timedelta(0)
    if job.running_s is not None:
        ran = timedelta(seconds=job.running_s)
    elif job.started_at is not None:
        ran = max(now - job.started_at, timedelta(0))
    elif job.stage == "SCHEDULING":
        ran = timedelta(0)
    else:
        return None
    run = job_run_time(job.timeout_s, job.attempts)
    if ran > job_timeout(job.timeout_s) or run is None:
        return None
    return run - ran


def job_replicas(job: Job) -> int | None:
    """1 while a job runs, None in a stage hfmon does not know while it looks alive, else 0."""
    if unknown_stage(job) is not None:
        return None
    return 1 if job.stage in JOB_BILLED else 0


@dataclass(frozen=True, slots=True)
class Interval:
    """A span of time a resource spent in one state."""

    start: datetime
    end: datetime
    state: str
    replicas: int = 1


def intervals(changes: Sequence[tuple[datetime, str, int]], until: datetime) -> list[Interval]:
    """Consecutive (at, state, replicas) changes, oldest first, as intervals; the last one lasts until `until`."""
    out: list[Interval] = []
    for i, (at, state, replicas) in enumerate(changes):
        end = changes[i + 1][0] if i + 1 < len(changes) else until
        if end > at:
            out.append(Interval(at, min(end, until), state, replicas))
    return out


def overlap(start_a: datetime, end_a: datetime, start_b: datetime, end_b: datetime) -> timedelta:
    """How long two spans overlap (zero when they do not)."""
    return max(min(end_a, end_b) - max(start_a, start_b), timedelta(0))


def billed_time(kind: str, spans: Iterable[Interval], start: datetime, end: datetime) -> timedelta:
    """Wall time within [start, end) spent in a billed state (replicas not counted)."""
    total = timedelta(0)
    for span in spans:
        if is_billed(kind, span.state):
            total += overlap(span.start, span.end, start, end)
    return total


def billed_replica_minutes(kind: str, spans: Iterable[Interval], start: datetime, end: datetime) -> Decimal:
    """Replica-minutes billed within [start, end), from state intervals."""
    total = Decimal(0)
    for span in spans:
        if is_billed(kind, span.state):
            total += seconds(overlap(span.start, span.end, start, end)) / 60 * max(span.replicas, 1)
    return total
