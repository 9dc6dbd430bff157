"""Inference Endpoints API routes (/v2/...): endpoints, pause/resume/scale-to-zero, hardware and prices."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import replace
from datetime import timedelta
from typing import Any

from hfmon.fakehub import timeline as tl
from hfmon.fakehub.hub import Ctx
from hfmon.fakehub.scenario import EndpointDef
from hfmon.fakehub.timeline import Interval
from hfmon.fakehub.wire import HTTPError, Resp, iso_ms, json_resp

MESSAGES = {"pending": "Endpoint is pending", "initializing": "Endpoint is initializing",
            "updating": "Endpoint is updating", "updateFailed": "Endpoint update failed: image pull backoff",
            "running": "Endpoint is ready", "paused": "Endpoint is paused", "failed": "Endpoint failed to start: "
            "CUDA out of memory", "scaledToZero": "Endpoint is scaled to zero due to inactivity"}
ACTIONS = frozenset({"pause", "resume", "scale-to-zero"})
SERVING = frozenset({"running", "updating", "updateFailed"})  # the last good revision's replicas serve in an update
WITH_URL = frozenset({"running", "scaledToZero", "updating", "updateFailed", "paused"})


def endpoint_json(ctx: Ctx, ep: EndpointDef) -> dict[str, Any]:
    """An endpoint at the scenario time, shaped like GET /v2/endpoint/{ns}/{name}."""
    iv = tl.at(ep.timeline, ctx.now)
    state = iv.state if iv else "pending"
    replicas = iv.replicas if iv else 0
    ready = replicas if state in SERVING else 0
    if iv is not None and iv.other is not None:  # e.g. initializing a new replica while others serve
        ready = iv.other
    c = ep.compute
    creator = {"id": ctx.scn.user.id, "name": ctx.scn.user.name}
    url = f"https://{ep.entity_id[:16]}.{c.region}.{c.vendor}.endpoints.huggingface.cloud"
    return {
        "name": ep.name, "type": ep.type, "accountId": None,
        "provider": {"vendor": c.vendor, "region": c.region}, "healthRoute": "/health",
        "compute": {"accelerator": c.accelerator, "instanceType": c.instance_type, "instanceSize": c.instance_size,
                    "id": c.id, "scaling": {"minReplica": ep.min_replica, "maxReplica": ep.max_replica,
                                            "scaleToZeroTimeout": ep.scale_to_zero_timeout,
                                            "measure": {"hardwareUsage": 80}}},
        "model": {"repository": ep.repository, "revision": ep.revision, "task": ep.task, "framework": ep.framework,
                  "image": {"huggingface": {}}, "env": {}},
        "status": {"createdAt": iso_ms(ep.created_at), "createdBy": creator,
                   "updatedAt": iso_ms(iv.start if iv else ep.created_at), "updatedBy": creator, "private": None,
                   "state": state, "message": MESSAGES.get(state, state),
                   "url": url if state in WITH_URL else None,
                   "readyReplica": ready, "targetReplica": replicas},
    }


def _namespace(ctx: Ctx, ns: str) -> None:
    if ctx.need_auth() == "noendpoints":  # a fine-grained token without the Inference Endpoints permissions
        raise HTTPError(401, "Invalid credentials in Authorization header")
    if ns != ctx.scn.user.name and ctx.scn.org(ns) is None:
        raise HTTPError(401, f"You are not a member of {ns}")


def provider(ctx: Ctx, ns: str) -> dict[str, Any]:
    """GET /v2/provider/{ns}: vendors > regions > computes with pricePerHour and the accelerator quota."""
    used: dict[str, int] = defaultdict(int)
    for ep in ctx.scn.endpoints:
        iv = tl.at(ep.timeline, ctx.now)
        if ep.namespace == ns and iv is not None and iv.replicas and iv.state in ("running", "initializing"):
            used[ep.compute.id] += iv.replicas * ep.compute.num_accelerators
    vendors: dict[str, dict[str, list[dict[str, Any]]]] = {}
    labels: dict[tuple[str, str], str] = {}
    for c in ctx.scn.endpoint_computes:
        labels[(c.vendor, c.region)] = c.region_label
        vendors.setdefault(c.vendor, {}).setdefault(c.region, []).append({
            "id": c.id, "accelerator": c.accelerator, "numAccelerators": c.num_accelerators, "numCpus": c.num_cpus,
            "memoryGb": c.memory_gb, "gpuMemoryGb": c.gpu_memory_gb, "instanceType": c.instance_type,
            "instanceSize": c.instance_size, "architecture": c.architecture, "status": c.status,
            "pricePerHour": float(c.price_per_hour),
            "quota": {"maxAccelerators": c.max_accelerators, "usedAccelerators": used[c.id]}})
    return {"vendors": [{"name": v, "status": "available", "regions": [
        {"name": r, "label": labels[(v, r)], "status": "available", "computes": computes}
        for r, computes in regions.items()]} for v, regions in vendors.items()]}


def mutate(ctx: Ctx, ep: EndpointDef, action: str) -> Resp:
    """POST pause / resume / scale-to-zero: rewrite the endpoint's timeline from the current whole minute."""
    cut = ctx.now.replace(second=0, microsecond=0)
    iv = tl.at(ep.timeline, ctx.now)
    state = iv.state if iv else "pending"
    hw = ep.compute.id
    replicas = max(1, ep.min_replica)
    if action == "resume":
        if state in ("running", "initializing"):
            raise HTTPError(400, f"Endpoint {ep.name} is already running")
        tail: tuple[Interval, ...] = (Interval(cut, cut + timedelta(minutes=2), "initializing", replicas, hw),
                Interval(cut + timedelta(minutes=2), None, "running", replicas, hw))
    elif action == "pause":
        tail = (Interval(cut, None, "paused", 0, hw),)
    else:
        tail = (Interval(cut, None, "scaledToZero", 0, hw),)
    kept = tuple(x if x.end is None or x.end <= cut else replace(x, end=cut)
                 for x in ep.timeline if x.start < cut)
    new = replace(ep, timeline=kept + tail)
    ctx.hub.replace_endpoint(ep, new)
    return json_resp(endpoint_json(ctx, new))


