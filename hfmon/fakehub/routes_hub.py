"""Hub API routes (/api/...): identity, orgs, listings, Spaces runtime, hardware catalogs, Jobs, storage."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from hfmon.fakehub import groups
from hfmon.fakehub import timeline as tl
from hfmon.fakehub.catalog import Flavor
from hfmon.fakehub.hub import Ctx
from hfmon.fakehub.scenario import JobDef, Org, RepoDef, Scenario, ScheduledJobDef, SpaceDef, period_bounds
from hfmon.fakehub.wire import HTTPError, Resp, iso_ms, json_resp, not_found, page_of

JOB_STAGES = frozenset({"COMPLETED", "CANCELED", "ERROR", "DELETED", "RUNNING", "SCHEDULING"})  # the spec's enum

MODEL_EXPAND = frozenset("author baseModels cardData childrenModelCount config createdAt disabled downloads "
                         "downloadsAllTime evalResults gated gguf inference inferenceProviderMapping lastModified "
                         "library_name likes mask_token model-index pipeline_tag private resourceGroup safetensors "
                         "sha siblings spaces tags transformersInfo trendingScore usedStorage widgetData".split())
DATASET_EXPAND = frozenset("author cardData citation createdAt description disabled downloads downloadsAllTime "
                           "gated lastModified likes mainSize paperswithcode_id private resourceGroup sha siblings "
                           "tags trendingScore usedStorage".split())
SPACE_EXPAND = frozenset("author cardData createdAt datasets disabled lastModified likes models private region "
                         "resourceGroup runtime sdk sha siblings subdomain tags trendingScore usedStorage".split())
STORAGE_LIMIT_MAX = 9007199254740991  # settings/repositories `limit` maximum in HF's OpenAPI spec
MEMBERS_LIMIT_MAX = 10_000  # organizations/{name}/members `limit` maximum in HF's OpenAPI spec
RUNNING_STAGES = frozenset({"RUNNING", "RUNNING_BUILDING", "APP_STARTING", "RUNNING_APP_STARTING"})


def _sha(text: str) -> str:
    return hashlib.sha1(text.encode()).hexdigest()


def _avatar(name: str) -> str:
    return f"https://cdn-avatars.huggingface.co/v1/production/uploads/{_sha(name)[:12]}/{name}.png"


def _user_avatar(name: str) -> str:
    return f"/avatars/{_sha(name)[:32]}.svg"


def auth_block(ctx: Ctx) -> dict[str, Any]:
    """whoami-v2 `auth` for the caller's token."""
    scn = ctx.scn
    if ctx.who in ("full", "other"):
        return {"type": "access_token", "accessToken": {"displayName": "hfmon-demo", "role": "write",
                                                        "createdAt": "2026-07-01T10:00:00.000Z"}}
    # the no-billing token may manage Endpoints; the no-endpoints one may read billing instead
    endpoints = ["inference.endpoints.write"] if ctx.who == "nobilling" else ["user.billing.read"]
    scoped = [{"entity": {"_id": scn.user.id, "type": "user", "name": scn.user.name},
               "permissions": ["repo.content.read", "inference.serverless.write", *endpoints, "job.write"]}]
    scoped += [{"entity": {"_id": o.id, "type": "org", "name": o.name},
                "permissions": ["repo.content.read", "org.read", *endpoints]} for o in scn.orgs]
    return {"type": "access_token", "accessToken": {
        "displayName": "hfmon-readonly", "role": "fineGrained", "createdAt": "2026-09-14T08:30:00.000Z",
        "fineGrained": {"canReadGatedRepos": False, "global": [], "scoped": scoped}}}


