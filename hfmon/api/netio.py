"""hfmon's HTTP/1.1 client for the real network: a pool of kept-alive connections (`netio_h1`, responses parsed by
httptools) behind an httpx2 transport.

`PoolTransport` gives the Requester the same Response objects and the same httpx2 exceptions as
`httpx2.AsyncHTTPTransport`; its `get` sends a URL without building an httpx2.Request first.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import re
import ssl
from collections.abc import AsyncIterator

import httpx2

from hfmon.api.netio_h1 import H1Connection, open_connection, request_head


@functools.cache
def default_tls() -> ssl.SSLContext:
    """The verified TLS context offering HTTP/1.1 that every pool given none shares: built once per process (loading
    the CA certificates costs about 100 ms of CPU, more than many requests), and only once an https origin needs it."""
    context = httpx2.create_ssl_context()
    context.set_alpn_protocols(["http/1.1"])
    return context


class _ResponseBody(httpx2.AsyncByteStream):
    """A response body from the pool; closing it ends the exchange and hands its connection back."""

    def __init__(self, connection: H1Connection, pool: ConnectionPool, read_timeout_s: float | None) -> None:
        self._connection = connection
        self._pool: ConnectionPool | None = pool
        self._read_timeout_s = read_timeout_s

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._connection.body(self._read_timeout_s):
            yield chunk

    async def aclose(self) -> None:
        """Hand the connection back: kept only when the body was read to its end (`H1Connection.finish`)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            self._connection.finish()
            pool.check_in(self._connection)


_Key = tuple[bytes, bytes, int]
"""An origin (scheme, host, port) as a dictionary key."""


