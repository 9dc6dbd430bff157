"""Pure parsers for resources and price catalogs: Endpoints, Spaces, Jobs, repos, hardware, router models."""

from __future__ import annotations

from decimal import Decimal

from hfmon.api.parse_common import (
    BYTES,
    COUNT,
    GPU_MEMORY_GB,
    MICRO_PRICE,
    MINUTES,
    PRICE_USD,
    REPLICAS,
    SECONDS,
    Bound,
    Json,
    as_list,
    as_obj,
    bad,
    check,
    integer,
    list_field,
    micro_usd,
    need,
    need_number,
    need_str,
    number,
    opt_bool,
    opt_int,
    opt_list,
    opt_moment,
    opt_number,
    opt_obj,
    opt_str,
    plain_moment,
)
from hfmon.models import (
    Endpoint,
    EndpointCompute,
    HardwareFlavor,
    Job,
    RepoStorage,
    RouterPrice,
    ScheduledJob,
    Space,
)
from hfmon.scrub import is_clean, scrub_argument

MAX_EXPOSED_PORTS = 20  # the spec's maxItems of `expose.ports` and `expose.portsPublic`
PORT = Bound(Decimal(1), Decimal(65535), "port number (1 to 65535)")


def _items(data: Json, where: str) -> list[Json]:
    """A bare JSON array, or the `items`/`data` array of a wrapper object."""
    if isinstance(data, dict):
        for key in ("items", "data"):
            if isinstance(data.get(key), list):
                return list(data[key])
    return as_list(data, where)


def parse_endpoints(data: Json, namespace: str) -> tuple[Endpoint, ...]:
    """`GET {endpoints}/endpoint/{ns}` (`{"items": [...]}`) → Endpoints of one namespace."""
    out = []
    for i, raw in enumerate(_items(data, "endpoints")):
        w = f"endpoints[{i}]"
        e = as_obj(raw, w)
        status = as_obj(need(e, "status", w), f"{w}.status")
        compute = opt_obj(e, "compute")
        scaling = opt_obj(compute, "scaling")
        provider = opt_obj(e, "provider")
        sw = f"{w}.compute.scaling"
        out.append(Endpoint(
            namespace=namespace,
            name=need_str(e, "name", w),
            state=need_str(status, "state", f"{w}.status"),
            vendor=opt_str(provider, "vendor"),
            region=opt_str(provider, "region"),
            accelerator=opt_str(compute, "accelerator"),
            instance_type=opt_str(compute, "instanceType"),
            instance_size=opt_str(compute, "instanceSize"),
            min_replica=opt_int(scaling, "minReplica", sw, REPLICAS),
            max_replica=opt_int(scaling, "maxReplica", sw, REPLICAS),
            scale_to_zero_timeout_min=opt_int(scaling, "scaleToZeroTimeout", sw, MINUTES),
            ready_replicas=opt_int(status, "readyReplica", f"{w}.status", REPLICAS),  # absent: unknown, not 0
            target_replicas=opt_int(status, "targetReplica", f"{w}.status", REPLICAS),
            repository=opt_str(opt_obj(e, "model"), "repository"),
            created_at=opt_moment(status, "createdAt", f"{w}.status"),
            updated_at=opt_moment(status, "updatedAt", f"{w}.status"),
            url=opt_str(status, "url"),
        ))
    return tuple(out)


def parse_endpoint_catalog(data: Json) -> tuple[EndpointCompute, ...]:
    """`GET {endpoints}/provider/{ns}` → every priced instance, flattened over vendors and regions."""
    w = "provider"
    out = []
    for vi, vendor_raw in enumerate(list_field(as_obj(data, w), "vendors", w)):
        vw = f"{w}.vendors[{vi}]"
        vendor = as_obj(vendor_raw, vw)
        vendor_name = need_str(vendor, "name", vw)
        for ri, region_raw in enumerate(list_field(vendor, "regions", vw)):
            rw = f"{vw}.regions[{ri}]"
            region = as_obj(region_raw, rw)
            region_name = need_str(region, "name", rw)
            for ci, compute_raw in enumerate(list_field(region, "computes", rw)):
                xw = f"{rw}.computes[{ci}]"
                c = as_obj(compute_raw, xw)
                out.append(EndpointCompute(
                    vendor=vendor_name,
                    region=region_name,
                    instance_type=need_str(c, "instanceType", xw),
                    instance_size=need_str(c, "instanceSize", xw),
                    accelerator=opt_str(c, "accelerator") or "unknown",
                    price_per_hour_usd=need_number(c, "pricePerHour", xw, PRICE_USD),
                    status=opt_str(c, "status") or "unknown",
                    gpu_memory_gb=opt_number(c, "gpuMemoryGb", xw, GPU_MEMORY_GB),
                ))
    return tuple(out)