def whoami(ctx: Ctx) -> dict[str, Any]:
    """The whoami-v2 document of the scenario user."""
    ctx.need_auth()
    scn, u = ctx.scn, ctx.scn.user
    period_end = int(period_bounds(ctx.now)[1].timestamp())
    pro = u.plan != "free"
    # The spec's schema (hf-openapi.json): plan, billingMode and roleInOrg per org; no isEnterprise. resourceGroups:
    # the groups the user is in, `{id, name, role}` (the fake's user is in every group of its orgs, with its role
    # in the org, as the groups route lists them)
    orgs: list[dict[str, Any]] = [
        {"type": "org", "id": o.id, "name": o.name, "fullname": o.fullname, "email": None, "canPay": True,
         "billingMode": "prepaid", "periodEnd": period_end, "avatarUrl": _avatar(o.name), "plan": o.plan,
         "roleInOrg": o.role, "securityRestrictions": [],
         "resourceGroups": [{"id": g.id, "name": g.name, "role": o.role} for g in scn.resource_groups
                            if g.org == o.name]}
        for o in scn.orgs]
    return {"type": "user", "id": u.id, "name": u.name, "fullname": u.fullname, "email": u.email,
            "emailVerified": True, "canPay": pro, "isPro": pro, "periodEnd": period_end if pro else None,
            "billingMode": "prepaid" if pro else "postpaid", "avatarUrl": f"/avatars/{_sha(u.name)[:32]}.svg",
            "orgs": orgs, "auth": auth_block(ctx)}


def _visible(ctx: Ctx, private: bool, created: datetime) -> bool:
    return created <= ctx.now and (not private or ctx.who is not None)


def _counts(scn: Scenario, ns: str, now: datetime) -> dict[str, int]:
    return {"numModels": sum(1 for r in scn.repos if r.namespace == ns and r.kind == "model"),
            "numDatasets": sum(1 for r in scn.repos if r.namespace == ns and r.kind == "dataset"),
            "numSpaces": sum(1 for s in scn.spaces if s.namespace == ns and s.created_at <= now)}


def members(scn: Scenario, org: Org) -> list[dict[str, Any]]:
    """The org's members: the user (with their role) then generated colleagues."""
    out = [{"_id": scn.user.id, "user": scn.user.name, "fullname": scn.user.fullname,
            "avatarUrl": f"/avatars/{_sha(scn.user.name)[:32]}.svg", "isPro": scn.user.plan != "free",
            "type": "user", "role": org.role}]
    for i in range(1, org.seats):
        name = f"{org.name}-member-{i:02d}"
        out.append({"_id": _sha(f"{scn.seed}/{name}")[:24], "user": name, "fullname": f"Member {i} of {org.fullname}",
                    "avatarUrl": f"/avatars/{_sha(name)[:32]}.svg", "isPro": i % 4 == 0, "type": "user",
                    "role": ("admin", "write", "read", "contributor")[i % 4]})
    return out


def runtime(sp: SpaceDef, now: datetime) -> dict[str, Any]:
    """The Space's runtime at `now`, shaped like GET /api/spaces/{id}/runtime."""
    iv = tl.at(sp.timeline, now)
    stage = iv.state if iv else "NO_APP_FILE"
    running = stage in RUNNING_STAGES
    replicas = iv.replicas if iv else 1
    requested = iv.other if iv is not None and iv.other is not None else replicas  # differs while scaling
    return {"stage": stage,
            "hardware": {"current": iv.hardware if running and iv else None, "requested": sp.requested_hardware},
            "storage": None, "gcTimeout": sp.sleep_time, "replicas": {"requested": requested,
                                                                       "current": replicas if running else 0},
            "devMode": False, "sdk": sp.sdk, "sdkVersion": "5.49.1" if sp.sdk == "gradio" else None,
            "domains": [{"domain": f"{sp.id.replace('/', '-')}.hf.space", "stage": "READY"}]}


Field = Callable[[Ctx, Any], Any]
"""How one expand key of a listing item is rendered from the request context and the repo or Space."""

_COMMON_FIELDS: dict[str, Field] = {
    "author": lambda ctx, r: r.namespace, "createdAt": lambda ctx, r: iso_ms(r.created_at),
    "lastModified": lambda ctx, r: iso_ms(r.last_modified if isinstance(r, RepoDef) else r.created_at),
    "likes": lambda ctx, r: r.likes, "private": lambda ctx, r: r.private, "sha": lambda ctx, r: _sha(r.id),
    "tags": lambda ctx, r: [], "trendingScore": lambda ctx, r: 0, "usedStorage": lambda ctx, r: r.used_storage,
    "disabled": lambda ctx, r: False, "gated": lambda ctx, r: False, "siblings": lambda ctx, r: [],
    "cardData": lambda ctx, r: {}, "resourceGroup": lambda ctx, r: None}
