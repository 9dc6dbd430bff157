"""Billing routes (user and org variants) and the ZeroGPU quota; 403 without billing read permission."""

from __future__ import annotations

import hashlib
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from typing import Any

from hfmon.fakehub import billing, groups
from hfmon.fakehub.hub import Ctx
from hfmon.fakehub.scenario import Scenario, anchored_bounds, period_bounds
from hfmon.fakehub.wire import HTTPError, Resp, dumps, iso_ms, json_resp, not_found

NO_BILLING = "This token does not have the permission to read billing usage (fine-grained tokens need " \
             "\"Billing > Read billing usage\")"
ZERO_GPU_BASE = {"free": 300, "pro": 2400}
ZERO_GPU_FREE_RUNS = 8  # runs per rolling 24 h on a free account (hf-api.md 3.9)


def period_id(scn: Scenario, namespace: str, start: datetime) -> str:
    """The 24-hex id of a namespace's billing period."""
    return hashlib.sha256(f"{scn.seed}:period/{namespace}/{start:%Y-%m}".encode()).hexdigest()[:24]


def _entity_id(scn: Scenario, ns: str) -> str:
    org = scn.org(ns)
    return org.id if org else scn.user.id


def _check(ctx: Ctx, ns: str) -> None:
    ctx.need_auth()
    org = ctx.scn.org(ns)
    if ns != ctx.scn.user.name and org is None:
        raise not_found("Organization not found")
    if ctx.who == "nobilling" or (org is not None and not org.billing_readable):
        raise HTTPError(403, NO_BILLING if ctx.who == "nobilling" else
                        f"You need to be an admin of {ns} with billing access to read its usage")


def _unix(ctx: Ctx, name: str) -> datetime:
    """A required Unix-seconds query parameter (usage-v2's `startDate` and `endDate`: HF's spec requires both)."""
    raw = ctx.req.arg(name)
    if raw is None:
        raise HTTPError(400, f"{name} is required (a Unix timestamp in seconds)")
    if not raw.isdigit() or int(raw) > 10**11:
        raise HTTPError(400, f"{name} must be a Unix timestamp in seconds")
    return datetime.fromtimestamp(int(raw), UTC)


def _iso(ctx: Ctx, name: str, default: datetime) -> datetime:
    raw = ctx.req.arg(name)
    if raw is None:
        return default
    try:
        moment = datetime.fromisoformat(raw)
    except ValueError as exc:
        raise HTTPError(400, f"{name} must be an ISO 8601 date") from exc
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def lines(ctx: Ctx, kind: str, ns: str, lo: datetime, hi: datetime) -> list[billing.Line]:
    """Usage lines (kind "all" or "jobs"), memoised per scenario minute: they only change on whole minutes."""
    minute = ctx.now.replace(second=0, microsecond=0)
    fn = billing.all_lines if kind == "all" else billing.job_lines
    return ctx.hub.cached(("lines", kind, ns, lo, hi, minute), lambda: fn(ctx.scn, ns, lo, hi, ctx.now))


def inference_json(ctx: Ctx, ns: str, lo: datetime, hi: datetime) -> dict[str, Any]:
    """The inferenceProviders block: spend with placeholders, credits, limit, request count."""
    scn = ctx.scn
    tot = ctx.hub.traffic.totals(ns, lo, hi, ctx.now)
    p_lo, p_hi = usage_period(ctx)
    limit = scn.user.spending_limit_nano_usd if ns == scn.user.name else 0
    return {"usedNanoUsd": tot.used_nano_usd, "includedNanoUsd": scn.included_nano_usd(ns), "limitNanoUsd": limit,
            "numRequests": tot.num_requests, "periodStart": iso_ms(p_lo), "periodEnd": iso_ms(p_hi)}


def usage_v2(ctx: Ctx, ns: str) -> Resp:
    """GET usage-v2?startDate=&endDate= (Unix seconds, both required: 400 in HF's error shape without either)."""
    return ctx.json_memo(("usage-v2", ns, ctx.req.arg("startDate"), ctx.req.arg("endDate")),
                         lambda: _usage_v2(ctx, ns))


def usage_period(ctx: Ctx) -> tuple[datetime, datetime]:
    """The Inference Providers period usage-v2 and usage/live name at the scenario time (`usage_period_day`)."""
    return anchored_bounds(ctx.now, ctx.scn.usage_period_day)


