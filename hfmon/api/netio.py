"""httpcore2's connection pool on asyncio's own streams: the network layer of every real request hfmon sends.

httpcore2's default network backend goes through anyio, which costs here about 0.4 ms of CPU a request: a cancel
scope around every read and write, and, each time the pool hands out a request, a `getpeername` and a `poll` system
call for every idle connection (the pool holds up to 32). This backend talks to asyncio directly and knows an idle
connection was closed by the server from what asyncio already read, without a system call.

HTTP itself stays httpcore2's (h11, one `AsyncHTTP11Connection` per connection): the bytes-in, bytes-out layer and
the pool of kept-alive connections are here. `PoolTransport` gives httpx2 the same Request and Response objects, and
the same httpx2 exceptions, as `httpx2.AsyncHTTPTransport`.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import re
import socket
import ssl
from collections.abc import AsyncIterator, Iterable
from typing import Any, NoReturn, SupportsIndex, cast

import httpcore2
import httpx2
from httpcore2 import AsyncHTTP11Connection

READ_BUFFER_BYTES = 1 << 20
"""How much asyncio reads ahead of httpcore2 before it stops reading a socket (asyncio's default, 128 KB, pauses
and resumes reading, two system calls, several times on every large page)."""

# Most specific first: the first match is the one raised.
_HTTPX_ERRORS: tuple[tuple[type[Exception], type[httpx2.TransportError]], ...] = (
    (httpcore2.ConnectTimeout, httpx2.ConnectTimeout),
    (httpcore2.ReadTimeout, httpx2.ReadTimeout),
    (httpcore2.WriteTimeout, httpx2.WriteTimeout),
    (httpcore2.PoolTimeout, httpx2.PoolTimeout),
    (httpcore2.TimeoutException, httpx2.TimeoutException),
    (httpcore2.ConnectError, httpx2.ConnectError),
    (httpcore2.ReadError, httpx2.ReadError),
    (httpcore2.WriteError, httpx2.WriteError),
    (httpcore2.NetworkError, httpx2.NetworkError),
    (httpcore2.ProxyError, httpx2.ProxyError),
    (httpcore2.UnsupportedProtocol, httpx2.UnsupportedProtocol),
    (httpcore2.RemoteProtocolError, httpx2.RemoteProtocolError),
    (httpcore2.LocalProtocolError, httpx2.LocalProtocolError),
    (httpcore2.ProtocolError, httpx2.ProtocolError),
)


def raise_as_httpx(exc: Exception) -> NoReturn:
    """Raise the httpx2 exception that stands for an httpcore2 one (as httpx2's own transport maps it); any other
    exception as it is."""
    for core_type, httpx_type in _HTTPX_ERRORS:
        if isinstance(exc, core_type):
            raise httpx_type(str(exc)) from exc
    raise exc


class _CountingReader(asyncio.StreamReader):
    """A StreamReader that knows whether bytes arrived that nobody has read yet."""

    unread = 0

    def feed_data(self, data: Iterable[SupportsIndex]) -> None:
        """Count what arrives (asyncio's transports hand over bytes)."""
        self.unread += len(cast(bytes, data))
        super().feed_data(data)


class AsyncioStream(httpcore2.AsyncNetworkStream):
    """One TCP (or TLS) connection as an asyncio reader and writer."""

    def __init__(self, reader: _CountingReader, writer: asyncio.StreamWriter) -> None:
        self._reader = reader
        self._writer = writer

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109 - httpcore2's API
        """Up to `max_bytes` (b"" at the end of the stream), within `timeout` seconds."""
        try:
            async with asyncio.timeout(timeout):
                data = await self._reader.read(max_bytes)
        except TimeoutError:
            raise httpcore2.ReadTimeout("timed out reading the response") from None
        except OSError as exc:
            raise httpcore2.ReadError(f"reading failed ({type(exc).__name__})") from exc
        self._reader.unread -= len(data)
        return data

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109 - httpcore2's API
        """Send `buffer`, waiting (within `timeout` seconds) only when the socket cannot take it all at once."""
        if not buffer:
            return
        transport = self._writer.transport
        if transport.is_closing():
            raise httpcore2.WriteError("the connection is closed")
        try:
            self._writer.write(buffer)
            if transport.get_write_buffer_size():
                async with asyncio.timeout(timeout):
                    await self._writer.drain()
        except TimeoutError:
            raise httpcore2.WriteTimeout("timed out sending the request") from None
        except OSError as exc:
            raise httpcore2.WriteError(f"sending failed ({type(exc).__name__})") from exc

    async def aclose(self) -> None:
        """Drop the connection at once (as httpcore2's anyio backend does: nothing is left to say on it)."""
        self._writer.transport.abort()

    async def start_tls(self, ssl_context: ssl.SSLContext, server_hostname: str | None = None,
                        timeout: float | None = None,  # noqa: ASYNC109 - httpcore2's API
                        ) -> httpcore2.AsyncNetworkStream:
        """Upgrade this connection to TLS, verifying the server against `ssl_context`."""
        try:
            async with asyncio.timeout(timeout):
                await self._writer.start_tls(ssl_context, server_hostname=server_hostname)
        except TimeoutError:
            self._writer.transport.abort()
            raise httpcore2.ConnectTimeout("timed out in the TLS handshake") from None
        except (OSError, ssl.SSLError) as exc:  # ssl.SSLError is an OSError; named for the reader
            self._writer.transport.abort()
            raise httpcore2.ConnectError(f"TLS handshake failed ({exc})") from exc
        return self

    def get_extra_info(self, info: str) -> Any:
        """What httpcore2 asks of a stream; `is_readable` (the server closed or spoke while idle) without a
        system call: asyncio has already read whatever arrived."""
        if info == "is_readable":
            return (self._reader.unread > 0 or self._reader.at_eof() or self._reader.exception() is not None
                    or self._writer.transport.is_closing())
        if info == "ssl_object":
            return self._writer.get_extra_info("ssl_object")
        if info == "client_addr":
            return self._writer.get_extra_info("sockname")
        if info == "server_addr":
            return self._writer.get_extra_info("peername")
        if info == "socket":
            return self._writer.get_extra_info("socket")
        return None


class AsyncioBackend(httpcore2.AsyncNetworkBackend):
    """Opens TCP connections with asyncio (TCP_NODELAY is asyncio's default)."""

    async def connect_tcp(self, host: str, port: int, timeout: float | None = None,  # noqa: ASYNC109 - httpcore2's API
                          local_address: str | None = None,
                          socket_options: Iterable[Any] | None = None) -> httpcore2.AsyncNetworkStream:
        """A connected stream to `host:port` within `timeout` seconds."""
        loop = asyncio.get_running_loop()
        reader = _CountingReader(limit=READ_BUFFER_BYTES, loop=loop)
        protocol = asyncio.StreamReaderProtocol(reader, loop=loop)
        try:
            async with asyncio.timeout(timeout):
                transport, _ = await loop.create_connection(
                    lambda: protocol, host, port, local_addr=(local_address, 0) if local_address else None)
        except TimeoutError:
            raise httpcore2.ConnectTimeout(f"timed out connecting to {host}:{port}") from None
        except OSError as exc:
            raise httpcore2.ConnectError(f"cannot connect to {host}:{port} ({type(exc).__name__})") from exc
        sock: socket.socket | None = transport.get_extra_info("socket")
        for option in socket_options or ():
            if sock is not None:
                sock.setsockopt(*option)
        return AsyncioStream(reader, asyncio.StreamWriter(transport, protocol, reader, loop))

    async def sleep(self, seconds: float) -> None:
        """Wait (httpcore2 uses it between connection retries)."""
        await asyncio.sleep(seconds)


class _ResponseBody(httpx2.AsyncByteStream):
    """A response body from the pool, its errors raised as httpx2's; closing it hands its connection back."""

    def __init__(self, stream: Any, connection: AsyncHTTP11Connection, pool: ConnectionPool) -> None:
        self._stream = stream
        self._connection = connection
        self._pool: ConnectionPool | None = pool

    async def __aiter__(self) -> AsyncIterator[bytes]:
        try:
            async for chunk in self._stream:
                yield chunk
        except Exception as exc:
            raise_as_httpx(exc)

    async def aclose(self) -> None:
        """Finish the exchange (the connection is kept only when the body was read to its end) and hand the
        connection back to the pool."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        try:
            await self._stream.aclose()
        except Exception as exc:
            raise_as_httpx(exc)
        finally:
            await pool.check_in(self._connection)


_Key = tuple[bytes, bytes, int]
"""An origin as a dictionary key (httpcore2's Origin is not hashable)."""


class ConnectionPool:
    """Kept-alive HTTP/1.1 connections per origin, and a limit on the requests in flight.

    httpcore2's own pool hands out connections by scanning every connection for every waiting request, and again
    when a response closes: about a fifth of a request's CPU with 32 in flight. hfmon's requests are all HTTP/1.1
    GETs, each on a connection of its own until its body is closed, so a free connection is the last one put back
    for that origin (the one least likely to have expired), or a new one.
    """

    def __init__(self, ssl_context: ssl.SSLContext | None, *, max_in_flight: int, max_idle: int,
                 keepalive_expiry_s: float) -> None:
        self._ssl_context = ssl_context  # None: the default one, built at the first https connection (`_tls`)
        if ssl_context is not None:
            ssl_context.set_alpn_protocols(["http/1.1"])
        self._max_idle = max_idle
        self._keepalive_expiry_s = keepalive_expiry_s
        self._slots = asyncio.Semaphore(max_in_flight)
        self._idle: dict[_Key, list[AsyncHTTP11Connection]] = {}
        self._idle_count = 0
        self._open: dict[AsyncHTTP11Connection, _Key] = {}  # every open connection, and where to
        self._backend = AsyncioBackend()

    async def send(self, request: httpcore2.Request) -> tuple[httpcore2.Response, AsyncHTTP11Connection]:
        """The response to `request` (its body still to read) and the connection it came on; that connection is
        the response's until `check_in`."""
        origin = request.url.origin
        if origin.scheme not in (b"http", b"https"):
            raise httpcore2.UnsupportedProtocol(f"unsupported protocol {origin.scheme.decode(errors='replace')!r}")
        timeouts = request.extensions.get("timeout", {})
        try:
            async with asyncio.timeout(timeouts.get("pool")):
                await self._slots.acquire()
        except TimeoutError:
            raise httpcore2.PoolTimeout("timed out waiting for a connection") from None
        connection: AsyncHTTP11Connection | None = None
        try:
            connection = await self._reused(origin) or await self._connect(origin, timeouts.get("connect"))
            return await connection.handle_async_request(request), connection
        except BaseException:
            await self.check_in(connection)
            raise

    async def check_in(self, connection: AsyncHTTP11Connection | None) -> None:
        """Take back a connection whose exchange is over: kept when idle and there is room, else closed."""
        try:
            if connection is None:
                return
            if connection.is_idle() and self._idle_count < self._max_idle:
                self._idle.setdefault(self._open[connection], []).append(connection)
                self._idle_count += 1
                return
            self._open.pop(connection, None)
            if not connection.is_closed():
                await connection.aclose()
        finally:
            self._slots.release()

    async def _reused(self, origin: httpcore2.Origin) -> AsyncHTTP11Connection | None:
        """The most recently used idle connection to `origin` still good to send on; expired ones are closed."""
        idle = self._idle.get((origin.scheme, origin.host, origin.port))
        while idle:
            connection = idle.pop()
            self._idle_count -= 1
            if not connection.has_expired():  # the keep-alive time is over, or the server spoke or hung up
                return connection
            self._open.pop(connection, None)
            await connection.aclose()
        return None

    async def _connect(self, origin: httpcore2.Origin, connect_timeout_s: float | None) -> AsyncHTTP11Connection:
        """A new connection to `origin` (TLS for https, verified against the pool's context)."""
        host = origin.host.decode("ascii")
        stream = await self._backend.connect_tcp(host, origin.port, timeout=connect_timeout_s)
        try:
            if origin.scheme == b"https":
                stream = await stream.start_tls(self._tls(), server_hostname=host, timeout=connect_timeout_s)
        except BaseException:
            await stream.aclose()
            raise
        connection = AsyncHTTP11Connection(origin, stream, keepalive_expiry=self._keepalive_expiry_s)
        self._open[connection] = (origin.scheme, origin.host, origin.port)
        return connection

    def _tls(self) -> ssl.SSLContext:
        """The TLS context of every https connection, offering HTTP/1.1: built once when none was given (loading
        the CA certificates costs more than a request), not at every connection."""
        if self._ssl_context is None:
            self._ssl_context = httpcore2.default_ssl_context()
            self._ssl_context.set_alpn_protocols(["http/1.1"])
        return self._ssl_context

    async def aclose(self) -> None:
        """Close every connection, idle or not."""
        open_, self._open, self._idle, self._idle_count = self._open, {}, {}, 0
        for connection in open_:
            await connection.aclose()


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
        """Send `request` through the pool; the response's body is read by the caller."""
        url = request.url
        return await self._send(httpcore2.Request(
            method=request.method,
            url=httpcore2.URL(scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path),
            headers=request.headers.raw, content=request.stream, extensions=request.extensions))

    async def get(self, url: str, headers: httpx2.Headers, timeouts: dict[str, float]) -> httpx2.Response:
        """GET `url` with `headers` (and the Host header httpx2 would add), without building an httpx2.Request;
        the response has no `request`."""
        scheme, host, port, target = target_of(url)
        host_header = host if port is None else host + b":%d" % port
        return await self._send(httpcore2.Request(
            method=b"GET", url=httpcore2.URL(scheme=scheme, host=host, port=port, target=target),
            headers=[(b"Host", host_header), *headers.raw], extensions={"timeout": timeouts}))

    async def _send(self, core_request: httpcore2.Request) -> httpx2.Response:
        try:
            response, connection = await self._pool.send(core_request)
        except Exception as exc:
            raise_as_httpx(exc)
        return httpx2.Response(status_code=response.status, headers=response.headers,
                               stream=_ResponseBody(response.stream, connection, self._pool),
                               extensions=response.extensions)

    async def aclose(self) -> None:
        """Close every connection of the pool."""
        await self._pool.aclose()