_REPO_FIELDS: dict[str, Field] = _COMMON_FIELDS | {
    "downloads": lambda ctx, r: r.downloads, "downloadsAllTime": lambda ctx, r: r.downloads * 7}
_MODEL_FIELDS: dict[str, Field] = _REPO_FIELDS | {
    "pipeline_tag": lambda ctx, r: "text-generation", "library_name": lambda ctx, r: "transformers"}
_DATASET_FIELDS: dict[str, Field] = _REPO_FIELDS | {
    "mainSize": lambda ctx, r: r.used_storage // 2, "description": lambda ctx, r: f"The {r.id} dataset."}
_SPACE_FIELDS: dict[str, Field] = _COMMON_FIELDS | {
    "runtime": lambda ctx, r: runtime(r, ctx.now), "sdk": lambda ctx, r: r.sdk, "region": lambda ctx, r: "us",
    "subdomain": lambda ctx, r: r.id.replace("/", "-"), "models": lambda ctx, r: [],
    "datasets": lambda ctx, r: []}


def _repo_fields(r: RepoDef | SpaceDef) -> dict[str, Field]:
    """The fields a model, dataset or Space can be expanded with (one table per kind, built once)."""
    if isinstance(r, SpaceDef):
        return _SPACE_FIELDS
    return _MODEL_FIELDS if r.kind == "model" else _DATASET_FIELDS


def _item(ctx: Ctx, r: RepoDef | SpaceDef, expand: list[str], default: tuple[str, ...]) -> dict[str, Any]:
    fields = _repo_fields(r)
    out: dict[str, Any] = {"_id": r.entity_id, "id": r.id}
    for key in expand or default:
        field = fields.get(key)
        if field is not None:
            out[key] = field(ctx, r)
    return out


def listing(ctx: Ctx, kind: str) -> Resp:
    """GET /api/models|datasets|spaces with author, search, sort, repeated expand and cursor pages."""
    req = ctx.req
    allowed = {"models": MODEL_EXPAND, "datasets": DATASET_EXPAND, "spaces": SPACE_EXPAND}[kind]
    expand = req.args("expand")
    bad = [e for e in expand if e not in allowed]
    if bad:
        raise HTTPError(400, f'"expand" must be one of {sorted(allowed)}; got {bad[0]!r}')
    if expand and req.arg("full") not in (None, "false", "False"):
        raise HTTPError(400, "expand cannot be combined with full")
    author, search, sort = req.arg("author"), req.arg("search"), req.arg("sort")
    key = ("listing", kind, author, search, sort, req.arg("direction"), ctx.who is not None)
    rows = ctx.upto_now(key, lambda: _ordered(ctx, kind, author, search, sort))
    if kind == "spaces":
        default: tuple[str, ...] = ("author", "likes", "trendingScore", "private", "sdk", "tags", "createdAt")
    else:
        default = ("author", "likes", "trendingScore", "private", "downloads", "tags", "createdAt")
        if kind == "models":
            default += ("pipeline_tag", "library_name")
    # A page is the same bytes for the same query, caller and scenario time: rendered once (Spaces' runtimes
    # depend on the time, so it is part of the key).
    return page_of(req, rows, ctx.scn.page_size, lambda r: _item(ctx, r, expand, default), ctx.hub.cached_page,
                   (key, tuple(expand), ctx.now))


def _ordered(ctx: Ctx, kind: str, author: str | None, search: str | None,
             sort: str | None) -> list[RepoDef | SpaceDef]:
    """A listing's repos in page order, whenever created: by id, or by `sort` then id."""
    rows: list[RepoDef | SpaceDef]
    rows = list(ctx.scn.spaces) if kind == "spaces" else [r for r in ctx.scn.repos if r.kind == kind[:-1]]
    rows = [r for r in rows if (not r.private or ctx.who is not None) and (author is None or r.namespace == author)
            and (search is None or search.lower() in r.id.lower())]
    rows.sort(key=lambda r: r.id)
    if sort and sort != "id":
        def sort_key(r: RepoDef | SpaceDef) -> tuple[Any, str]:
            field = _repo_fields(r).get(sort)
            return (field(ctx, r) if field is not None else 0, r.id)

        rows.sort(key=sort_key, reverse=ctx.req.arg("direction") == "-1")
    return rows


def _flavor_json(f: Flavor, jobs: bool) -> dict[str, Any]:
    """One hardware flavor; only the Jobs catalog carries `ephemeralStorage` (the spec's two schemas differ)."""
    acc = None if f.gpu is None else {"type": "gpu", "model": f.gpu[0], "quantity": f.gpu[1], "vram": f.gpu[2],
                                      "manufacturer": f.gpu[3]}
    out = {"name": f.name, "prettyName": f.pretty_name, "cpu": f.cpu, "ram": f.ram, "accelerator": acc,
           "unitCostMicroUSD": f.unit_micro_usd, "unitCostUSD": f.unit_micro_usd / 1_000_000, "unitLabel": "minute"}
    return out | {"ephemeralStorage": f.ephemeral} if jobs else out


def job_stage(job: JobDef, now: datetime) -> str:
    """The job's stage at `now` (SCHEDULING until its timeline starts)."""
    iv = tl.at(job.timeline, now)
    return iv.state if iv else "SCHEDULING"


def job_json(ctx: Ctx, job: JobDef) -> dict[str, Any]:
    """JobInfo JSON of a job at the scenario time, shaped as the spec's `/api/jobs/{namespace}` items.

    The spec's schema has no nulls here: a time or duration not reached yet is absent, not null.
    """
    now = ctx.now
    stage = job_stage(job, now)
    started = next((x.start for x in job.timeline if x.state == "RUNNING" and x.start <= now), None)
    final = next((x for x in job.timeline if x.end is None), None)
    finished = final.start if final is not None and final.start <= now else None
    run_iv = next((x for x in job.timeline if x.state == "RUNNING"), None)
    durations: dict[str, int] = {"schedulingSecs": int(((started or now) - job.created_at).total_seconds()),
                                 "totalSecs": int(((finished or now) - job.created_at).total_seconds())}
    if started is not None and run_iv is not None:
        end = min(now, run_iv.end) if run_iv.end else now
        durations["runningSecs"] = int((end - started).total_seconds())
    scn = ctx.scn
    org = scn.org(job.namespace)
    owner = ({"id": org.id, "name": org.name, "type": "org", "avatarUrl": _avatar(org.name)} if org is not None else
             {"id": scn.user.id, "name": scn.user.name, "type": "user", "avatarUrl": _user_avatar(scn.user.name)})
    msgs = {"ERROR": "Job failed with exit code: 1", "CANCELED": "Job canceled by user"}
    status: dict[str, Any] = {"stage": stage, "message": msgs.get(stage)}
    if job.exposed_ports:  # one reachable URL per port, in the same order; absent when not exposed (the spec)
        status["exposeUrls"] = [f"https://{job.id}--{port}.hf.jobs" for port in job.exposed_ports]
    out: dict[str, Any] = {
        "type": "job", "id": job.id, "createdAt": iso_ms(job.created_at), "dockerImage": job.docker_image,
        "owner": owner, "createdBy": {"id": scn.user.id, "name": scn.user.name},
        "command": list(job.command), "arguments": [], "environment": {}, "secrets": [], "flavor": job.flavor,
        "labels": {}, "status": status, "durations": durations,
        "initiator": {"type": "user", "id": scn.user.id, "name": scn.user.name,
                      "avatarUrl": _user_avatar(scn.user.name)}}
    if started is not None:
        out["startedAt"] = iso_ms(started)
    if finished is not None:
        out["finishedAt"] = iso_ms(finished)
    if job.timeout_s is not None:
        out["timeout"] = job.timeout_s
    if job.exposed_ports:
        out["expose"] = {"ports": list(job.exposed_ports), "portsPublic": list(job.public_ports)}
    return out


def _owner(ctx: Ctx, ns: str) -> dict[str, str]:
    org = ctx.scn.org(ns)
    if org is not None:
        return {"id": org.id, "name": org.name, "type": "org", "avatarUrl": _avatar(org.name)}
    u = ctx.scn.user
    return {"id": u.id, "name": u.name, "type": "user", "avatarUrl": _user_avatar(u.name)}


def scheduled_json(ctx: Ctx, job: ScheduledJobDef) -> dict[str, Any]:
    """A scheduled job as `GET /api/scheduled-jobs/{namespace}` lists it (the spec's schema)."""
    last, upcoming = job.runs_around(ctx.now)
    spec: dict[str, Any] = {"dockerImage": job.docker_image, "command": ["python", "run.py"], "arguments": [],
                            "environment": {}, "flavor": job.flavor, "labels": {"name": job.name}}
    if job.timeout_s is not None:
        spec["timeout"] = job.timeout_s
    if job.exposed_ports:
        spec["expose"] = {"ports": list(job.exposed_ports)}
    return {"type": "scheduled-job", "id": job.id, "createdAt": iso_ms(job.created_at), "schedule": job.schedule,
            "suspend": job.suspended, "concurrency": False, "owner": _owner(ctx, job.namespace),
            "initiator": _owner(ctx, ctx.scn.user.name), "jobSpec": spec,
            "status": {"lastJob": None if last is None else {"id": hashlib.sha1(f"{job.id}{last}".encode())
                                                                .hexdigest()[:24], "at": iso_ms(last)},
                       "nextJobRunAt": iso_ms(upcoming)}}


def _member_ns(ctx: Ctx, ns: str) -> None:
    if ns != ctx.scn.user.name and ctx.scn.org(ns) is None:
        raise HTTPError(403, f"You don't have access to namespace {ns}")


def repositories(ctx: Ctx, ns: str) -> Resp:
    """GET settings/repositories: per-repo storage of a namespace with its share of the total."""
    ctx.need_auth()
    _member_ns(ctx, ns)
    spaces = ctx.upto_now(("spaces of", ns), lambda: [s for s in ctx.scn.spaces if s.namespace == ns])
    key = ("repositories", ns, len(spaces))
    items = ctx.hub.cached(key, lambda: _storage_items(ctx.scn, ns, spaces))
    # The spec gives this route a `limit` up to 2^53 - 1 and no cursor: one answer, cut at `limit`.
    return page_of(ctx.req, items, ctx.scn.page_size, lambda item: item, ctx.hub.cached_page, key,
                   largest=STORAGE_LIMIT_MAX, paged=False)


def _storage_items(scn: Scenario, ns: str, spaces: list[SpaceDef]) -> list[dict[str, Any]]:
    """Every settings/repositories item of a namespace, largest first, with its share of the total."""
    rows: list[tuple[str, str, str, int, datetime]] = [
        (r.id, r.kind, "private" if r.private else "public", r.used_storage, r.last_modified)
        for r in scn.repos if r.namespace == ns]
    rows += [(s.id, "space", "protected" if s.protected else "private" if s.private else "public", s.used_storage,
              s.created_at) for s in spaces]
    total = sum(r[3] for r in rows) or 1
    return [{"id": rid, "type": kind, "updatedAt": iso_ms(upd), "visibility": visibility,
             "storage": size, "storagePercent": round(size * 100 / total, 2)}
            for rid, kind, visibility, size, upd in sorted(rows, key=lambda r: (-r[3], r[0]))]


def route(ctx: Ctx) -> Resp | None:
    """Dispatch a Hub API GET."""
    parts = ctx.req.path.strip("/").split("/")[1:]
    scn = ctx.scn
    if ctx.req.method != "GET":
        return None
    n = len(parts)
    if parts == ["agent-harnesses"]:
        return json_resp({"standardEnvVars": [], "harnesses": {}})
    if parts == ["whoami-v2"]:
        return json_resp(whoami(ctx))
    if n == 1 and parts[0] in ("models", "datasets", "spaces"):
        return listing(ctx, parts[0])
    if parts in (["spaces", "hardware"], ["jobs", "hardware"]):
        flavors = scn.space_flavors if parts[0] == "spaces" else scn.job_flavors
        return json_resp([_flavor_json(f, parts[0] == "jobs") for f in flavors])
    if n in (3, 4) and parts[0] in ("spaces", "models", "datasets"):
        rid = f"{parts[1]}/{parts[2]}"
        sp = next((s for s in scn.spaces if s.id == rid), None) if parts[0] == "spaces" else None
        repo = next((r for r in scn.repos if r.id == rid and r.kind + "s" == parts[0]), None)
        found: SpaceDef | RepoDef | None = sp or repo
        if found is None or not _visible(ctx, found.private, found.created_at):
            raise HTTPError(404, "Repository not found", "RepoNotFound")
        if n == 4:
            if parts[3] == "runtime" and sp is not None:
                return json_resp(runtime(sp, ctx.now))
            return None
        default = tuple(_repo_fields(found))
        return json_resp(_item(ctx, found, ctx.req.args("expand"), default))
    if n == 2 and parts[0] == "jobs":
        ctx.need_auth()
        _member_ns(ctx, parts[1])
        stages = set(ctx.req.args("stage"))
        if not stages <= JOB_STAGES:
            raise HTTPError(400, f"Invalid stage: expected one of {', '.join(sorted(JOB_STAGES))}")
        ns = parts[1]
        jobs = ctx.upto_now(("jobs of", ns), lambda: sorted((j for j in scn.jobs if j.namespace == ns),
                                                             key=lambda j: j.created_at, reverse=True))
        if stages:  # the spec's `stage` filter, repeatable
            jobs = [j for j in jobs if job_stage(j, ctx.now) in stages]
        return page_of(ctx.req, jobs, scn.page_size, lambda j: job_json(ctx, j), ctx.hub.cached_page,
                       ("jobs", ns, frozenset(stages), ctx.who, ctx.now))
    if n == 2 and parts[0] == "scheduled-jobs":
        ctx.need_auth()
        _member_ns(ctx, parts[1])
        return json_resp([scheduled_json(ctx, j) for j in scn.scheduled_jobs
                          if j.namespace == parts[1] and j.created_at <= ctx.now])
    if parts == ["settings", "repositories"]:
        return repositories(ctx, scn.user.name)
    if n >= 3 and parts[0] in ("organizations", "users"):
        return _org_or_user(ctx, parts)
    return None


def _org_or_user(ctx: Ctx, parts: list[str]) -> Resp | None:
    scn = ctx.scn
    name, rest = parts[1], parts[2:]
    if parts[0] == "users":
        if name != scn.user.name or rest != ["overview"]:
            raise not_found("User not found")
        u = scn.user
        return json_resp({"_id": u.id, "user": u.name, "fullname": u.fullname,
                          "avatarUrl": f"/avatars/{_sha(u.name)[:32]}.svg",
                          "isPro": u.plan != "free", "isFollowing": False, "details": "", "type": "user",
                          **_counts(scn, u.name, ctx.now), "numDiscussions": 3, "numPapers": 0, "numUpvotes": 12,
                          "numLikes": 40, "numFollowing": 8, "numFollowers": 21,
                          "orgs": [{"name": o.name, "fullname": o.fullname, "avatarUrl": _avatar(o.name)}
                                   for o in scn.orgs], "createdAt": iso_ms(scn.start - timedelta(days=900))})
    org = scn.org(name)
    if org is None:
        raise not_found("Organization not found")
    if rest == ["overview"]:
        return json_resp({"_id": org.id, "name": org.name, "fullname": org.fullname, "avatarUrl": _avatar(org.name),
                          "details": "", "isVerified": org.plan == "enterprise", "isFollowing": True,
                          "numUsers": org.seats, **_counts(scn, org.name, ctx.now), "numFollowers": org.seats * 3,
                          "numPapers": 0, "plan": org.plan, "type": "org"})
    if rest[0] == "resource-groups":
        return groups.groups_route(ctx, org, rest[1:])
    if rest == ["members"]:
        return page_of(ctx.req, ctx.hub.cached(("members", org.name), lambda: members(scn, org)), scn.page_size,
                       lambda member: member, largest=MEMBERS_LIMIT_MAX)
    if rest == ["settings", "repositories"]:
        return repositories(ctx, org.name)
    return None
