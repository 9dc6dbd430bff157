"""Flags: things a user paying for compute probably wants to act on. Pure.

- `no_sleep_time`: a Space on paid hardware, billed now, that never sleeps (no sleep time set).
- `cannot_scale_to_zero`: an Endpoint billed now whose min replica is above 0.
- `long_running_job`: a job running for longer than `alerts.long_job_hours` (default 24 h).
- `idle_gpu`: hfmon cannot see traffic, so "idle" means "nothing changed for `alerts.idle_gpu_hours`
  (default 6 h)": a GPU Space billed now with no recorded state change for that long (it never went to
  sleep), or a GPU Endpoint pinned at its min replicas (>= 1) with no recorded state or replica change for
  that long (traffic would have scaled it up). Without history, no idle flag is raised.
- `credits_exhausted` / `credits_run_out`: included credits used up, or projected to run out this period.
- `limit_near` / `limit_hit`: spend at `alerts.limit_near_pct`% (default 90) of the spending limit, or over it.
- `zero_gpu_overage`: ZeroGPU time used beyond the daily quota, billed from credits at the bundled rate.
- `unknown_stage`: a resource that looks alive in a stage hfmon does not know: what it costs now is unknown.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal

from hfmon.config import Alerts
from hfmon.costs.billing_rules import ENDPOINT_UNDOCUMENTED, NO_RUNTIME, unknown_stage
from hfmon.costs.index import ChangesOf
from hfmon.format import counted, money, per_hour, stamp
from hfmon.models import Endpoint, Job, Space, ZeroGpuQuota
from hfmon.report import Credits, EndpointRow, Flag, JobRow, Price, ResourceCost, Severity, SpaceRow


def _hours(delta: timedelta) -> str:
    return f"{delta.total_seconds() / 3600:.1f} h"


def _unchanged_for(changes_of: ChangesOf, kind: str, resource: str, now: datetime) -> timedelta | None:
    changes = changes_of(kind, resource)
    return now - changes[-1].at if changes else None


def _rate(cost: ResourceCost) -> str:
    """A billed resource's $/h for a flag's message: `$1.00/h`, `$/h unknown`, or `unpriced`."""
    if cost.cost_per_hour_usd is None:
        return "unpriced" if cost.price is None else "$/h unknown"
    return per_hour(cost.cost_per_hour_usd)


def space_flags(rows: Sequence[SpaceRow], gpu: Sequence[bool], changes_of: ChangesOf, alerts: Alerts,
                now: datetime) -> list[Flag]:
    """no_sleep_time and idle_gpu for Spaces; `gpu[i]` says whether row i runs on a GPU."""
    out = []
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
        unchanged = _unchanged_for(changes_of, "space", space.id, now)
        if on_gpu and billed_now and unchanged is not None and unchanged >= idle:
            out.append(Flag("idle_gpu", space.id,
                            f"GPU Space {space.id} ({space.hardware}) has run unchanged for {_hours(unchanged)}",
                            Severity.INFO if space.sleep_time_s else Severity.WARNING, (f"spaces:{space.namespace}",)))
    return out


def endpoint_flags(rows: Sequence[EndpointRow], changes_of: ChangesOf, alerts: Alerts,
                   now: datetime) -> list[Flag]:
    """cannot_scale_to_zero and idle_gpu for Endpoints."""
    out = []
    idle = timedelta(hours=float(alerts.idle_gpu_hours))
    for row in rows:
        e, cost = row.endpoint, row.cost
        key = e.id
        if not cost.billed_now:
            continue
        if (e.min_replica or 0) > 0:
            replicas = counted(e.min_replica or 0, "replicas")
            out.append(Flag("cannot_scale_to_zero", key,
                            f"Endpoint {key} keeps {replicas} running: min replica is above 0",
                            sources=(f"endpoints:{e.namespace}",)))
        unchanged = _unchanged_for(changes_of, "endpoint", key, now)
        gpu = (e.accelerator or "").lower() == "gpu" or (e.instance_type or "").startswith("nvidia")
        at_min = (e.min_replica or 0) >= 1 and e.ready_replicas is not None and e.ready_replicas <= (e.min_replica or 0)
        if gpu and at_min and e.state == "running" and unchanged is not None and unchanged >= idle:
            at = counted(e.min_replica or 0, "min replicas")
            out.append(Flag("idle_gpu", key, f"GPU Endpoint {key} has sat at its {at} with no change for "
                                             f"{_hours(unchanged)}", sources=(f"endpoints:{e.namespace}",)))
    return out


def space_flags_unchecked(rows: Sequence[SpaceRow]) -> list[str]:
    """The Spaces billed now on paid hardware whose sleep time HF did not send: whether no_sleep_time applies is
    unchecked."""
    return [f"sleep_time:{row.space.id}" for row in rows
            if row.cost.billed_now and row.space.never_sleeps is None
            and (row.cost.price is None or row.cost.price.usd_per_hour > 0)]


def endpoint_flags_unchecked(rows: Sequence[EndpointRow]) -> list[str]:
    """The Endpoints billed now whose min replica is unknown: whether cannot_scale_to_zero applies is unchecked."""
    return [f"min_replica:{row.endpoint.id}" for row in rows
            if row.cost.billed_now and row.endpoint.min_replica is None]


def job_flags(rows: Sequence[JobRow], alerts: Alerts, now: datetime) -> list[Flag]:
    """long_running_job."""
    out = []
    limit = timedelta(hours=float(alerts.long_job_hours))
    for row in rows:
        job = row.job
        if job.stage == "RUNNING" and job.started_at is not None and now - job.started_at > limit:
            out.append(Flag("long_running_job", job.id,
                            f"Job {job.id} ({job.flavor}) has been running for {_hours(now - job.started_at)}",
                            sources=(f"jobs:{job.namespace}",)))
    return out


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


def credit_flags(credits: Sequence[Credits], alerts: Alerts) -> list[Flag]:
    """credits_exhausted, credits_run_out, limit_near, limit_hit."""
    out = []
    for c in credits:
        read = (f"billing:{c.namespace}",)  # usage-v2: what is used, included and the spending limit
        if c.included_usd > 0 and c.used_usd >= c.included_usd:
            out.append(Flag("credits_exhausted", c.namespace,
                            f"{c.namespace} has used its {money(c.included_usd)} included credits; "
                            f"{money(c.overage_usd)} is billed pay-as-you-go", sources=read))
        elif c.exhausts_at is not None:
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
