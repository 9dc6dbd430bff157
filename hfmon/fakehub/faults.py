"""Fault injection: 5xx, stalls, malformed and truncated bodies, schema drift. Decisions come from a seeded RNG.

Every request draws the same four numbers in the same order, so a given seed and request sequence always
gets the same faults whatever the rates are. Schema drift rewrites JSON bodies: an unknown value for every
third enum field (`stage`, `state`, `status`, `type` of a repo), an extra field in every object, and the
optional fields listed in OPTIONAL removed.
"""

from __future__ import annotations

import json
import random
from dataclasses import dataclass
from typing import Any

from hfmon.fakehub.scenario import Faults

OPTIONAL = frozenset({"gcTimeout", "devMode", "sdkVersion", "email", "emailVerified", "avatarUrl", "url",
                      "resetsAt", "overquotaUsed", "numCpus", "gpuMemoryGb", "label", "productPrettyName",
                      "context_length", "first_token_latency_ms", "throughput", "storagePercent", "domains",
                      "likes", "downloads", "message", "billingMode"})
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