def _replicas(value: Json, where: str) -> int | None:
    """A replica count (`integer`); `"auto"` (autoscaled Spaces) and other non-numbers give None, absurd counts an
    error."""
    return integer(value, where, REPLICAS) if type(value) is int or type(value) is float else None  # bool is no int


def parse_spaces(data: Json, namespace: str) -> tuple[Space, ...]:
    """One page of `GET /api/spaces?author=..&expand=runtime..` → Spaces (a missing runtime gives stage UNKNOWN).

    A row of the usual shape is taken as it is (`_plain_space`: a 20× account lists 10,000 Spaces); any other goes
    through `_space`, which gives the same Space or names what is wrong."""
    out = []
    for i, raw in enumerate(as_list(data, "spaces")):
        space = _plain_space(raw, namespace) if type(raw) is dict else None
        out.append(_space(raw, f"spaces[{i}]", namespace) if space is None else space)
    return tuple(out)


# the fast paths' bounds as ints (an int compared with a Decimal is slow); each of these bounds starts at 0
_SECONDS_HIGH, _BYTES_HIGH, _COUNT_HIGH, _REPLICAS_HIGH = (int(b.high) for b in (SECONDS, BYTES, COUNT, REPLICAS))


def _plain_space(s: dict[str, Json], namespace: str) -> Space | None:
    """The Space of a row whose fields have the usual types, clean text and plausible numbers, read without the
    general checks; None for any other row."""
    runtime = s.get("runtime")
    runtime = _EMPTY if runtime is None else runtime
    hardware = runtime.get("hardware") if type(runtime) is dict else None
    hardware = _EMPTY if hardware is None else hardware
    replicas = runtime.get("replicas") if type(runtime) is dict else None
    replicas = _EMPTY if replicas is None else replicas
    if type(runtime) is not dict or type(hardware) is not dict or type(replicas) is not dict:
        return None
    space_id, stage, sdk, runtime_sdk, entity_id = (s.get("id"), runtime.get("stage"), s.get("sdk"),
                                                    runtime.get("sdk"), s.get("_id"))
    current, requested = hardware.get("current"), hardware.get("requested")
    sleep, size, likes = runtime.get("gcTimeout"), s.get("usedStorage"), s.get("likes")
    wanted, running = replicas.get("requested"), replicas.get("current")
    modified, private = s.get("lastModified"), s.get("private")
    if not (type(space_id) is str and (stage is None or type(stage) is str) and (sdk is None or type(sdk) is str)
            and (runtime_sdk is None or type(runtime_sdk) is str) and (entity_id is None or type(entity_id) is str)
            and (current is None or type(current) is str) and (requested is None or type(requested) is str)
            # None reads "None", clean: one check for the whole row (a token across two fields only costs speed)
            and is_clean(f"{space_id} {stage} {sdk} {runtime_sdk} {entity_id} {current} {requested}")
            and (sleep is None or (type(sleep) is int and 0 <= sleep <= _SECONDS_HIGH))
            and (size is None or (type(size) is int and 0 <= size <= _BYTES_HIGH))
            and (likes is None or (type(likes) is int and 0 <= likes <= _COUNT_HIGH))
            and (type(wanted) is not int or 0 <= wanted <= _REPLICAS_HIGH) and type(wanted) is not float
            and (type(running) is not int or 0 <= running <= _REPLICAS_HIGH) and type(running) is not float):
        return None
    last_modified = plain_moment(modified)
    if last_modified is False:
        return None
    return Space(space_id, namespace, stage or "UNKNOWN", current, requested, sleep,
                 wanted if type(wanted) is int else None, running if type(running) is int else None,
                 private if type(private) is bool else None, size, sdk or runtime_sdk, likes, last_modified, entity_id,
                 bool(runtime) and "gcTimeout" not in runtime)


_EMPTY: dict[str, Json] = {}