def route(ctx: Ctx) -> Resp | None:
    """Dispatch an Endpoints API request."""
    parts = ctx.req.path.strip("/").split("/")[1:]
    if len(parts) == 4 and parts[0] == "endpoint" and ctx.req.method == "POST" and parts[3] in ACTIONS:
        _namespace(ctx, parts[1])
        ep = next((e for e in ctx.scn.endpoints if e.namespace == parts[1] and e.name == parts[2]
                   and e.created_at <= ctx.now), None)
        if ep is None:
            raise HTTPError(404, f"Endpoint {parts[2]} not found")
        return mutate(ctx, ep, parts[3])
    if ctx.req.method != "GET" or len(parts) < 2:
        return None
    ns = parts[1]
    if parts[0] == "provider" and len(parts) == 2:
        _namespace(ctx, ns)
        return ctx.json_memo(("provider", ns), lambda: provider(ctx, ns))
    if parts[0] != "endpoint":
        return None
    _namespace(ctx, ns)
    mine = [e for e in ctx.scn.endpoints if e.namespace == ns and e.created_at <= ctx.now]
    if len(parts) == 2:
        return ctx.json_memo(("endpoints", ns), lambda: {"items": [endpoint_json(ctx, e)
                                                                   for e in sorted(mine, key=lambda e: e.name)]})
    if len(parts) == 3:
        ep = next((e for e in mine if e.name == parts[2]), None)
        if ep is None:
            raise HTTPError(404, f"Endpoint {parts[2]} not found")
        return json_resp(endpoint_json(ctx, ep))
    return None