def _usage_v2(ctx: Ctx, ns: str) -> dict[str, Any]:
    lo, hi = _unix(ctx, "startDate"), _unix(ctx, "endDate")
    jobs = lines(ctx, "jobs", ns, lo, hi)
    minutes = sum(line.quantity for line in jobs)
    inference = inference_json(ctx, ns, lo, hi)
    org = ctx.scn.org(ns)
    if org is not None and not org.usage_v2_period:  # real payloads may omit both (hf-api.md 0.5)
        del inference["periodStart"], inference["periodEnd"]
    return {"usage": {"inferenceProviders": inference,
                      "jobs": {"usedMicroUsd": sum(x.total_micro_usd for x in jobs), "totalMinutes": float(minutes)}}}


def statement_group(line: billing.Line) -> str:
    """The statement key a line sits under: the spec allows only `Endpoints` and `Spaces` (Jobs and storage too)."""
    return "Endpoints" if line.group == "endpoints" else "Spaces"


def line_json(line: billing.Line) -> dict[str, Any]:
    """One itemised usage line."""
    return {"entityId": line.entity_id, "active": line.active, "product": line.product,
            "productPrettyName": line.pretty_name, "quantity": line.quantity, "unitCostMicroUSD": line.unit_micro_usd,
            "totalCostMicroUSD": line.total_micro_usd, "unitLabel": line.unit_label, "label": line.label,
            "freeGrant": line.free_grant, "startedAt": iso_ms(line.started_at),
            "stoppedAt": iso_ms(line.stopped_at) if line.stopped_at else None}


def statement(ctx: Ctx, ns: str) -> Resp:
    """GET usage?periodId=: the period and its itemised lines grouped by product family."""
    return ctx.json_memo(("usage", ns, ctx.req.arg("periodId")), lambda: _statement(ctx, ns))


def _statement(ctx: Ctx, ns: str) -> dict[str, Any]:
    scn = ctx.scn
    cur = period_bounds(ctx.now)[0]
    periods = [cur]
    for _ in range(2):
        periods.append(period_bounds(periods[-1] - timedelta(days=1))[0])
    wanted = ctx.req.arg("periodId")
    start = next((p for p in periods if period_id(scn, ns, p) == wanted), None) if wanted else cur
    if start is None:
        raise HTTPError(404, "Billing period not found")
    end = period_bounds(start)[1]
    rows = lines(ctx, "all", ns, start, end)
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for line in rows:
        groups[statement_group(line)].append(line_json(line))
    total = sum(x.total_micro_usd for x in rows)
    invoice: dict[str, Any] = {"id": "no-invoice", "type": "no-invoice"}
    if start != cur:
        cents = (total + 5_000) // 10_000
        invoice = {"id": f"in_{period_id(scn, ns, start)[:14]}", "type": "stripe", "status": "paid",
                   "amountDueCents": 0, "totalCents": cents, "dueDate": iso_ms(end + timedelta(days=1)),
                   "collectionMethod": "charge_automatically"}
    org = scn.org(ns)
    return {"period": {"_id": period_id(scn, ns, start), "entityId": _entity_id(scn, ns), "entityName": ns,
                       "entityType": "org" if org else "user", "periodStart": iso_ms(start), "periodEnd": iso_ms(end),
                       "charges": [], "invoice": invoice},
            "usage": dict(groups)}


def jobs_usage(ctx: Ctx, ns: str) -> Resp:
    """GET usage/jobs: the current period's Jobs spend with one detail row per job."""
    return ctx.json_memo(("usage/jobs", ns), lambda: _jobs_usage(ctx, ns))


def _jobs_usage(ctx: Ctx, ns: str) -> dict[str, Any]:
    lo, hi = anchored_bounds(ctx.now, ctx.scn.jobs_period_day)
    jobs = lines(ctx, "jobs", ns, lo, hi)
    by_job: dict[str, list[billing.Line]] = defaultdict(list)  # one pass: a scan per job was quadratic at scale
    for line in jobs:
        by_job[line.entity_id].append(line)
    details = []
    for job in ctx.scn.jobs:
        mine = by_job.get(job.id)
        if not mine:
            continue
        final = next((x for x in job.timeline if x.end is None), None)
        done = final is not None and final.start <= ctx.now
        row: dict[str, Any] = {"jobId": job.id, "hardwareFlavor": job.flavor, "startedAt": iso_ms(mine[0].started_at),
                               "totalMinutes": float(sum(x.quantity for x in mine)),
                               "totalCostMicroUsd": sum(x.total_micro_usd for x in mine)}
        if done and final is not None:
            row["completedAt"] = iso_ms(final.start)
        details.append(row)
    return {"hasAccess": True, "usage": {
        "periodStart": iso_ms(lo), "periodEnd": iso_ms(hi), "totalMinutes": float(sum(x.quantity for x in jobs)),
        "usedMicroUsd": sum(x.total_micro_usd for x in jobs), "jobDetails": details}}


