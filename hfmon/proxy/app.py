"""The metering proxy as a small ASGI app: forwards OpenAI-compatible requests to the router with the caller's own
token, passes answers through unchanged (streams chunk by chunk), and hands one ledger row per request to a sink.

It never reads, logs or keeps a prompt or a completion beyond passing the bytes on: only the `usage` object, the
model, the provider and ids reach the ledger.
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

import httpx2

from hfmon.clock import Clock, SystemClock
from hfmon.ledger import LedgerRow, Outcome
from hfmon.pricing.catalog import ModelOverrides, model_prices
from hfmon.proxy import meter, wire
from hfmon.proxy.callers import Callers, name_of
from hfmon.proxy.prices import PriceBook
from hfmon.proxy.wire import Receive, Scope, Send

if TYPE_CHECKING:
    from hfmon.store.journal import Journal

log = logging.getLogger(__name__)

TIMEOUT = httpx2.Timeout(connect=10.0, read=600.0, write=60.0, pool=60.0)  # a slow model may think for minutes
_TIMEOUTS = TIMEOUT.as_dict()  # as a request's `timeout` extension (the requests go straight to the pool)
LIMITS = httpx2.Limits(max_connections=256, max_keepalive_connections=64)
# Hop-by-hop and framing headers (lower case, as bytes): each side of the proxy sets its own.
_DROP_REQUEST = frozenset({b"host", b"content-length", b"connection", b"keep-alive", b"transfer-encoding", b"te",
                           b"upgrade", b"proxy-authorization", b"proxy-connection", b"accept-encoding", b"trailer"})
_IDENTITY = (b"accept-encoding", b"identity")  # the proxy reads `usage`: no compressed answers (and should one
# come compressed anyway, it is decoded and passed on without its content-encoding)
SERVED = "hfmon proxy serves POST /v1/chat/completions, /v1/completions, /v1/embeddings and GET /v1/models"


@dataclass
class _Exchange:
    """What one request through the proxy has shown so far (becomes its ledger row)."""

    at: datetime
    started: float
    route: str
    model: str
    policy: str | None
    namespace: str | None
    session_id: str | None
    streamed: bool
    status: int | None = None
    outcome: Outcome = Outcome.BAD_RESPONSE
    provider: str | None = None
    request_id: str | None = None
    ttfb_s: float | None = None
    latency_s: float | None = None
    tokens: tuple[int, int] | None = None
    entry: str | None = None  # its key in the journal
    caller: asyncio.Future[str | None] | None = None  # whose token made it (the lookup)
    journaled: LedgerRow | None = None  # its row as journaled before its answer's end


def _known(lookup: asyncio.Future[str | None] | None) -> str | None:
    """The account a request's caller lookup found, when it has finished (None: not yet, or not found)."""
    return name_of(lookup) if lookup is not None and lookup.done() else None


