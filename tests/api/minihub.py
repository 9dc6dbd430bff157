"""A tiny hand-written Hugging Face for collector tests: hf-api.md payloads behind an httpx2.MockTransport."""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx2

from tests.api import payloads as p

Reply = httpx2.Response | Callable[[httpx2.Request], Awaitable[httpx2.Response] | httpx2.Response]

TOKEN = "hf_MiniHubSecret_0123456789abcdef"
REPOS = [{"id": "alice/m", "type": "model", "updatedAt": "2026-08-01T00:00:00Z", "visibility": "private",
          "storage": 1000, "storagePercent": 50.0},
         {"id": "alice/d", "type": "dataset", "updatedAt": "2026-08-01T00:00:00Z", "visibility": "public",
          "storage": 500}]
JOBS = [{"id": "j1", "createdAt": "2026-08-03T00:00:00Z", "flavor": "cpu-basic",
         "owner": {"id": "1", "name": "alice", "type": "user"}, "status": {"stage": "RUNNING"}}]
ZERO = {"base": 2400, "current": 1810, "resetsAt": "2026-09-30T09:12:03.000Z"}


class Forever(httpx2.AsyncByteStream):
    """A body that sends `head` and then never ends."""

    def __init__(self, head: bytes) -> None:
        self.head = head

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield self.head
        await asyncio.sleep(3600)


def live_stream(event: dict[str, Any]) -> httpx2.Response:
    """An SSE response: a `count` keep-alive, a partial `usage` event, a complete one, then it stays open."""
    body = (b"event: count\ndata: 1\n\nevent: usage\ndata: {\"inference\": {}}\n\n"
            + f"event: usage\ndata: {json.dumps(event)}\n\n".encode())
    return httpx2.Response(200, headers={"content-type": "text/event-stream"}, stream=Forever(body))


async def stall(request: httpx2.Request) -> httpx2.Response:
    """A request that never gets an answer."""
    await asyncio.sleep(3600)
    raise AssertionError("unreachable")


class MiniHub:
    """Routes on path; `override(pattern, reply)` replaces the answer of every path matching a regex."""

    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []
        self.overrides: list[tuple[re.Pattern[str], Reply]] = []

    def override(self, pattern: str, reply: Reply) -> None:
        """Answer paths matching `pattern` (searched) with `reply` from now on; later overrides win."""
        self.overrides.insert(0, (re.compile(pattern), reply))

    def count(self, pattern: str) -> int:
        """How many requests went to paths matching `pattern`."""
        return sum(1 for r in self.requests if re.search(pattern, r.url.path))

    def transport(self) -> httpx2.MockTransport:
        """The fake as a transport for HubClient."""
        return httpx2.MockTransport(self.handle)

    async def handle(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return httpx2.Response(401, headers={"X-Error-Message": "Invalid credentials in Authorization header"})
        path = request.url.path
        for pattern, reply in self.overrides:
            if pattern.search(path):
                if isinstance(reply, httpx2.Response):
                    return reply
                out = reply(request)
                return out if isinstance(out, httpx2.Response) else await out
        return self.default(request)

    def default(self, request: httpx2.Request) -> httpx2.Response:
        path = request.url.path
        billing = re.fullmatch(r"/api/(?:settings|organizations/[^/]+)/billing/(.+)", path)
        body: Any
        if path == "/api/whoami-v2":
            body = p.WHOAMI
        elif billing:
            tail = billing[1]
            if tail == "usage/live":
                return live_stream(p.LIVE)
            body = {"usage-v2": p.USAGE_V2, "usage": p.STATEMENT, "usage/jobs": p.JOB_CHARGES,
                    "usage-by-inference-session": p.SESSIONS,
                    "usage-by-resource-group": {"currency": "usd", "periods": []}}.get(tail)
        elif path == "/api/spaces/zero-gpu/quota":
            body = ZERO
        elif path in ("/api/spaces/hardware", "/api/jobs/hardware"):
            body = p.HARDWARE
        elif path == "/api/spaces":
            body = p.SPACES if request.url.params.get("author") == "alice" else []
        elif path in ("/api/models", "/api/datasets"):
            mine = p.MODELS if path == "/api/models" else p.DATASETS
            body = mine if request.url.params.get("author") == "alice" else []
        elif path == "/api/organizations/acme/members":
            body = p.MEMBERS
        elif path == "/api/organizations/acme/resource-groups":  # a Team org without groups
            body = []
        elif path.startswith("/api/scheduled-jobs/"):
            body = []
        elif path.startswith("/api/jobs/"):
            body = JOBS if path.endswith("/alice") else []
        elif path in ("/api/settings/repositories", "/api/organizations/acme/settings/repositories"):
            body = REPOS if path.startswith("/api/settings") else []
        elif path.startswith("/v2/endpoint/"):
            body = {"items": [p.ENDPOINT]}
        elif path.startswith("/v2/provider/"):
            body = p.PROVIDER
        elif path == "/v1/models":
            body = p.ROUTER
        else:
            body = None
        if body is None:
            return httpx2.Response(404, json={"error": "not found"})
        return httpx2.Response(200, json=body, headers={"RateLimit": '"api";r=900;t=200',
                                                        "RateLimit-Policy": '"fixed window";"api";q=1000;w=300'})
