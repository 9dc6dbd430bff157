"""FakeHub: the scenario clock, authentication, rate limiting, faults, and dispatch to the route modules."""

from __future__ import annotations

import asyncio
import bisect
import hashlib
import random
import threading
import time
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any, Protocol, TypeVar, cast

import httpx2

from hfmon.fakehub import faults as fl
from hfmon.fakehub.scenario import (
    FULL_TOKEN,
    NO_BILLING_TOKEN,
    NO_ENDPOINTS_TOKEN,
    OTHER_USER_TOKEN,
    RATE_LIMIT_QUOTA,
    EndpointDef,
    Faults,
    Scenario,
)
from hfmon.fakehub.traffic import Traffic
from hfmon.fakehub.wire import JSON_TYPE, HTTPError, Req, Resp, dumps, error_resp

WINDOW_S = 300
CACHE_SIZE = 512
PAGE_CACHE_BYTES = 64 << 20
"""Rendered listing pages kept (oldest dropped first): a warm benchmark poll re-reads them instead of rendering."""
T = TypeVar("T")


class Created(Protocol):
    """Anything listed from the time it was created."""

    @property
    def created_at(self) -> datetime:
        """When it appeared."""
        ...


C = TypeVar("C", bound=Created)
TOKENS = {FULL_TOKEN: "full", NO_BILLING_TOKEN: "nobilling", NO_ENDPOINTS_TOKEN: "noendpoints",
          OTHER_USER_TOKEN: "other"}
INVALID = "Invalid credentials in Authorization header"


@dataclass(frozen=True)
class Record:
    """One request the hub answered."""

    method: str
    path: str
    status: int


class RequestLog:
    """Thread-safe log of (method, path, status) of every request received."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: list[Record] = []

    def add(self, rec: Record) -> None:
        """Append a record."""
        with self._lock:
            self._items.append(rec)

    def __len__(self) -> int:
        return len(self._items)

    def __iter__(self) -> Iterator[Record]:
        with self._lock:
            return iter(list(self._items))

    def count(self, path: str | None = None, *, prefix: str | None = None, status: int | None = None) -> int:
        """How many requests matched an exact path, a path prefix and/or a status."""
        return sum(1 for r in self if (path is None or r.path == path)
                   and (prefix is None or r.path.startswith(prefix)) and (status is None or r.status == status))

    def clear(self) -> None:
        """Forget every record."""
        with self._lock:
            self._items.clear()


@dataclass(frozen=True)
class Ctx:
    """What a route handler needs: the hub, the request, the scenario time and who is calling."""

    hub: FakeHub
    req: Req
    now: datetime
    who: str | None  # "full", "nobilling", "noendpoints", "other" (another user's full token) or None (anonymous)

    @property
    def scn(self) -> Scenario:
        """The scenario, as the caller's user sees it (OTHER_USER_TOKEN: its other user's)."""
        return self.hub.scenario if self.who != "other" else self.hub.other_user_scenario()

    def upto_now(self, key: Hashable, build: Callable[[], list[C]]) -> list[C]:
        """The rows `build()` lists (built once per key) that exist at the scenario time (created_at <= now)."""
        rows, times = self.hub.cached(key, lambda: _with_times(build()))
        seen = bisect.bisect_right(times, self.now)
        if seen == len(times):
            return rows
        return self.hub.cached((key, seen), lambda: [r for r in rows if r.created_at <= self.now])

    def json_memo(self, key: Hashable, build: Callable[[], Any]) -> Resp:
        """A 200 JSON answer rendered once per `key` and scenario instant (then the same bytes): `key` names what
        else than the path the body depends on (its query); the path, the caller, the time and the router requests
        posted so far (usage and sessions count them) are added here. The fake's state changes (an endpoint paused)
        forget every memoised body."""
        memo = (self.req.path, key, self.who, self.now, len(self.hub.traffic.ledger))
        return Resp(200, self.hub.cached_page(memo, lambda: dumps(build())), [("Content-Type", JSON_TYPE)])

    def need_auth(self) -> str:
        """The caller's token kind; 401 when anonymous."""
        if self.who is None:
            raise HTTPError(401, INVALID)
        return self.who


class _Transport(httpx2.MockTransport):
    """MockTransport that applies the latency knob with time.sleep (sync) or asyncio.sleep (async)."""

    def __init__(self, hub: FakeHub) -> None:
        super().__init__(hub.handle)
        self.hub = hub

    def handle_request(self, request: httpx2.Request) -> httpx2.Response:
        request.read()
        resp = self.hub.respond(request)
        if resp.delay_s:
            time.sleep(resp.delay_s)
        return self.hub.to_httpx(resp, request)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        await request.aread()
        resp = self.hub.respond(request)
        if resp.delay_s:
            await asyncio.sleep(resp.delay_s)
        return self.hub.to_httpx(resp, request)