class ProxyApp:
    """ASGI app: the metering proxy. `sink` receives one LedgerRow per metered request (it must not block); with a
    `journal`, each request is journaled as it is sent on and as it ends, before its row goes to the sink."""

    def __init__(self, upstream: str, sink: Callable[[LedgerRow], None], *, hub: str, bill_to: str | None = None,
                 run_id: str | None = None, clock: Clock | None = None,
                 transport: httpx2.AsyncBaseTransport | None = None, overrides: ModelOverrides | None = None,
                 journal: Journal | None = None) -> None:
        self.upstream = upstream.rstrip("/")
        self.sink = sink
        self.journal = journal
        self.bill_to = bill_to
        self.run_id = run_id
        self.instance = secrets.token_hex(8)  # this process's sessions are its own (meter.session_id)
        self.clock = clock or SystemClock()
        self.prices = PriceBook(dict(overrides or {}), model_prices((), overrides))  # until the router's are read
        self.callers = Callers(hub, lambda: self.client, self.clock)  # whose token made each request (Hub's whoami)
        # requests left unpriced because the prices could not be read: what they are priced as → why (for a receipt)
        self.unpriced_why: dict[str, str] = {}
        self._transport = transport
        self._client: httpx2.AsyncClient | None = None
        self._pool: httpx2.AsyncBaseTransport | None = None
        # Parsed once: each metered route's upstream URL (parsing one costs more than the rest of a request's setup).
        self._urls = {path: httpx2.URL(self.upstream + path) for path in meter.ROUTES}

    @property
    def client(self) -> httpx2.AsyncClient:
        """The client over the one upstream connection pool (opened at startup), for the unmetered reads."""
        if self._client is None:
            self._pool = self._transport or httpx2.AsyncHTTPTransport(limits=LIMITS, trust_env=False)
            self._client = httpx2.AsyncClient(transport=self._pool, timeout=TIMEOUT, follow_redirects=False,
                                              trust_env=False)
        return self._client

    @property
    def pool(self) -> httpx2.AsyncBaseTransport:
        """The one upstream connection pool: metered requests go straight to it (httpx2's transport), past the
        client's redirect, cookie and auth layers that a proxy passing answers through unchanged has no use for."""
        if self._pool is None:
            _ = self.client
        assert self._pool is not None
        return self._pool

    async def startup(self) -> None:
        """Open the pool and read the prices once before serving."""
        await self.prices.refresh(self.client, f"{self.upstream}/v1/models")

    async def shutdown(self) -> None:
        """Hand over the rows still waiting for whose token made them, then close the pool."""
        await self.callers.settle()
        if self._client is not None:
            await self._client.aclose()
            self._client = self._pool = None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "lifespan":
            await self._lifespan(receive, send)
        elif scope["type"] == "http":
            await self._http(scope, receive, send)

    async def _lifespan(self, receive: Receive, send: Send) -> None:
        while True:
            message = await receive()
            if message["type"] == "lifespan.startup":
                await self.startup()
                await send({"type": "lifespan.startup.complete"})
            elif message["type"] == "lifespan.shutdown":
                await self.shutdown()
                await send({"type": "lifespan.shutdown.complete"})
                return

    async def _http(self, scope: Scope, receive: Receive, send: Send) -> None:
        path, method = scope["path"], scope["method"]
        route = meter.ROUTES.get(path) if method == "POST" else None
        if route is None:
            if method == "GET" and (path == "/v1/models" or path.startswith("/v1/models/")):
                await self._pass(scope, receive, send)
            else:
                await wire.answer(send, 404, {"error": {"message": SERVED, "type": "not_found"}})
            return
        body = await wire.read_body(receive)
        if body is wire.GONE:
            return  # the caller hung up before its request was complete: nothing was sent on
        if body is None:
            await wire.answer(send, 413, {"error": {"message": f"request body over {wire.MAX_REQUEST >> 20} MB",
                                                "type": "invalid_request_error"}})
            return
        await self._metered(scope, receive, send, route, body)

    async def _pass(self, scope: Scope, receive: Receive, send: Send) -> None:
        """An unmetered GET (the model list): forwarded and answered as is."""
        await wire.read_body(receive)
        request = self.client.build_request("GET", self._url(scope), headers=self._headers(scope, None, None))
        try:
            resp = await self.client.send(request, stream=True)
        except httpx2.HTTPError as exc:
            await wire.answer(send, *wire.failure(exc)[1:])
            return
        try:
            content = await wire.bounded(resp)
        except (*wire.UNREADABLE, wire.TooLarge) as exc:
            await wire.answer(send, *wire.failure(exc)[1:])
            return
        finally:
            await resp.aclose()
        await wire.start_answer(send, resp, len(content))
        await send({"type": "http.response.body", "body": content})

    def _url(self, scope: Scope) -> str:
        query = scope.get("query_string") or b""
        return f"{self.upstream}{scope['path']}" + (f"?{query.decode('latin-1')}" if query else "")

    def _headers(self, scope: Scope, namespace: str | None, session: str | None) -> list[tuple[bytes, bytes]]:
        """The caller's headers (its own Authorization among them, never hfmon's) plus bill-to and session."""
        out = [(k, v) for k, v in scope["headers"] if k.lower() not in _DROP_REQUEST]
        out.append(_IDENTITY)
        names = {k.lower() for k, _ in out}
        if namespace is not None and b"x-hf-bill-to" not in names:
            out.append((b"x-hf-bill-to", namespace.encode()))
        if session is not None and b"x-hf-session-id" not in names:
            out.append((b"X-HF-Session-id", session.encode()))
        return out

    async def _metered(self, scope: Scope, receive: Receive, send: Send, route: str, body: bytes) -> None:
        started = time.perf_counter()
        at = self.clock.now().astimezone(UTC)
        doc = wire.json_or_none(body)
        requested = doc.get("model") if isinstance(doc, dict) else None
        model, policy = meter.split_model(requested if isinstance(requested, str) else "")
        header = dict((k.lower(), v) for k, v in scope["headers"])
        caller_ns = header.get(b"x-hf-bill-to")
        namespace = caller_ns.decode("latin-1") if caller_ns else self.bill_to
        caller_session = header.get(b"x-hf-session-id")
        session = (caller_session.decode("latin-1") if caller_session
                   else meter.hourly_session_id(namespace, model, at, self.run_id, self.instance) if model else None)
        streamed = isinstance(doc, dict) and doc.get("stream") is True
        strip = False
        if streamed and isinstance(doc, dict):
            body, strip = meter.ask_for_usage(body, doc)
        ex = _Exchange(at, started, route, model or "unknown", policy, namespace, session, streamed)
        ex.caller = self.callers.lookup(header.get(b"authorization"))  # beside the request: never waited for
        if self.journal is not None and (entry := self.journal.key()) is not None:
            ex.entry = entry  # journaled before it goes: killed from here on, the proxy leaves it as under way
            self.journal.start(self._row(ex, _known(ex.caller), Outcome.PROXY_STOPPED))
        self.prices.maybe_refresh(self.client, f"{self.upstream}/v1/models")
        url = self._urls[scope["path"]] if not scope.get("query_string") else httpx2.URL(self._url(scope))
        request = httpx2.Request("POST", url, content=body, headers=self._headers(scope, namespace, session),
                                 extensions={"timeout": _TIMEOUTS})
        # The exchange runs in this task; a watcher cancels it when the caller hangs up (one task, not two).
        this, hung_up = asyncio.current_task(), False

        def on_hang_up(watcher: asyncio.Future[None]) -> None:
            nonlocal hung_up
            if not watcher.cancelled() and watcher.exception() is None and this is not None:
                hung_up = True
                this.cancel()

        watch = asyncio.ensure_future(wire.disconnected(receive))
        watch.add_done_callback(on_hang_up)
        try:
            await self._exchange(request, send, ex, strip)
        except asyncio.CancelledError:
            if not hung_up:
                raise
            if this is not None:
                this.uncancel()
            ex.outcome = Outcome.CLIENT_DISCONNECTED
        except OSError:  # the server says the caller is gone
            ex.outcome = Outcome.CLIENT_DISCONNECTED
        finally:
            watch.remove_done_callback(on_hang_up)
            watch.cancel()
            if ex.latency_s is None:
                ex.latency_s = time.perf_counter() - started
            self._hand_over(ex)

    def _hand_over(self, ex: _Exchange) -> None:
        """Hand the request's row to the sink once whose token made it is known (at once when it already is)."""
        caller = ex.caller
        if caller is None or caller.done():
            self._deliver(self._row_of(ex, _known(caller)))
        else:
            if self.journal is not None:
                self.journal.note(self._row_of(ex, None), last=False)
            caller.add_done_callback(lambda found: self._deliver(self._row_of(ex, name_of(found))))

    def _row_of(self, ex: _Exchange, caller: str | None) -> LedgerRow:
        """The request's row: the one journaled before its answer's end when nothing changed since."""
        row = ex.journaled
        if row is not None and row.caller == caller and row.outcome is ex.outcome and row.latency_s == ex.latency_s:
            return row
        return self._row(ex, caller)

    def _ending(self, ex: _Exchange) -> None:
        """Journal a request's row as it stands before the end of its answer goes to the caller: killed after that,
        the proxy leaves this row, not one under way."""
        if self.journal is not None and ex.entry is not None:
            ex.journaled = self._row(ex, _known(ex.caller))
            self.journal.note(ex.journaled, last=False)

    def _deliver(self, row: LedgerRow) -> None:
        """Journal a request's row, then hand it to the sink."""
        if self.journal is not None:
            self.journal.note(row)
        self.sink(row)

    async def _exchange(self, request: httpx2.Request, send: Send, ex: _Exchange, strip: bool) -> None:
        """Send the request upstream and the answer back; fills `ex` as it learns."""
        try:
            resp = await self.pool.handle_async_request(request)
        except httpx2.HTTPError as exc:
            ex.outcome, status, error = wire.failure(exc)
            self._ending(ex)
            await wire.answer(send, status, error)
            return
        resp.request = request
        try:
            ex.ttfb_s = time.perf_counter() - ex.started
            ex.status = resp.status_code
            ex.provider = meter.served_by(ex.policy, resp.headers.get("x-inference-provider"))
            ex.request_id = resp.headers.get("x-request-id")
            ctype = resp.headers.get("content-type", "")
            if ctype.startswith("text/event-stream"):
                await self._stream(resp, send, ex, strip)
            else:
                await self._whole(resp, send, ex)
        finally:
            await resp.aclose()

    async def _whole(self, resp: httpx2.Response, send: Send, ex: _Exchange) -> None:
        """A whole (not streamed) answer: held up to MAX_ANSWER and passed on at once, its usage read from the whole
        (a gateway error when it cannot be read); a larger one is passed on as it comes (HF has answered and billed
        it), its usage read from its last bytes (unknown when it is not there)."""
        pieces = wire.answer_bytes(resp, wire.MAX_PASSED)
        held: list[bytes] = []
        size = 0
        try:
            async for piece in pieces:
                held.append(piece)
                size += len(piece)
                if size > wire.MAX_ANSWER:
                    break
        except (*wire.UNREADABLE, wire.TooLarge) as exc:
            ex.outcome, status, error = wire.failure(exc)
            self._ending(ex)
            await wire.answer(send, status, error)
            return
        ok = resp.status_code < 400
        output_counted = ex.route != "embedding"
        ex.outcome = Outcome.OK if ok else Outcome.HTTP_ERROR
        if size <= wire.MAX_ANSWER:
            content = b"".join(held)
            if ok:
                ex.tokens = meter.usage_of(wire.json_or_none(content), output_counted=output_counted)
            await wire.start_answer(send, resp, len(content))
            ex.latency_s = time.perf_counter() - ex.started
            self._ending(ex)
            await send({"type": "http.response.body", "body": content})
        else:
            tail = await self._pass_on(resp, send, ex, held, pieces)
            if ok:
                ex.tokens = meter.usage_at_end(tail, output_counted=output_counted)
            ex.latency_s = time.perf_counter() - ex.started
            self._ending(ex)
            await send({"type": "http.response.body", "body": b""})

    @staticmethod
    async def _pass_on(resp: httpx2.Response, send: Send, ex: _Exchange, held: list[bytes],
                       pieces: AsyncIterator[bytes]) -> bytes:
        """A whole answer too large to hold, passed on as it comes (`held` first) but for its end; its last bytes
        (`meter.Tail`)."""
        tail = meter.Tail()
        await wire.start_answer(send, resp, None)
        for piece in held:
            tail.feed(piece)
            await send({"type": "http.response.body", "body": piece, "more_body": True})
        held.clear()
        try:
            async for piece in pieces:
                tail.feed(piece)
                await send({"type": "http.response.body", "body": piece, "more_body": True})
        except (*wire.UNREADABLE, wire.TooLarge) as exc:
            ex.outcome = wire.failure(exc)[0]
            raise wire.BrokenOff from exc  # the caller has the headers: dropping its connection tells it
        return tail.bytes

    async def _stream(self, resp: httpx2.Response, send: Send, ex: _Exchange, strip: bool) -> None:
        stream = meter.StreamMeter(strip)
        await wire.start_answer(send, resp, None)
        try:  # held by no one past an event, so a stream is never cut at MAX_ANSWER, compressed or not
            async for chunk in wire.answer_bytes(resp, wire.MAX_PASSED):
                out = stream.feed(chunk)
                if out:
                    await send({"type": "http.response.body", "body": out, "more_body": True})
        except (*wire.UNREADABLE, wire.TooLarge) as exc:
            ex.outcome = wire.failure(exc)[0]
            # The caller has the headers already: its connection is dropped, so that it sees the break too.
            raise wire.BrokenOff from exc
        rest = stream.finish()
        ex.latency_s = time.perf_counter() - ex.started
        if resp.status_code >= 400:
            ex.outcome = Outcome.HTTP_ERROR
        elif stream.done:
            ex.tokens, ex.outcome = stream.usage, Outcome.OK
        else:  # ended without its `data: [DONE]`: cut short, whatever usage it carried so far is not the answer's
            ex.outcome = Outcome.BAD_RESPONSE
        self._ending(ex)
        await send({"type": "http.response.body", "body": rest})

    def _row(self, ex: _Exchange, caller: str | None, outcome: Outcome | None = None) -> LedgerRow:
        outcome = ex.outcome if outcome is None else outcome
        tokens = ex.tokens if outcome is Outcome.OK else None
        estimated: Decimal | None = meter.estimate_usd(self.prices.prices, ex.model, ex.provider, tokens)
        row = LedgerRow(
            at=ex.at, namespace=ex.namespace, route=ex.route, model=ex.model, policy=ex.policy, provider=ex.provider,
            streamed=ex.streamed, status=ex.status, outcome=outcome, ttfb_s=ex.ttfb_s, latency_s=ex.latency_s,
            prompt_tokens=tokens[0] if tokens else None, completion_tokens=tokens[1] if tokens else None,
            request_id=ex.request_id, session_id=ex.session_id, estimated_usd=estimated, run_id=self.run_id,
            caller=caller, entry=ex.entry)
        if tokens is not None and estimated is None and (why := self.prices.why_unpriced(ex.model, ex.provider)):
            self.unpriced_why[row.priced_as] = why
        return row
