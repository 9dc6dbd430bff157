"""Flags: things a user paying for compute probably wants to act on. Pure.

- `no_sleep_time`: a Space on paid hardware, billed now, that never sleeps (no sleep time set).
- `cannot_scale_to_zero`: an Endpoint billed now whose min replica is above 0.
- `long_running_job`: a job running for longer than `alerts.long_job_hours` (default 24 h).
- `idle_gpu`: hfmon cannot see traffic, so "idle" means "nothing changed for `alerts.idle_gpu_hours`
  (default 6 h)": a GPU Space billed now with no recorded state change for that long (it never went to
  sleep), or a GPU Endpoint pinned at its min replicas (>= 1) with no recorded state or replica change for
  that long (traffic would have scaled it up). Without history, no idle flag is raised. "Unchanged" counts
  watched time only: from the last change, or from the end of the last stretch no poll watched after it
  (`history.unwatched`: what it did there is unknown). When only such a stretch makes it long enough, the
  flag is unchecked (`idle_gpu:<id> (not watched ...)` in `flags_unchecked`): neither raised nor clear.
- `credits_exhausted` / `credits_run_out`: included credits used up, or projected to run out this period.
- `limit_near` / `limit_hit`: spend at `alerts.limit_near_pct`% (default 90) of the spending limit, or over it.
- `zero_gpu_overage`: ZeroGPU time used beyond the daily quota, billed from credits at the bundled rate.
- `unknown_stage`: a resource that looks alive in a stage hfmon does not know: what it costs now is unknown.
- `clock_skew`: this machine's clock and Hugging Face's more than a few minutes apart (`clock_flags`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from hfmon.api.server_clock import skewed
from hfmon.config import Alerts
from hfmon.costs.billing_rules import ENDPOINT_UNDOCUMENTED, NO_RUNTIME, count_unknown, unknown_stage
from hfmon.costs.index import ChangesOf
from hfmon.costs.resources import EARLIEST
from hfmon.format import counted, duration, money, per_hour, stamp
from hfmon.history import Window, last_gap
from hfmon.models import Endpoint, Job, Space, ZeroGpuQuota
from hfmon.report import Credits, CreditsBurn, EndpointRow, Flag, JobRow, Price, ResourceCost, Severity, SpaceRow


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"


Gaps = Callable[[str, str], Sequence[Window]]
"""The stretches no poll of a listing watched, by (namespace, kind) (`history.unwatched`, oldest first)."""


@dataclass(frozen=True, slots=True)
class Unchanged:
    """How long a resource has gone without a recorded change while watched, and the unwatched gap that cut that
    short (None: watched all along since its last change)."""

    watched: timedelta  # from the later of its last change and the end of `gap`
    at_most: timedelta  # from the earliest moment its last change can have come
    gap: Window | None


def _unchanged_for(changes_of: ChangesOf, gaps: Gaps, kind: str, resource: str, namespace: str,
                   now: datetime) -> Unchanged | None:
    # a poll that recorded no replica count (or no runtime) says nothing of what it ran: no change
    changes = [c for c in changes_of(kind, resource) if not count_unknown(kind, c.state, c.replicas)]
    if not changes:
        return None
    last = changes[-1]
    changed = last.at
    for change in reversed(changes):  # the known state now began at the first of its run around unknown polls
        if (change.state, change.hardware, change.replicas) != (last.state, last.hardware, last.replicas):
            break
        changed = change.at
    gap = last_gap(gaps(namespace, kind), changed, now)
    if gap is None:
        return Unchanged(now - changed, now - changed, None)
    return Unchanged(now - gap[1], now - min(changed, gap[0]), gap)


def _unwatched_gap(unchanged: Unchanged | None, idle: timedelta) -> Window | None:
    """The gap hfmon did not watch that alone can make the resource unchanged long enough for idle_gpu, else None."""
    if unchanged is None or unchanged.gap is None or not unchanged.watched < idle <= unchanged.at_most:
        return None
    return unchanged.gap


def idle_unchecked_entry(resource: str, gap: Window) -> str:
    """The `flags_unchecked` entry of an idle_gpu that an unwatched gap leaves unknown, with why (a gap from the
    epoch is the time before hfmon's first poll: no date of its own)."""
    if gap[0] <= EARLIEST:
        return f"{IDLE_UNCHECKED}{resource} (not watched before hfmon's first poll at {stamp(gap[1])})"
    return f"{IDLE_UNCHECKED}{resource} (not watched {stamp(gap[0])} to {stamp(gap[1])})"


IDLE_UNCHECKED = "idle_gpu:"  # the prefix of `idle_unchecked_entry`: `idle_gpu:<resource> (why)`


def _rate(cost: ResourceCost) -> str:
    """A billed resource's $/h for a flag's message: `$1.00/h`, `$/h unknown`, or `unpriced`."""
    if cost.cost_per_hour_usd is None:
        return "unpriced" if cost.price is None else "$/h unknown"
    return per_hour(cost.cost_per_hour_usd)


def space_flags(rows: Sequence[SpaceRow], gpu: Sequence[bool], changes_of: ChangesOf, gaps: Gaps, alerts: Alerts,
                now: datetime) -> tuple[list[Flag], dict[str, str]]:
    """no_sleep_time and idle_gpu for Spaces (`gpu[i]` says whether row i runs on a GPU), and the idle_gpu entries an
    unwatched gap leaves unchecked, by resource (`idle_unchecked_entry`)."""
    out: list[Flag] = []
    unchecked: dict[str, str] = {}
    idle = timedelta(hours=float(alerts.idle_gpu_hours))
    for row, on_gpu in zip(rows, gpu, strict=True):
        space, cost = row.space, row.cost
        billed_now = cost.billed_now
        paid = cost.price is None or cost.price.usd_per_hour > 0
        no_runtime = space.stage == NO_RUNTIME  # its sleep time is unknown, not unset (see unknown_stage)
        if billed_now and paid and not no_runtime and space.never_sleeps:
            out.append(Flag("no_sleep_time", space.id,
                            f"Space {space.id} runs on {space.hardware or space.requested_hardware} "
                            f"({_rate(cost)}) "
                            "and never sleeps: set a sleep time", sources=(f"spaces:{space.namespace}",)))
        if on_gpu and billed_now is None:  # granted or running may be: idle or not, whether that costs is unknown
            unchecked[space.id] = f"{IDLE_UNCHECKED}{space.id} ({cost.billed_now_why})"
        if not (on_gpu and billed_now):
            continue
        unchanged = _unchanged_for(changes_of, gaps, "space", space.id, space.namespace, now)
        if unchanged is not None and unchanged.watched >= idle:
            out.append(Flag("idle_gpu", space.id, f"GPU Space {space.id} ({space.hardware}) has run unchanged for "
                                                  f"{_hours(unchanged.watched)}",
                            Severity.INFO if space.sleep_time_s else Severity.WARNING, (f"spaces:{space.namespace}",)))
        elif (gap := _unwatched_gap(unchanged, idle)) is not None:
            unchecked[space.id] = idle_unchecked_entry(space.id, gap)
    return out, unchecked


def endpoint_flags(rows: Sequence[EndpointRow], changes_of: ChangesOf, gaps: Gaps, alerts: Alerts,
                   now: datetime) -> tuple[list[Flag], dict[str, str]]:
    """cannot_scale_to_zero and idle_gpu for Endpoints, and the idle_gpu entries an unwatched gap leaves unchecked
    by resource (`idle_unchecked_entry`)."""
    out: list[Flag] = []
    unchecked: dict[str, str] = {}
    idle = timedelta(hours=float(alerts.idle_gpu_hours))
    for row in rows:
        e, cost = row.endpoint, row.cost
        key = e.id
        if cost.billed_now is False:  # one in a stage hfmon does not know may run: its min replica still holds
            continue
        if (e.min_replica or 0) > 0:
            replicas = counted(e.min_replica or 0, "replicas")
            out.append(Flag("cannot_scale_to_zero", key,
                            f"Endpoint {key} keeps {replicas} running: min replica is above 0",
                            sources=(f"endpoints:{e.namespace}",)))
        gpu = (e.accelerator or "").lower() == "gpu" or (e.instance_type or "").startswith("nvidia")
        pinned = (e.min_replica or 0) >= 1 and e.state == "running"
        if gpu and pinned and e.ready_replicas is None:  # at its min replicas or above it now: unknown
            unchecked[key] = f"{IDLE_UNCHECKED}{key} (its ready replicas were not sent this poll)"
            continue
        at_min = pinned and e.ready_replicas is not None and e.ready_replicas <= (e.min_replica or 0)
        if not (gpu and at_min):
            continue
        unchanged = _unchanged_for(changes_of, gaps, "endpoint", key, e.namespace, now)
        if unchanged is not None and unchanged.watched >= idle:
            at = counted(e.min_replica or 0, "min replicas")
            out.append(Flag("idle_gpu", key, f"GPU Endpoint {key} has sat at its {at} with no change for "
                                             f"{_hours(unchanged.watched)}", sources=(f"endpoints:{e.namespace}",)))
        elif (gap := _unwatched_gap(unchanged, idle)) is not None:
            unchecked[key] = idle_unchecked_entry(key, gap)
    return out, unchecked


def space_flags_unchecked(rows: Sequence[SpaceRow]) -> list[str]:
    """The Spaces billed now on paid hardware whose sleep time HF did not send, and those on paid hardware that may
    never sleep whose grant or stage is unknown (`ResourceCost.billed_now` None): whether no_sleep_time applies is
    unchecked."""
    out = []
    for row in rows:
        cost, space = row.cost, row.space
        if cost.billed_now is False or (cost.price is not None and cost.price.usd_per_hour <= 0):
            continue
        if cost.billed_now is None and space.never_sleeps is not False and space.stage != NO_RUNTIME:
            out.append(f"{NO_SLEEP_UNCHECKED}{space.id} ({cost.billed_now_why})")
        elif cost.billed_now and space.never_sleeps is None:
            out.append(f"sleep_time:{space.id}")
    return out


NO_SLEEP_UNCHECKED = "no_sleep_time:"  # `no_sleep_time:<space> (why)`: it never sleeps, and may cost nothing now


def endpoint_flags_unchecked(rows: Sequence[EndpointRow]) -> list[str]:
    """The Endpoints billed now whose min replica is unknown: whether cannot_scale_to_zero applies is unchecked."""
    return [f"min_replica:{row.endpoint.id}" for row in rows
            if row.cost.billed_now is not False and row.endpoint.min_replica is None]


def job_running_for(job: Job, now: datetime) -> timedelta | None:
    """How long a RUNNING Job has run: HF's own count (`durations.runningSecs`), which no clock of this machine can
    skew, else since its start (the spec makes both optional); None when neither was sent."""
    if job.running_s is not None:
        return timedelta(seconds=job.running_s)
    return None if job.started_at is None else now - job.started_at


def job_flags(rows: Sequence[JobRow], alerts: Alerts, now: datetime) -> tuple[list[Flag], dict[str, str]]:
    """long_running_job, and the Jobs running whose running time is unknown (no start, no count), by id: the
    flag is unchecked for them (`long_running_job:<id> (why)` in `flags_unchecked`)."""
    out: list[Flag] = []
    unchecked: dict[str, str] = {}
    limit = timedelta(hours=float(alerts.long_job_hours))
    for row in rows:
        job = row.job
        if job.stage != "RUNNING":
            continue
        running = job_running_for(job, now)
        if running is None:
            unchecked[job.id] = f"long_running_job:{job.id} (HF sent neither its start nor its running time)"
        elif running > limit:
            out.append(Flag("long_running_job", job.id,
                            f"Job {job.id} ({job.flavor}) has been running for {_hours(running)}",
                            sources=(f"jobs:{job.namespace}",)))
    return out, unchecked


def unknown_stage_flags(resources: Sequence[Space | Endpoint | Job]) -> list[Flag]:
    """unknown_stage: the cost of a live resource in a stage hfmon does not know is unknown, not $0."""
    out = []
    for resource in resources:
        stage = unknown_stage(resource)
        if stage is not None:
            kind = {Space: "Space", Endpoint: "Endpoint", Job: "Job"}[type(resource)]
            listing = (f"{kind.lower()}s:{resource.namespace}",)
            if isinstance(resource, Space) and stage == NO_RUNTIME:
                out.append(Flag("unknown_stage", resource.id,
                                f"Space {resource.id} was listed without its runtime: whether it runs, and what "
                                "it costs now, is unknown", sources=listing))
                continue
            if isinstance(resource, Endpoint) and stage in ENDPOINT_UNDOCUMENTED:
                ready = "an unknown number of" if resource.ready_replicas is None else resource.ready_replicas
                out.append(Flag("unknown_stage", resource.id,
                                f"Endpoint {resource.id} is {stage} with {ready} replicas ready, serving: HF does not "
                                "document whether that bills: cost unknown", sources=listing))
                continue
            out.append(Flag("unknown_stage", resource.id,
                            f"{kind} {resource.id} is in stage {stage!r}, which hfmon does not know: "
                            "unknown stage: cost unknown", sources=listing))
    return out


def credit_flags(burns: Sequence[CreditsBurn], alerts: Alerts) -> list[Flag]:
    """credits_exhausted and credits_run_out where the included credits are known (`Credits`); limit_near and
    limit_hit for every namespace whose usage-v2 was read: the spending limit against used needs no included figure
    (an org whose usage-v2 says $0 included, unknown, is still refused past its limit)."""
    out = []
    for c in burns:
        read = (f"billing:{c.namespace}",)  # usage-v2: what is used, included and the spending limit
        if isinstance(c, Credits) and c.included_usd > 0 and c.used_usd >= c.included_usd:
            out.append(Flag("credits_exhausted", c.namespace,
                            f"{c.namespace} has used its {money(c.included_usd)} included credits; "
                            f"{money(c.overage_usd)} is billed pay-as-you-go", sources=read))
        elif isinstance(c, Credits) and c.exhausts_at is not None:
            out.append(Flag("credits_run_out", c.namespace,
                            f"{c.namespace}'s included credits run out around {stamp(c.exhausts_at)} at this rate",
                            Severity.INFO, read))
        if c.limit_usd:
            if c.used_usd >= c.limit_usd:
                out.append(Flag("limit_hit", c.namespace,
                                f"{c.namespace} has reached its {money(c.limit_usd)} spending limit",
                                Severity.CRITICAL, read))
            elif c.used_usd * 100 >= c.limit_usd * alerts.limit_near_pct:
                pct = (c.used_usd * 100 / c.limit_usd).quantize(Decimal(1))
                out.append(Flag("limit_near", c.namespace,
                                f"{c.namespace} has used {pct}% of its {money(c.limit_usd)} spending limit",
                                sources=read))
    return out


def zero_gpu_flags(quota: ZeroGpuQuota | None, overage: Price) -> list[Flag]:
    """zero_gpu_overage: GPU seconds past the daily quota, and what they cost at `overage` per hour."""
    if quota is None or quota.overquota_used_s is None or quota.overquota_used_s <= 0:
        return []
    cost = overage.usd_per_hour * quota.overquota_used_s / 3600
    return [Flag("zero_gpu_overage", "zero_gpu",
                 f"ZeroGPU used {quota.overquota_used_s / 60:.1f} min beyond the daily quota: about {money(cost)} "
                 f"at {money(overage.usd_per_hour / 6)} per 10 min ({overage.source.value} price)", Severity.INFO,
                 ("zero_gpu",))]


def clock_flags(hf_ahead_s: float | None) -> list[Flag]:
    """`clock_skew`: hfmon's clock and HF's (the `Date` of its answers) more than `server_clock.SKEW_S` apart. HF
    counts usage by its own clock: behind it, hfmon asks usage up to HF's time (`usage_period.usage_asked_at`);
    ahead of it, a billing period may read as begun before HF begins it. Every time shown is this machine's."""
    if hf_ahead_s is None or not skewed(hf_ahead_s):
        return []
    side = "behind" if hf_ahead_s > 0 else "ahead of"
    then = ("usage is asked up to Hugging Face's time" if hf_ahead_s > 0
            else "a new billing period may read as begun before Hugging Face begins it")
    return [Flag("clock_skew", "clock", f"this machine's clock is {duration(abs(hf_ahead_s))} {side} Hugging Face's "
                 f"(the Date of its answers): {then}; times shown are this machine's; set the clock right (NTP)")]