def jobs_denied(ctx: Ctx) -> Resp:
    """GET usage/jobs for a caller who may not read it, in the spec's own shape (its required `hasAccess` flag false,
    zero usage) rather than a 403: served under schema drift, so hfmon meets both."""
    lo, hi = anchored_bounds(ctx.now, ctx.scn.jobs_period_day)
    return json_resp({"hasAccess": False, "usage": {"periodStart": iso_ms(lo), "periodEnd": iso_ms(hi),
                                                    "totalMinutes": 0, "usedMicroUsd": 0, "jobDetails": []}})


def live(ctx: Ctx, ns: str) -> Resp:
    """GET usage/live (Server-Sent Events only): a keep-alive, a partial `usage` event, another keep-alive, then
    the complete `usage` event."""
    if "text/event-stream" not in ctx.req.headers.get("accept", ""):
        raise HTTPError(400, "This endpoint streams Server-Sent Events: send Accept: text/event-stream")
    body = ctx.hub.cached_page(("usage/live", ns, ctx.who, ctx.now), lambda: _live_events(ctx, ns))
    return Resp(200, body, [("Content-Type", "text/event-stream"), ("Cache-Control", "no-cache")], sse_hold_s=1.0)


def _live_events(ctx: Ctx, ns: str) -> bytes:
    """The events usage/live sends at the scenario time, as bytes."""
    scn = ctx.scn
    lo, hi = usage_period(ctx)
    inf = inference_json(ctx, ns, lo, hi)
    tot = ctx.hub.traffic.totals(ns, lo, hi, ctx.now)
    inf["providerDetails"] = [{"provider": p, "numRequests": n, "totalCostNanoUsd": c, "totalDurationMs": ms}
                              for p, (n, c, ms) in tot.providers.items()]
    jobs = lines(ctx, "jobs", ns, lo, hi)
    summary: dict[str, dict[str, int]] = {}
    rows = [(r.kind, r.private, r.used_storage) for r in scn.repos if r.namespace == ns]
    rows += [("space", s.private or s.protected, s.used_storage) for s in scn.spaces
             if s.namespace == ns and s.created_at <= ctx.now]
    for kind, priv, size in rows:
        s = summary.setdefault(kind, {"used": 0, "usedPrivate": 0, "usedPublic": 0, "count": 0})
        s["used"] += size
        s["usedPrivate" if priv else "usedPublic"] += size
        s["count"] += 1
    private, public = billing.storage_bytes(scn, ns)
    payload = {"inference": inf,
               "jobs": {"usedMicroUsd": sum(x.total_micro_usd for x in jobs), "periodStart": iso_ms(lo),
                        "periodEnd": iso_ms(hi)},
               "storage": {"used": private + public, "usedPrivate": private, "usedPublic": public,
                           "privateStorageLimit": billing.private_allowance(scn, ns), "publicStorageLimit": 0,
                           "summary": summary},
               "rateLimits": {}, "zeroGpu": {}, "lastUpdatedAt": iso_ms(ctx.now)}
    # As third parties see it (hf-api.md 0.5): `count` keep-alives, and a partial first event without `inference`.
    partial = {"rateLimits": {}, "zeroGpu": {}, "lastUpdatedAt": iso_ms(ctx.now)}
    return (b"event: count\ndata: " + dumps({"count": 0}) + b"\n\n"
            + b"event: usage\ndata: " + dumps(partial) + b"\n\n"
            + b"event: count\ndata: " + dumps({"count": 1}) + b"\n\n"
            + b"event: usage\ndata: " + dumps(payload) + b"\n\n")


def sessions(ctx: Ctx, ns: str) -> Resp:
    """GET usage-by-inference-session?startDate=&endDate= (ISO): settled cost per session, in cents."""
    return ctx.json_memo(("sessions", ns, ctx.req.arg("startDate"), ctx.req.arg("endDate")),
                         lambda: _sessions(ctx, ns))


def _sessions(ctx: Ctx, ns: str) -> dict[str, Any]:
    p_lo, p_hi = period_bounds(ctx.now)
    lo, hi = _iso(ctx, "startDate", p_lo), _iso(ctx, "endDate", p_hi)
    by_period = ctx.hub.traffic.sessions(ns, lo, hi, ctx.now)
    return {"currency": "USD", "periods": [
        {"period": iso_ms(p), "sessions": [{"id": sid, "requestCount": n, "costCents": nano / 10_000_000}
                                           for sid, (n, nano) in sorted(rows.items())]}
        for p, rows in sorted(by_period.items())]}