def _space(raw: Json, w: str, namespace: str) -> Space:
    """One Space row, every field checked (BadResponseError naming the field)."""
    s = as_obj(raw, w)
    runtime = opt_obj(s, "runtime")
    hardware = opt_obj(runtime, "hardware")
    replicas = opt_obj(runtime, "replicas")
    return Space(
        id=need_str(s, "id", w),
        namespace=namespace,
        stage=opt_str(runtime, "stage") or "UNKNOWN",
        hardware=opt_str(hardware, "current"),
        requested_hardware=opt_str(hardware, "requested"),
        sleep_time_s=opt_int(runtime, "gcTimeout", f"{w}.runtime", SECONDS),
        replicas_requested=_replicas(replicas.get("requested"), f"{w}.runtime.replicas.requested"),
        replicas_current=_replicas(replicas.get("current"), f"{w}.runtime.replicas.current"),
        private=opt_bool(s, "private"),
        used_storage_bytes=opt_int(s, "usedStorage", w, BYTES),
        sdk=opt_str(s, "sdk") or opt_str(runtime, "sdk"),
        likes=opt_int(s, "likes", w, COUNT),
        last_modified=opt_moment(s, "lastModified", w),
        entity_id=opt_str(s, "_id"),
        sleep_time_unsent=bool(runtime) and "gcTimeout" not in runtime,  # the spec: optional; null means never
    )


def parse_jobs(data: Json, namespace: str) -> tuple[Job, ...]:
    """One page of `GET /api/jobs/{ns}` → Jobs."""
    out = []
    for i, raw in enumerate(_items(data, "jobs")):
        w = f"jobs[{i}]"
        j = as_obj(raw, w)
        status = as_obj(need(j, "status", w), f"{w}.status")
        # a measure: whole seconds, the fraction rounded off (`Bound.measure`), as `timeout` is; never cut short
        running = opt_int(opt_obj(j, "durations"), "runningSecs", f"{w}.durations", SECONDS)
        out.append(Job(
            id=need_str(j, "id", w),
            namespace=namespace,
            stage=need_str(status, "stage", f"{w}.status"),
            flavor=opt_str(j, "flavor"),
            created_at=opt_moment(j, "createdAt", w),
            started_at=opt_moment(j, "startedAt", w),
            finished_at=opt_moment(j, "finishedAt", w),
            running_s=running,
            space_id=opt_str(j, "spaceId"),
            docker_image=opt_str(j, "dockerImage"),
            command=tuple(scrub_argument(a) for a in (*opt_list(j, "command"), *opt_list(j, "arguments"))
                          if isinstance(a, str)),
            timeout_s=opt_int(j, "timeout", w, SECONDS),
            exposed_ports=exposed_ports(j, w),
            attempts=_attempts(j.get("retry")),
        ))
    return tuple(out)


def exposed_ports(job: Json, where: str) -> tuple[int | None, ...]:
    """A Job's (or a scheduled Job's `jobSpec`) `expose.ports` as the spec bounds them: at most 20 ports, each 1 to
    65535 (`integer`: `7860.0` is 7860, a port with a fraction is an unknown port, still exposed), and `portsPublic`
    the same; absent or null: none. Anything else is a BadResponseError naming the field."""
    raw = job.get("expose")
    if raw is None:
        return ()
    w = f"{where}.expose"
    expose = as_obj(raw, w)
    lists = {key: as_list(need(expose, key, w) if key == "ports" else expose.get(key) or [], f"{w}.{key}")
             for key in ("ports", "portsPublic")}
    ports: dict[str, tuple[int | None, ...]] = {}
    for key, values in lists.items():
        if len(values) > MAX_EXPOSED_PORTS:
            raise bad(f"{w}.{key}", f"{len(values)} ports, more than the {MAX_EXPOSED_PORTS} the API allows")
        if any(type(p) is not int and type(p) is not float for p in values):
            raise bad(f"{w}.{key}", "expected an array of port numbers")
        ports[key] = tuple(integer(p, f"{w}.{key}[{i}]", PORT) for i, p in enumerate(values))
    return ports["ports"]  # billed per job: which of them are public changes nothing hfmon reports


def parse_repos(data: Json, namespace: str) -> tuple[RepoStorage, ...]:
    """One page of `GET .../settings/repositories` → storage per repo.

    A row whose fields have the usual types, clean text and a plausible size is taken as it is (a 20× account
    lists 50,000 rows); any other row goes through `_repo`, which gives the same value or names what is wrong."""
    out = []
    for i, raw in enumerate(_items(data, "repositories")):
        if type(raw) is dict:
            repo_id, kind, visibility, size = raw.get("id"), raw.get("type"), raw.get("visibility"), raw.get("storage")
            if (type(repo_id) is str and type(kind) is str and type(visibility) is str and type(size) is int
                    and 0 <= size <= _BYTES_HIGH and is_clean(f"{repo_id} {kind} {visibility}")):  # one check for three
                out.append(RepoStorage(namespace, repo_id, kind, visibility != "public", size))
                continue
        out.append(_repo(raw, f"repositories[{i}]", namespace))
    return tuple(out)


