"""Fault injection: 5xx, stalls, malformed and truncated bodies, schema drift. Decisions come from a seeded RNG.

Every request draws the same four numbers in the same order, so a given seed and request sequence always
gets the same faults whatever the rates are. Schema drift rewrites JSON bodies: an unknown value for every
third enum field (`stage`, `state`, `status`, `type` of a repo), an extra field in every object (a new, empty
group in a statement's `usage`, whose values the spec allows only as arrays), and the
optional fields listed in OPTIONAL removed (among them usage-v2's `includedNanoUsd` and `jobs.usedMicroUsd`, which
real payloads may omit: hf-api.md 0.5, and whoami's `orgs[].plan`, optional in the spec). Billing routes add their
own drift (see routes_billing.route).
"""

from __future__ import annotations

import fnmatch
import json
import random
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hfmon.fakehub.scenario import Faults
from hfmon.fakehub.wire import Resp, dumps

OPTIONAL = frozenset({"gcTimeout", "devMode", "sdkVersion", "email", "emailVerified", "avatarUrl", "url",
                      "resetsAt", "overquotaUsed", "numCpus", "gpuMemoryGb", "label", "productPrettyName",
                      "context_length", "first_token_latency_ms", "throughput", "storagePercent", "domains",
                      "likes", "downloads", "message", "billingMode", "includedNanoUsd", "usedMicroUsd", "plan"})
STATEMENT_GROUPS = frozenset({"Endpoints", "Spaces"})  # the keys of a statement's `usage` map
UNKNOWN = {"stage": "HIBERNATING", "state": "quiescing", "status": "degraded"}


@dataclass(frozen=True)
class Plan:
    """The faults chosen for one request."""

    error_status: int | None = None
    stall: bool = False
    malformed: bool = False
    truncate: bool = False


def decide(rng: random.Random, faults: Faults) -> Plan:
    """Draw this request's faults."""
    e, s, m, t = rng.random(), rng.random(), rng.random(), rng.random()
    status = (500, 502, 503)[int(e * 1_000_000) % 3] if e < faults.error_rate else None
    return Plan(status, s < faults.stall_rate, m < faults.malformed_rate, t < faults.truncate_rate)


def malform(body: bytes) -> bytes:
    """Invalid JSON that still looks like the start of a response."""
    return b'{"error": unexpected token <html>' + body[:16]


def truncate(body: bytes) -> bytes:
    """The first half of the body."""
    return body[: max(1, len(body) // 2)]


def drift(obj: Any) -> Any:
    """Schema drift of a decoded JSON value (see module docstring)."""
    counter = [0]

    def walk(v: Any) -> Any:
        if isinstance(v, list):
            return [walk(x) for x in v]
        if not isinstance(v, dict):
            return v
        out: dict[str, Any] = {}
        for k, x in v.items():
            if k in OPTIONAL:
                continue
            if k in UNKNOWN and isinstance(x, str):
                counter[0] += 1
                out[k] = UNKNOWN[k] if counter[0] % 3 == 1 else x
                continue
            out[k] = walk(x)
        if v and set(v) <= STATEMENT_GROUPS:  # the spec allows only arrays of lines here: drift adds a new group
            out["FakeDriftGroup"] = []
        else:
            out["fakeDriftExtra"] = {"addedIn": "2026-12", "note": "unknown field"}
        return out

    return walk(obj)


def drift_body(body: bytes) -> bytes:
    """Apply schema drift to a JSON body (bodies that are not JSON are returned unchanged)."""
    try:
        obj = json.loads(body)
    except ValueError:
        return body
    return json.dumps(drift(obj), separators=(",", ":"), ensure_ascii=False).encode()


@dataclass
class RouteFault:
    """A scripted misbehaviour of the requests whose path matches `path` (fnmatch), for fault tests.

    Set on a running hub with `hub.route_faults.append(RouteFault(...))`. Applied after routing, in this
    order: `status` replaces the answer with an HF-style error; `edit` rewrites the decoded JSON body;
    `body` replaces the body outright (with `status`, it is the error's whole text: no `X-Error-Message`);
    `pad_to` pads the body with trailing whitespace (still valid JSON) to that many bytes, a stream with SSE
    comments after its first event (a keep-alive clients ignore); `headers` are added and `reason` is the reason
    phrase; `gzip` compresses the answer (a stream chunk by chunk, each flushed so it decodes as it comes) and says
    so in Content-Encoding. `times` limits how many requests it applies to (None: every one); `when`, to those whose
    query (name, value pairs) it holds true for.
    """

    path: str
    status: int | None = None
    reason: str | None = None
    headers: tuple[tuple[str, str], ...] = ()
    edit: Callable[[Any], Any] | None = None
    body: bytes | None = None
    pad_to: int = 0
    gzip: bool = False
    times: int | None = None
    hits: int = 0
    when: Callable[[Sequence[tuple[str, str]]], bool] | None = None


def apply_route_faults(route_faults: list[RouteFault], path: str, resp: Resp,
                       query: Sequence[tuple[str, str]] = ()) -> Resp:
    """`resp` changed by the first route fault matching `path` (and `query`) that has uses left."""
    for fault in route_faults:
        if not fnmatch.fnmatchcase(path, fault.path) or (fault.times is not None and fault.hits >= fault.times) \
                or (fault.when is not None and not fault.when(query)):
            continue
        fault.hits += 1
        if fault.status is not None:
            message = fault.reason or "Scripted failure"
            said = [] if fault.body is not None else [("X-Error-Message", message)]  # a given body says it all
            resp = Resp(fault.status, dumps({"error": message}), [("Content-Type", "application/json"), *said])
        if fault.edit is not None:
            resp.body = dumps(fault.edit(json.loads(resp.body)))
        if fault.body is not None:
            resp.body = fault.body
        if resp.chunks and fault.pad_to:
            resp.chunks = _padded_stream(resp.chunks, fault.pad_to)
        elif fault.pad_to > len(resp.body):
            resp.body += b" " * (fault.pad_to - len(resp.body))
        resp.headers = [*resp.headers, *fault.headers]
        if fault.gzip:
            resp.body, resp.chunks = _gzipped(resp.body, resp.chunks)
            resp.headers = [*resp.headers, ("Content-Encoding", "gzip")]
        resp.reason = fault.reason
        return resp
    return resp


_COMMENT = b": " + b" " * ((1 << 18) - 4) + b"\n\n"  # one SSE comment event of 256 kB


def _padded_stream(chunks: tuple[bytes, ...], size: int) -> tuple[bytes, ...]:
    """A stream's events with SSE comments after the first, to at least `size` bytes in all."""
    missing = max(0, size - sum(map(len, chunks)))
    return (*chunks[:1], *(_COMMENT,) * -(-missing // len(_COMMENT)), *chunks[1:])


def _gzipped(body: bytes, chunks: tuple[bytes, ...]) -> tuple[bytes, tuple[bytes, ...]]:
    """A body, or a stream chunk by chunk (each flushed, so the receiver decodes it as it comes), in gzip."""
    packer = zlib.compressobj(wbits=31)  # gzip's header and trailer
    if not chunks:
        return packer.compress(body) + packer.flush(), ()
    out = [packer.compress(c) + packer.flush(zlib.Z_SYNC_FLUSH) for c in (body, *chunks) if c]
    return b"", (*out[:-1], out[-1] + packer.flush())