def zero_gpu(ctx: Ctx) -> Resp:
    """GET /api/spaces/zero-gpu/quota: a daily window from 09:12 UTC, used at a steady rate."""
    _check(ctx, ctx.scn.user.name)
    now = ctx.now
    start = now.replace(hour=9, minute=12, second=0, microsecond=0)
    if start > now:
        start -= timedelta(days=1)
    base = ZERO_GPU_BASE.get(ctx.scn.user.plan, 2400)
    elapsed = int((now - start).total_seconds())
    used = min(base, elapsed * ctx.scn.zero_gpu_used_per_hour_s // 3600)
    # the user's Spaces' overages of this window (the same minutes their statement's ZeroGPU lines bill)
    over_s = 60 * sum(billing.overage_minutes(sp, start, start + timedelta(days=1), now)
                      for sp in ctx.scn.spaces if sp.namespace == ctx.scn.user.name)
    body: dict[str, Any] = {"base": base, "current": 0 if over_s else base - used,  # paid seconds: quota spent
                            "resetsAt": iso_ms(start + timedelta(days=1)), "overquotaUsed": over_s}
    if ctx.scn.user.plan == "free":  # free accounts: fractional seconds, and a runs counter that binds first
        tenths = min(base * 10, elapsed * ctx.scn.zero_gpu_used_per_hour_s // 360)
        runs_used = min(ZERO_GPU_FREE_RUNS, 1 + elapsed // (170 * 60))
        body["current"] = (base * 10 - tenths) / 10
        body["runs"] = {"used": runs_used, "limit": ZERO_GPU_FREE_RUNS, "remaining": ZERO_GPU_FREE_RUNS - runs_used,
                        "resetsAt": iso_ms(start + timedelta(days=1))}
    return json_resp(body)


def group_usage(ctx: Ctx, ns: str) -> Resp:
    """GET organizations/{ns}/billing/usage-by-resource-group?startDate=&endDate= (ISO, default the current month,
    within the last 12 months): one entry per month with each group's usage and the remainder (id null)."""
    if ctx.scn.org(ns) is None:
        raise not_found("Cannot GET usage-by-resource-group of a user")
    lo = _iso(ctx, "startDate", period_bounds(ctx.now)[0])
    hi = min(_iso(ctx, "endDate", ctx.now), ctx.now)
    if lo < ctx.now - timedelta(days=366) or hi < lo:
        raise HTTPError(400, "startDate and endDate must fall within the last 12 months, startDate first")
    # keyed by the window it reports (an end past the scenario time is the scenario time), not by how it was asked
    return ctx.json_memo((lo, hi), lambda: _group_usage(ctx, ns, lo, hi))


def _group_usage(ctx: Ctx, ns: str, lo: datetime, hi: datetime) -> dict[str, Any]:
    scn = ctx.scn
    by_id = {g.id: g for g in scn.resource_groups if g.org == ns}
    periods = []
    month = period_bounds(lo)[0]
    while month <= hi:
        m_lo, m_hi = period_bounds(month)
        a, b = max(lo, m_lo), min(hi, m_hi)
        tot = ctx.hub.traffic.totals(ns, a, b, ctx.now)
        rows = groups.usage(scn, ns, lines(ctx, "all", ns, a, b), ctx.now, (tot.used_nano_usd, tot.num_requests))
        periods.append({"period": iso_ms(m_lo), "resourceGroups": [
            groups.usage_json(by_id.get(gid) if gid else None, row) for gid, row in rows.items()]})
        month = m_hi
    return {"currency": "usd", "periods": periods}


ROUTES = {"usage-v2": usage_v2, "usage": statement, "usage/jobs": jobs_usage, "usage/live": live,
          "usage-by-inference-session": sessions, "usage-by-resource-group": group_usage}


def route(ctx: Ctx) -> Resp | None:
    """Dispatch a billing GET."""
    if ctx.req.method != "GET":
        return None
    if ctx.req.path == "/api/spaces/zero-gpu/quota":
        return zero_gpu(ctx)
    parts = ctx.req.path.strip("/").split("/")
    if parts[:3] == ["api", "settings", "billing"]:
        ns, rest = ctx.scn.user.name, "/".join(parts[3:])
    elif len(parts) > 3 and parts[0] == "api" and parts[1] in ("organizations", "users") and parts[3] == "billing":
        ns, rest = parts[2], "/".join(parts[4:])
        if parts[1] == "users" and (ns != ctx.scn.user.name or rest != "usage/live"):
            return None
    else:
        return None
    handler = ROUTES.get(rest)
    if handler is None or (rest == "usage/jobs" and ns != ctx.scn.user.name):
        return None  # HF has no `organizations/{org}/billing/usage/jobs` (hf-api.md 0.5): 404 like the real one
    if rest == "usage/jobs" and ctx.hub.faults.schema_drift and ctx.need_auth() == "nobilling":
        return jobs_denied(ctx)
    _check(ctx, ns)
    return handler(ctx, ns)