class FakeHub:
    """A fake Hugging Face (Hub, Inference Endpoints API, router) answering from a Scenario."""

    def __init__(self, scenario: Scenario, *, now: Callable[[], datetime] | None = None, speed: float = 1.0) -> None:
        self.scenario = scenario
        self.speed = speed
        self._now = now
        self._origin = time.monotonic()
        self.faults: Faults = replace(scenario.faults)
        self.requests = RequestLog()
        self.traffic = Traffic(scenario)
        self._lock = threading.Lock()
        self._seq = 0
        self._asked: dict[str, int] = {}  # URL (path and query) -> times asked, for the fault draws
        self._latency_rng = random.Random(f"{scenario.seed}/latency")
        self._windows: dict[str, tuple[int, int]] = {}
        self._burst_left = self.faults.rate_limit_burst
        self._burst_armed = self.faults.rate_limit_burst
        self._cache: dict[Hashable, object] = {}
        self._pages: dict[Hashable, bytes] = {}
        self._page_bytes = 0
        self._other = (scenario, scenario.as_other_user())
        self.route_faults: list[fl.RouteFault] = []
        """Scripted per-route misbehaviour (fault tests); see `faults.RouteFault`."""
        self.stream_gap_s = 0.0
        """Pause before each chunk of a streamed router answer on loopback (a slow model; disconnect tests)."""

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Memoise a pure computation; keys must include everything it depends on (e.g. the now-minute)."""
        with self._lock:
            if key in self._cache:
                return cast(T, self._cache[key])
        value = compute()
        with self._lock:
            if len(self._cache) >= CACHE_SIZE:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = value
        return value

    def cached_page(self, key: Hashable, render: Callable[[], bytes]) -> bytes:
        """A rendered page body, memoised (at most PAGE_CACHE_BYTES of them); `key` must include everything the
        page depends on (route, query, caller, scenario time). Apart from `cached`: pages are many and large."""
        with self._lock:
            body = self._pages.get(key)
        if body is not None:
            return body
        body = render()
        with self._lock:
            while self._pages and self._page_bytes + len(body) > PAGE_CACHE_BYTES:
                self._page_bytes -= len(self._pages.pop(next(iter(self._pages))))
            if key not in self._pages and len(body) <= PAGE_CACHE_BYTES:
                self._pages[key] = body
                self._page_bytes += len(body)
        return body

    def other_user_scenario(self) -> Scenario:
        """`scenario.as_other_user()`, made once per scenario."""
        with self._lock:
            source, other = self._other
            if source is not self.scenario:
                self._other = source, other = self.scenario, self.scenario.as_other_user()
        return other

    def replace_endpoint(self, old: EndpointDef, new: EndpointDef) -> None:
        """Swap an endpoint definition (after a pause/resume/scale-to-zero) and forget memoised figures."""
        with self._lock:
            eps = tuple(new if e is old or e.id == old.id else e for e in self.scenario.endpoints)
            self.scenario = replace(self.scenario, endpoints=eps)
            self._cache.clear()
            self._pages.clear()
            self._page_bytes = 0

    def now(self) -> datetime:
        """The scenario time."""
        if self._now is not None:
            return self._now()
        return self.scenario.start + timedelta(seconds=(time.monotonic() - self._origin) * self.speed)

    def transport(self) -> httpx2.MockTransport:
        """A transport for sync and async httpx2 clients that answers from this hub."""
        return _Transport(self)

    def handle(self, request: httpx2.Request) -> httpx2.Response:
        """Answer one httpx2 request (no latency applied: use transport() for that)."""
        request.read()
        return self.to_httpx(self.respond(request), request)

    def to_httpx(self, resp: Resp, request: httpx2.Request) -> httpx2.Response:
        """Turn a Resp into an httpx2 Response; a stall becomes a ReadTimeout."""
        if resp.stall_s:
            raise httpx2.ReadTimeout("fake hub stalled past the client timeout", request=request)
        extensions = {"reason_phrase": resp.reason.encode()} if resp.reason else None
        content = resp.body + b"".join(resp.chunks)
        return httpx2.Response(resp.status, headers=resp.headers, content=content, request=request,
                               extensions=extensions)

    def respond(self, request: httpx2.Request) -> Resp:
        """Answer an httpx2 request as a transport-neutral Resp."""
        url = request.url
        port = f":{url.port}" if url.port else ""
        req = Req(request.method, url.path, [(k, v) for k, v in url.params.multi_items()],
                  {k.lower(): v for k, v in request.headers.items()}, request.content,
                  f"{url.scheme}://{url.host}{port}")
        return self.answer(req)

    def answer(self, req: Req) -> Resp:
        """Answer a request: auth, rate limit, faults, route, then body faults."""
        now = self.now()
        token = req.bearer()
        who = TOKENS.get(token) if token else None
        with self._lock:
            self._seq += 1
            seq = self._seq
            # drawn per request, from its URL and how many times it was asked: the same faults whatever order
            # concurrent requests arrive in (a poll's order varies with the machine's load)
            url = f"{req.path}?{'&'.join(f'{k}={v}' for k, v in req.query)}"
            asked = self._asked[url] = self._asked.get(url, 0) + 1
            plan = fl.decide(random.Random(f"{self.scenario.seed}/faults/{url}/{asked}"), self.faults)
            delay = (self.scenario.latency_ms + self._latency_rng.uniform(0, self.scenario.jitter_ms)) / 1000
            limited, remaining, reset, quota = self._count(token if token and who else "anonymous", now)
            burst = self._burst(seq)
        rl = [("RateLimit", f'"api";r={0 if burst else remaining};t={reset}'),
              ("RateLimit-Policy", f'"fixed window";"api";q={quota};w={WINDOW_S}')]
        try:
            if token is not None and who is None:
                raise HTTPError(401, INVALID)
            if limited or burst:
                raise HTTPError(429, f"You have exceeded our rate limit for the 'api' resource. Retry after "
                                f"{reset} seconds ({0 if burst else remaining}/{quota} requests remaining in "
                                f"current {WINDOW_S}s window).", headers=[("Retry-After", str(max(1, reset)))])
            if plan.error_status is not None:
                raise HTTPError(plan.error_status, "Internal Error - We're working hard to fix this as soon as "
                                "possible!" if plan.error_status == 500 else "Service Unavailable")
            resp = self._route(Ctx(self, req, now, who))
        except HTTPError as err:
            resp = error_resp(err)
        resp = self._body_faults(resp, plan)
        if self.route_faults:
            with self._lock:
                resp = fl.apply_route_faults(self.route_faults, req.path, resp, req.query)
        # HF dates every answer by its own clock (RFC 9110 Date), the scenario's here
        resp.headers += [("Date", format_datetime(now.astimezone(UTC), usegmt=True)),
                         ("X-Request-Id", _request_id(self.scenario.seed, seq)), *rl,
                         ("X-Powered-By", "huggingface-moon"),
                         ("Access-Control-Expose-Headers", "X-Repo-Commit,X-Request-Id,X-Error-Code,"
                          "X-Error-Message,X-Total-Count,ETag,Link,Accept-Ranges,Content-Range")]
        resp.delay_s = max(0.0, delay)
        if plan.stall:
            resp.stall_s = self.faults.stall_seconds
        self.requests.add(Record(req.method, req.path, resp.status))
        return resp

    def _count(self, key: str, now: datetime) -> tuple[bool, int, int, int]:
        quota = self.scenario.quota() if key != "anonymous" else RATE_LIMIT_QUOTA["anonymous"]
        ts = int(now.timestamp())
        window = ts - ts % WINDOW_S
        start, used = self._windows.get(key, (window, 0))
        if start != window:
            start, used = window, 0
        used += 1
        self._windows[key] = (start, used)
        return used > quota, max(0, quota - used), start + WINDOW_S - ts, quota

    def _burst(self, seq: int) -> bool:
        f = self.faults
        if f.rate_limit_burst != self._burst_armed:  # knob changed at runtime: arm a new burst
            self._burst_armed = self._burst_left = f.rate_limit_burst
        if f.rate_limit_period and seq % f.rate_limit_period == 0:
            self._burst_left = f.rate_limit_burst
        if self._burst_left > 0:
            self._burst_left -= 1
            return True
        return False

    def _body_faults(self, resp: Resp, plan: fl.Plan) -> Resp:
        ctype = resp.header("Content-Type") or ""
        if resp.status >= 300 or "json" not in ctype:
            return resp
        if self.faults.schema_drift:
            resp.body = fl.drift_body(resp.body)
        if plan.malformed:
            resp.body = fl.malform(resp.body)
        elif plan.truncate:
            full = len(resp.body)
            resp.body = fl.truncate(resp.body)
            resp.declared_length = full
        return resp

    def _route(self, ctx: Ctx) -> Resp:
        from hfmon.fakehub import routes_billing, routes_endpoints, routes_hub, routes_models, routes_router

        path = ctx.req.path
        if path.startswith("/v2/"):
            resp = routes_endpoints.route(ctx)
        elif path.startswith("/v1/"):
            resp = routes_router.route(ctx)
        elif "/billing/" in path or path == "/api/spaces/zero-gpu/quota":
            resp = routes_billing.route(ctx)
        elif path.startswith("/api/"):
            resp = routes_models.route(ctx) or routes_hub.route(ctx)
        else:
            resp = None
        if resp is None:
            raise HTTPError(404, f"Cannot {ctx.req.method} {path}")
        return resp


def _with_times(rows: list[C]) -> tuple[list[C], list[datetime]]:
    """Rows with their creation times sorted: how many exist at a time is one bisect, and names the subset."""
    return rows, sorted(r.created_at for r in rows)


def _request_id(seed: int, seq: int) -> str:
    digest = hashlib.sha256(f"{seed}/{seq}".encode()).hexdigest()
    return f"Root=1-{digest[:8]}-{digest[8:32]};{digest[32:40]}-{digest[40:44]}-{digest[44:48]}-{digest[48:52]}-" \
           f"{digest[52:64]}"