def _repo(raw: Json, w: str, namespace: str) -> RepoStorage:
    """One row of `settings/repositories`, every field checked (BadResponseError naming the field)."""
    r = as_obj(raw, w)
    size = r.get("storage")
    return RepoStorage(
        namespace=namespace,
        id=need_str(r, "id", w),
        type=need_str(r, "type", w),
        private=need_str(r, "visibility", w) != "public",  # private or protected: the files are not public
        # the one reader: a size with a fraction of a byte is no size to round a bill's input to (None: unknown)
        bytes=check(size, f"{w}.storage", BYTES) if type(size) is int else integer(need(r, "storage", w),
                                                                                    f"{w}.storage", BYTES),
    )


def parse_hardware(data: Json, where: str = "hardware") -> tuple[HardwareFlavor, ...]:
    """`GET /api/spaces/hardware` or `/api/jobs/hardware` → flavors with their exact per-unit price."""
    out = []
    for i, raw in enumerate(_items(data, where)):
        w = f"{where}[{i}]"
        h = as_obj(raw, w)
        name = need_str(h, "name", w)
        micro = opt_number(h, "unitCostMicroUSD", w, MICRO_PRICE)
        if micro is not None:
            price = micro_usd(micro)
        else:  # only the float USD form: exact via its decimal text
            price = number(need(h, "unitCostUSD", w), f"{w}.unitCostUSD", PRICE_USD)
        accelerator = h.get("accelerator")
        out.append(HardwareFlavor(
            name=name,
            pretty_name=opt_str(h, "prettyName") or name,
            unit_cost_usd=price,
            unit_label=opt_str(h, "unitLabel") or "minute",
            accelerator=opt_str(accelerator, "type") if isinstance(accelerator, dict) else None,
        ))
    return tuple(out)


def parse_router_models(data: Json) -> tuple[RouterPrice, ...]:
    """Router `GET /v1/models` → per-token prices per (model, provider); unpriced providers give None prices."""
    out = []
    for i, raw in enumerate(_items(data, "models")):
        w = f"models[{i}]"
        m = as_obj(raw, w)
        model = need_str(m, "id", w)
        for k, p_raw in enumerate(list_field(m, "providers", w)):
            pw = f"{w}.providers[{k}]"
            p = as_obj(p_raw, pw)
            pricing = opt_obj(p, "pricing")
            out.append(RouterPrice(
                model=model,
                provider=need_str(p, "provider", pw),
                status=opt_str(p, "status") or "unknown",
                input_usd_per_million=opt_number(pricing, "input", f"{pw}.pricing", PRICE_USD),
                output_usd_per_million=opt_number(pricing, "output", f"{pw}.pricing", PRICE_USD),
                is_free=opt_bool(p, "is_free") is True,
            ))
    return tuple(out)


def parse_scheduled_jobs(data: Json, namespace: str) -> tuple[ScheduledJob, ...]:
    """`GET /api/scheduled-jobs/{ns}` → scheduled Jobs with their next run and the flavor/timeout of each run."""
    out = []
    for i, raw in enumerate(_items(data, "scheduled-jobs")):
        w = f"scheduled-jobs[{i}]"
        j = as_obj(raw, w)
        status = opt_obj(j, "status")
        spec = opt_obj(j, "jobSpec")
        last = opt_obj(status, "lastJob")
        out.append(ScheduledJob(
            namespace=namespace,
            id=need_str(j, "id", w),
            schedule=opt_str(j, "schedule") or "unknown",
            suspended=opt_bool(j, "suspend") or False,
            next_run_at=opt_moment(status, "nextJobRunAt", f"{w}.status"),
            last_run_at=opt_moment(last, "at", f"{w}.status.lastJob"),
            flavor=opt_str(spec, "flavor"),
            timeout_s=opt_int(spec, "timeout", f"{w}.jobSpec", SECONDS),
            exposed_ports=exposed_ports(spec, f"{w}.jobSpec"),
            attempts=_attempts(spec.get("retry")),
        ))
    return tuple(out)


MAX_ATTEMPTS = 1000  # far above any retry count a schedule sets: past it, the value is not one hfmon can bound by


def _attempts(retry: Json) -> int | None:
    """A Job's `retry` (a scheduled Job's `jobSpec.retry`) as the most attempts of one run: absent or null is HF's
    default, 1; a value that is no whole number from 1 to `MAX_ATTEMPTS` is unknown (None), and fails nothing else of
    the listing."""
    if retry is None:
        return 1
    if isinstance(retry, bool) or not isinstance(retry, int | float) or retry != int(retry):
        return None
    return int(retry) if 1 <= retry <= MAX_ATTEMPTS else None
