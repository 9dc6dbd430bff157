"""The one HTTP seam: an httpx2 AsyncClient behind explicit timeouts, the governor, and error mapping.

Every request of hfmon goes through `Requester`. Failures become `hfmon.errors` exceptions whose text
never contains the token (it only travels in the Authorization header; server messages are scrubbed).
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import math
import time
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, TypeVar

import httpx2

from hfmon import __version__
from hfmon.api.ahead import Ahead, probing, record
from hfmon.api.bodies import BodyError, BodyTooLarge, decoded_body
from hfmon.api.governor import Admission, Governor, capped, time_left
from hfmon.api.http_errors import status_error, transport_error, what_of
from hfmon.api.jsonbody import decode_json
from hfmon.api.pages import PageParser
from hfmon.api.priority import FIRST_PAGE, NEXT_PAGE, SINGLE, ChainSlot
from hfmon.api.server_clock import ServerClock
from hfmon.api.sse import sse_events
from hfmon.api.transport_urls import Body, Params, next_link, origin_of, url_and_params
from hfmon.apihealth import RequestLog
from hfmon.clock import Clock, SystemClock
from hfmon.errors import (
    ApiError,
    BadResponseError,
    NetworkError,
    RateLimitedError,
    TimedOutError,
    UnavailableError,
)
from hfmon.scrub import register_secret

if TYPE_CHECKING:
    from hfmon.api.netio import PoolTransport

log = logging.getLogger("hfmon.api")
log.addHandler(logging.NullHandler())  # never Python's last-resort stderr handler: it would paint over the TUI


MAX_PAGES = 200
PAGES_TOTAL_FACTOR = 4  # a whole listing may be at most 4 pages' worth of bytes (64 MB for 16 MB pages)
MB = 1 << 20
DEFAULT_MAX_BYTES = 8 * MB
"""The body cap of a route that names none: far above any real answer, far below what hurts memory."""
ERROR_BODY_BYTES = 64 * 1024  # an error body is read only for its message
OFF_LOOP_BYTES = 256_000  # ~10 ms of json + parsing: beyond that, do it off the event loop
T = TypeVar("T")


class Requester:
    """Sends GETs with a bearer token through one governed httpx2.AsyncClient."""

    def __init__(self, token: str, *, transport: httpx2.AsyncBaseTransport | None = None,
                 timeout_s: float = 10.0, connect_timeout_s: float = 5.0, governor: Governor | None = None,
                 api_of: Callable[[str], str] | None = None, clock: Clock | None = None) -> None:
        self._token = token
        register_secret(token)
        self._transport = transport
        self.timeout_s = timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.governor = governor or Governor()
        self._headers = httpx2.Headers({"accept-encoding": "gzip, deflate", "connection": "keep-alive",
                                        "authorization": f"Bearer {token}", "user-agent": f"hfmon/{__version__}",
                                        "accept": "application/json"})  # normalised once, copied per request
        self._sender: httpx2.AsyncBaseTransport | None = None
        self._network: PoolTransport | None = None
        """The sender when it is hfmon's own (the real network): it takes a URL without an httpx2.Request."""
        self._sender_loop: asyncio.AbstractEventLoop | None = None
        self.log = RequestLog()
        """The outcome and latency of every request, per API (HF's health as hfmon sees it)."""
        self.ahead = Ahead()
        """This poll's requests sent before the calls that read them (`hfmon.api.ahead`)."""
        self._api_of = api_of or (lambda url: "Hub")
        self._clock: Clock = clock or SystemClock()
        self.server_clock = ServerClock()
        """How far HF's clock is from hfmon's, by the `Date` of each answer."""

    # --- plumbing -----------------------------------------------------------------------------

    def _through(self) -> httpx2.AsyncBaseTransport:
        """The transport, built inside the running loop (connections belong to one loop)."""
        loop = asyncio.get_running_loop()
        if self._sender is None or self._sender_loop is not loop:
            sender, self._network = self._transport, None
            if sender is None:  # the real network; an injected transport (the in-process fake) needs not this module
                from hfmon.api.netio import PoolTransport  # (nor its TLS context: built at the first https connection)

                sender = self._network = PoolTransport(
                    max_connections=self.governor.max_in_flight + 8,
                    max_keepalive_connections=self.governor.max_in_flight)
            self._sender, self._sender_loop = sender, loop
        return self._sender

    @asynccontextmanager
    async def _exchange(self, target: str, query: Params | None, timeouts: dict[str, float],
                        accept: str | None = None) -> AsyncIterator[httpx2.Response]:
        """One GET of `target` (with `query`, the parameters `url_and_params` left to httpx2) straight through the
        transport, its response closed after the block.

        No httpx2.AsyncClient in between: hfmon used none of what it adds per request (redirects are never
        followed, since one to another host would carry the token; no cookies; no proxies or CA bundles from the
        environment), and it cost about 0.2 ms of CPU a request. On the real network, no httpx2.Request either:
        parsing a listing's URL as httpx2 does cost 100-250 µs (`netio.plain_target`).
        """
        headers = self._headers
        if accept is not None:
            headers = headers.copy()
            headers["accept"] = accept
        sender = self._through()
        if self._network is not None and query is None:
            response = await self._network.get(target, headers, timeouts)
        else:
            request = httpx2.Request("GET", target, params=query, headers=headers, extensions={"timeout": timeouts})
            response = await sender.handle_async_request(request)
            response.request = request
        try:
            yield response
        finally:
            await response.aclose()

    def prewarm(self, url: str, count: int) -> None:
        """On the real network, start opening `count` connections to `url`'s origin in the background (their
        handshakes then overlap a wait, such as the identity request every poll's other requests need)."""
        self._through()
        if self._network is not None:
            self._network.prewarm(url, count, self.connect_timeout_s)

    async def aclose(self) -> None:
        """Close the connection pool."""
        if self._sender is not None:
            sender, self._sender = self._sender, None
            try:
                await sender.aclose()
            except RuntimeError:  # the loop that owned it is gone; nothing left to close
                pass

    def _timeouts(self, budget_s: float | None = None) -> dict[str, float]:
        """httpx2's per-request timeouts: the read timeout (or `budget_s`), never past the poll's deadline."""
        read = self.timeout_s if budget_s is None else min(self.timeout_s, budget_s)
        left = time_left()
        if left is not None:
            if left <= 0.01:
                raise TimedOutError("the poll deadline passed before this request could be sent",
                                       "the service is slow; the next poll will try again")
            read = min(read, left)
        return {"connect": min(self.connect_timeout_s, read), "read": read, "write": read, "pool": read}

    def _record(self, url: str, started: float, status: int | None) -> None:
        """Log one request's outcome: answered (not 5xx, not 429) with its time to headers, or failed (None)."""
        latency = None if status is None else (time.perf_counter() - started) * 1000
        ok = status is not None and status < 500 and status != 429
        self.log.record(self._api_of(url), self._clock.now(), ok, latency)

    # --- requests -----------------------------------------------------------------------------

    async def get(self, url: str, params: Params | None = None, *, optional: bool = False,
                  forbidden_hint: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                  priority: int = SINGLE, chain: ChainSlot | None = None) -> Body:
        """GET with retries for 5xx, timeouts, dropped connections and 429s that fit in the deadline.

        When more requests are ready than may be in flight, `priority` orders them (`hfmon.api.priority`); with
        `chain`, the request uses the chain's kept slot and keeps it for the chain's next link.

        The body is read as a stream and refused past `max_bytes` (BadResponseError), so an endless or
        enormous answer costs at most that much memory and stops as soon as it passes the cap.
        """
        gov = self.governor
        attempt = 0
        target, query = url_and_params(url, params)
        key = ("get", target, repr(query))
        if probing():
            record(key, functools.partial(self.get, url, params, optional=optional, forbidden_hint=forbidden_hint,
                                          max_bytes=max_bytes, priority=priority))  # no chain: a slot of its own
        sent_ahead = self.ahead.take(key)
        if sent_ahead is not None:
            return await asyncio.shield(sent_ahead)
        while True:
            error: ApiError
            async with gov.admitted(optional=optional) as admission, gov.semaphore().hold(priority, chain):
                timeouts = self._timeouts()
                gov.note_sent(admission)
                started, recorded = time.perf_counter(), False
                try:
                    async with self._exchange(target, query, timeouts) as response:
                        self._record(url, started, response.status_code)
                        recorded = True
                        gov.observe(response.headers, admission)
                        self.server_clock.observe(response.headers, self._clock.now())
                        if response.is_success:
                            content = await self._read_capped(response, url, max_bytes)
                            sent = target if query is None else str(httpx2.URL(target, params=query))
                            return Body(content, response.headers, response.links, sent)
                        content = await self._read_capped(response, url, ERROR_BODY_BYTES, cut=True)
                        error = status_error(response, content, url, forbidden_hint)
                except httpx2.TransportError as exc:
                    if not recorded:
                        self._record(url, started, None)
                    error = transport_error(exc, url)
            if isinstance(error, RateLimitedError):
                gov.block_for(error.retry_after_s if error.retry_after_s is not None else 1.0)
                delay = error.retry_after_s or 1.0
            elif isinstance(error, UnavailableError | NetworkError):
                delay = gov.backoff_s(attempt)
            else:
                raise error
            if chain is not None:  # no slot held through a back-off
                chain.release()
            if attempt >= gov.max_retries or not await gov.sleep_within_deadline(delay):
                raise error
            attempt += 1
            gov.retries += 1
            log.debug("retrying %s after %.2fs (%s)", what_of(url), delay, error.message)

    async def _read_capped(self, response: httpx2.Response, url: str, max_bytes: int, *, cut: bool = False) -> bytes:
        """The (decoded) body, at most `max_bytes`: past it, the first `max_bytes` when `cut`, else an error.

        With `cut` (an error's body, read only for its message) an unreadable body is read as far as it goes: the
        failure's status is what counts."""
        declared = response.headers.get("content-length", "")
        if not cut and declared.isdigit() and len(declared) < 19 and int(declared) > max_bytes:
            raise self._too_large(url, max_bytes)
        chunks: list[bytes] = []
        size = 0
        try:
            async for chunk in self._body(response, url, max_bytes):
                chunks.append(chunk)
                size += len(chunk)
                if size > max_bytes:
                    if cut:
                        break
                    raise self._too_large(url, max_bytes)
        except BadResponseError:
            if not cut:
                raise
        return b"".join(chunks)[:max_bytes]

    async def _body(self, response: httpx2.Response, url: str, max_bytes: int) -> AsyncIterator[bytes]:
        """The body's decoded pieces, together at most `max_bytes` + 1 bytes (`bodies.decoded_body`); what cannot
        be read of it raises BadResponseError."""
        if response.is_stream_consumed:  # read and decoded already, by an in-process transport
            async for chunk in response.aiter_bytes():
                yield chunk
            return
        try:
            async for chunk in decoded_body(response.aiter_raw(), response.headers.get("content-encoding", ""),
                                            max_bytes):
                yield chunk
        except BodyTooLarge:
            raise self._too_large(url, max_bytes) from None
        except BodyError as exc:
            raise BadResponseError(f"unreadable response from {what_of(url)}: {exc}",
                                   "the next poll will try again") from None

    def _too_large(self, url: str, max_bytes: int) -> BadResponseError:
        return BadResponseError(f"response larger than {max_bytes / MB:g} MB from {what_of(url)}; not read",
                                "hfmon reads at most that much from this route; the next poll will try again")

    async def get_json(self, url: str, params: Params | None = None, *, optional: bool = False,
                       forbidden_hint: str | None = None, max_bytes: int = DEFAULT_MAX_BYTES,
                       priority: int = SINGLE) -> Any:
        """GET and decode a JSON body (BadResponseError when malformed, truncated or too large)."""
        body = await self.get(url, params, optional=optional, forbidden_hint=forbidden_hint, max_bytes=max_bytes,
                              priority=priority)
        return decode_json(body.content, url)

    async def get_parsed(self, url: str, parse: Callable[[Any], T], params: Params | None = None, *,
                         optional: bool = False, forbidden_hint: str | None = None,
                         max_bytes: int = DEFAULT_MAX_BYTES) -> T:
        """GET, decode and parse; a large body is decoded and parsed in a thread so the loop (and a TUI) stays live."""
        body = await self.get(url, params, optional=optional, forbidden_hint=forbidden_hint, max_bytes=max_bytes)
        if len(body.content) < OFF_LOOP_BYTES:
            return parse(decode_json(body.content, url))
        return await asyncio.to_thread(lambda: parse(decode_json(body.content, url)))

    async def get_pages(self, url: str, params: Params | None = None, *, parse: Callable[[Any], Iterable[T]],
                        optional: bool = False, forbidden_hint: str | None = None,
                        max_bytes: int = DEFAULT_MAX_BYTES, on_cut: Callable[[str], None] | None = None) -> list[T]:
        """GET a listing and follow its absolute `Link: <...>; rel="next"` pages; returns the items `parse` makes of
        each page's JSON.

        Page n+1 is sent the moment page n is read, in the same turn of the loop; page n is decoded and parsed while
        page n+1 is in flight, halfway through the time page n took (`PageParser`), at the latest when page n+1 is
        read. A listing's chain of requests then waits on the network alone. A page that fails to parse fails the
        listing when the next page arrives or fails (first wins): no page is asked for after the one in flight.
        Bounded: at most MAX_PAGES pages, each at most `max_bytes`, all together at most PAGES_TOTAL_FACTOR times that.
        Past a bound the listing fails, or, given `on_cut`, is cut there: `on_cut` is told why and the items of the
        pages within the bound are returned (a listing that HF pages without a size hfmon can ask for may hold more).
        """
        total, total_cap = 0, PAGES_TOTAL_FACTOR * max_bytes
        origin, seen = origin_of(url), set[str]()
        chain = ChainSlot(self.governor.semaphore())  # page n's slot goes to page n + 1, to no other request
        fetch = functools.partial(self.get, optional=optional, forbidden_hint=forbidden_hint, max_bytes=max_bytes,
                                  chain=chain)
        pages = PageParser(parse)
        loop = asyncio.get_running_loop()
        try:
            asked = loop.time()
            body, read = await fetch(url, params, priority=FIRST_PAGE), 1
            while True:
                took = loop.time() - asked
                pages.check(waiting_too=True)
                total += len(body.content)
                if total > total_cap:
                    if on_cut is not None:  # the pages before this one are within the bound
                        on_cut(f"the listing is larger than {total_cap / MB:g} MB; hfmon read its first "
                               f"{read - 1} pages")
                        return pages.items
                    raise BadResponseError(f"{what_of(url)}: listing larger than {total_cap / MB:g} MB over "
                                           f"{read} pages; not read", "hfmon reads at most that much of one "
                                           "listing; the next poll will try again")
                link = next_link(url, origin, body, seen)
                if link is None or (read >= MAX_PAGES and on_cut is not None):
                    chain.release()  # before the last page is parsed
                    pages.add(body, at_once=True)
                    pages.check()
                    if link is not None and on_cut is not None:
                        on_cut(f"the listing has more than {MAX_PAGES} pages; hfmon read the first {MAX_PAGES}")
                    return pages.items
                if read >= MAX_PAGES:
                    raise BadResponseError(f"{what_of(url)}: more than {MAX_PAGES} pages", None)
                pages.add(body, after_s=took / 2)
                try:  # the link already carries every query parameter
                    asked = loop.time()
                    body, read = await fetch(link, None, priority=NEXT_PAGE), read + 1
                except Exception:
                    pages.check(waiting_too=True)  # a page before it that cannot be parsed is the cause, not this
                    raise
        finally:
            chain.release()
            pages.stop()

    async def first_event(self, url: str, *, event: str, complete: Callable[[Any], bool], timeout_s: float | None,
                          forbidden_hint: str | None = None) -> Any:
        """Read a Server-Sent Events stream until the first complete `event`, within the deadline (and `timeout_s`
        when given; with neither, the read timeout)."""
        key = ("event", url, event)
        if probing():
            record(key, functools.partial(self.first_event, url, event=event, complete=complete, timeout_s=timeout_s,
                                          forbidden_hint=forbidden_hint))
        sent_ahead = self.ahead.take(key)
        if sent_ahead is not None:
            return await asyncio.shield(sent_ahead)
        gov, what = self.governor, what_of(url)
        async with gov.admitted(optional=True) as admission, gov.semaphore().hold():
            budget = capped(timeout_s if timeout_s is not None else math.inf)
            budget = self.timeout_s if math.isinf(budget) else budget
            gov.note_sent(admission)
            started, answered = time.perf_counter(), list[bool]()
            try:
                async with asyncio.timeout(budget):
                    return await self._read_stream(url, event, complete, forbidden_hint, budget, started, answered,
                                                   admission)
            except TimeoutError:
                raise TimedOutError(f"{what}: no complete `{event}` event within {budget:.1f} s",
                                       "the live stream is slow; the next poll will try again") from None
            except httpx2.TransportError as exc:
                if not answered:
                    self._record(url, started, None)
                raise transport_error(exc, url) from None

    async def _read_stream(self, url: str, event: str, complete: Callable[[Any], bool], forbidden_hint: str | None,
                           budget: float, started: float, answered: list[bool], admission: Admission) -> Any:
        async with self._exchange(url, None, self._timeouts(budget), accept="text/event-stream") as response:
            self._record(url, started, response.status_code)
            answered.append(True)
            self.governor.observe(response.headers, admission)
            self.server_clock.observe(response.headers, self._clock.now())
            if not response.is_success:
                content = await self._read_capped(response, url, ERROR_BODY_BYTES, cut=True)
                raise status_error(response, content, url, forbidden_hint)
            ctype = response.headers.get("content-type", "")
            if "text/event-stream" not in ctype:
                raise BadResponseError(f"{what_of(url)}: not an event stream (content type {ctype[:60]!r})", None)
            async for name, data_text in sse_events(self._body(response, url, DEFAULT_MAX_BYTES), DEFAULT_MAX_BYTES,
                                                    lambda: self._too_large(url, DEFAULT_MAX_BYTES)):
                if name != event:
                    continue
                try:
                    data = json.loads(data_text)
                except ValueError:
                    continue  # a partial or garbled event: wait for the next one
                if complete(data):
                    return data
        raise BadResponseError(f"{what_of(url)}: stream ended without a complete `{event}` event",
                               "the next poll will try again")