class ConnectionPool:
    """Kept-alive HTTP/1.1 connections per origin, and a limit on the requests in flight.

    hfmon's requests are all GETs, each on a connection of its own until its body is closed, so a free connection
    is the last one put back for that origin (the one least likely to have expired), or a new one.
    """

    def __init__(self, ssl_context: ssl.SSLContext | None, *, max_in_flight: int, max_idle: int,
                 keepalive_expiry_s: float) -> None:
        self._ssl_context = ssl_context  # None: the shared default one, at the first https connection (`_tls`)
        if ssl_context is not None:
            ssl_context.set_alpn_protocols(["http/1.1"])
        self._max_idle = max_idle
        self._keepalive_expiry_s = keepalive_expiry_s
        self._slots = asyncio.Semaphore(max_in_flight)
        self._idle: dict[_Key, list[H1Connection]] = {}
        self._idle_count = 0
        self._open: dict[H1Connection, _Key] = {}  # every open connection, and where to
        self._opening: set[asyncio.Task[None]] = set()  # connections opened ahead of their requests (`prewarm`)
        self._ahead: dict[_Key, tuple[int, float]] = {}  # to open once the next request to the origin is sent

    async def send(self, origin: _Key, head: bytes, timeouts: dict[str, float]) -> tuple[
            int, bytes, list[tuple[bytes, bytes]], H1Connection]:
        """Send a request head to `origin`: the answer's status, reason phrase and headers (its body still to read)
        and the connection it came on, which is the response's until `check_in`."""
        try:
            async with asyncio.timeout(timeouts.get("pool")):
                await self._slots.acquire()
        except TimeoutError:
            raise httpx2.PoolTimeout("timed out waiting for a connection") from None
        connection: H1Connection | None = None
        try:
            connection = self._reused(origin) or await self._connect(origin, timeouts.get("connect"))
            connection.send(head)
            if origin in self._ahead:  # its handshakes now overlap this request's trip, not delay its start
                self._open_ahead(origin, *self._ahead.pop(origin))
            return *(await connection.answer(timeouts.get("read"))), connection
        except BaseException:
            if connection is not None:
                connection.finish()
            self.check_in(connection)
            raise

    def check_in(self, connection: H1Connection | None) -> None:
        """Take back a connection whose exchange is over: kept when idle and there is room, else closed."""
        try:
            if connection is None:
                return
            if connection.is_idle() and self._idle_count < self._max_idle:
                self._idle.setdefault(self._open[connection], []).append(connection)
                self._idle_count += 1
                return
            self._open.pop(connection, None)
            connection.close()
        finally:
            self._slots.release()

    def prewarm(self, origin: _Key, count: int, connect_timeout_s: float) -> None:
        """Once the next request to `origin` is on the wire, open connections to it until `count` are idle or on their
        way (never past the idle limit), in the background; one that fails to open is forgotten (the request that
        would have used it opens its own, and reports the failure)."""
        self._ahead[origin] = (count, connect_timeout_s)

    def _open_ahead(self, origin: _Key, count: int, connect_timeout_s: float) -> None:
        wanted = min(count, self._max_idle) - len(self._idle.get(origin, ())) - len(self._opening)
        for _ in range(max(0, wanted)):
            task = asyncio.ensure_future(self._open_idle(origin, connect_timeout_s))
            self._opening.add(task)
            task.add_done_callback(self._opening.discard)

    async def _open_idle(self, origin: _Key, connect_timeout_s: float) -> None:
        try:
            connection = await self._connect(origin, connect_timeout_s)
        except httpx2.TransportError:
            return
        if self._idle_count < self._max_idle:
            self._idle.setdefault(origin, []).append(connection)
            self._idle_count += 1
        else:
            self._open.pop(connection, None)
            connection.close()

    def _reused(self, origin: _Key) -> H1Connection | None:
        """The most recently used idle connection to `origin` still good to send on; expired ones are closed."""
        idle = self._idle.get(origin)
        while idle:
            connection = idle.pop()
            self._idle_count -= 1
            if not connection.has_expired():  # the keep-alive time is over, or the server spoke or hung up
                return connection
            self._open.pop(connection, None)
            connection.close()
        return None

    async def _connect(self, origin: _Key, connect_timeout_s: float | None) -> H1Connection:
        """A new connection to `origin` (TLS for https, verified against the pool's context)."""
        scheme, host, port = origin
        tls = self._tls() if scheme == b"https" else None
        connection = await open_connection(host.decode("ascii"), port, tls, connect_timeout_s,
                                           self._keepalive_expiry_s)
        self._open[connection] = origin
        return connection

    def _tls(self) -> ssl.SSLContext:
        """The TLS context of every https connection, offering HTTP/1.1: when none was given, the process's default
        one (`default_tls`), asked for at the first https connection: plain-http origins never build one."""
        if self._ssl_context is None:
            self._ssl_context = default_tls()
        return self._ssl_context

    async def aclose(self) -> None:
        """Close every connection, idle or not, and stop opening more."""
        for task in list(self._opening):
            task.cancel()
        if self._opening:
            await asyncio.wait(self._opening)
        open_, self._open, self._idle, self._idle_count = self._open, {}, {}, 0
        for connection in open_:
            connection.close()


_DEFAULT_PORTS = {b"http": 80, b"https": 443}
# A URL httpx2 sends exactly as written: lower-case http(s), a lower-case host name or IPv4 address, an optional
# port, and a path and query of characters it leaves as they are (a percent sign only before two hex digits).
_PLAIN_URL = re.compile(r"(https?)://([a-z0-9][a-z0-9.-]*)(?::([0-9]{1,5}))?"
                        r"(/(?:[A-Za-z0-9\-._~!$&'()*+,;=:@/?]|%[0-9A-Fa-f]{2})*)")

Target = tuple[bytes, bytes, int | None, bytes]
"""Where a request goes: scheme, host, port (None: the scheme's default) and the path with its query."""


@functools.cache
def _plain_host(host: str) -> bool:
    """Whether httpx2 takes `host` (lower case letters, digits, dots and hyphens) as it is: no empty label, and
    an address only in its canonical form (httpx2 refuses other digits-and-dots hosts that look like one)."""
    if host.endswith(".") or ".." in host:
        return False
    if host.replace(".", "").isdigit():
        try:
            return str(ipaddress.IPv4Address(host)) == host
        except ValueError:
            return False
    return True


def plain_target(url: str) -> Target | None:
    """What httpx2 makes of `url` (`raw_scheme`, `raw_host`, `port`, `raw_path`) when it would send it as written,
    found without parsing it as httpx2 does (100-250 µs for a listing's URL, more than the rest of the request);
    None for any other URL."""
    match = _PLAIN_URL.fullmatch(url)
    if match is None or not _plain_host(match[2]):
        return None
    scheme, host, port_text, path = match.groups()
    segments = path.partition("?")[0].split("/")
    if "." in segments or ".." in segments:  # httpx2 resolves dot segments
        return None
    port = None if port_text is None else int(port_text)
    if port is not None and port > 65535:
        return None
    raw_scheme = scheme.encode()
    if port == _DEFAULT_PORTS[raw_scheme]:
        port = None
    return raw_scheme, host.encode(), port, path.encode()


def target_of(url: str) -> Target:
    """Where `url` goes: `plain_target`, else as httpx2 parses it (httpx2.InvalidURL when it cannot)."""
    plain = plain_target(url)
    if plain is not None:
        return plain
    parsed = httpx2.URL(url)
    return parsed.raw_scheme, parsed.raw_host, parsed.port, parsed.raw_path


class PoolTransport(httpx2.AsyncBaseTransport):
    """An httpx2 transport: HTTP/1.1 over `ConnectionPool`, no proxies."""

    def __init__(self, ssl_context: ssl.SSLContext | None = None, *, max_connections: int = 100,
                 max_keepalive_connections: int = 20, keepalive_expiry_s: float = 5.0) -> None:
        self._pool = ConnectionPool(ssl_context, max_in_flight=max_connections,
                                    max_idle=max_keepalive_connections, keepalive_expiry_s=keepalive_expiry_s)

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        """Send `request` (its headers carry the Host header httpx2 added) through the pool; the response's body is
        read by the caller."""
        url = request.url
        content = await request.aread()
        head = request_head(request.method.encode("ascii"), url.raw_path, list(request.headers.raw))
        port = url.port if url.port is not None else _DEFAULT_PORTS.get(url.raw_scheme, 0)
        return await self._send((url.raw_scheme, url.raw_host, port), head + content,
                                request.extensions.get("timeout", {}))

    async def get(self, url: str, headers: httpx2.Headers, timeouts: dict[str, float]) -> httpx2.Response:
        """GET `url` with `headers` (and the Host header httpx2 would add), without building an httpx2.Request;
        the response has no `request`."""
        scheme, host, port, target = target_of(url)
        host_header = host if port is None else host + b":%d" % port
        head = request_head(b"GET", target, [(b"Host", host_header), *headers.raw])
        return await self._send((scheme, host, _DEFAULT_PORTS[scheme] if port is None else port), head, timeouts)

    def prewarm(self, url: str, count: int, connect_timeout_s: float) -> None:
        """Open up to `count` connections to `url`'s origin ahead of the requests that will use them, once the next
        request to it is sent."""
        try:
            scheme, host, port, _ = target_of(url)
        except httpx2.InvalidURL:
            return  # the requests themselves will say what is wrong with it
        if scheme in _DEFAULT_PORTS:
            self._pool.prewarm((scheme, host, _DEFAULT_PORTS[scheme] if port is None else port), count,
                               connect_timeout_s)

    async def _send(self, origin: _Key, head: bytes, timeouts: dict[str, float]) -> httpx2.Response:
        if origin[0] not in _DEFAULT_PORTS:
            raise httpx2.UnsupportedProtocol(f"unsupported protocol {origin[0].decode(errors='replace')!r}")
        status, reason, headers, connection = await self._pool.send(origin, head, timeouts)
        return httpx2.Response(status_code=status, headers=headers,
                               stream=_ResponseBody(connection, self._pool, timeouts.get("read")),
                               extensions={"http_version": b"HTTP/1.1", "reason_phrase": reason})

    async def aclose(self) -> None:
        """Close every connection of the pool."""
        await self._pool.aclose()
