"""One kept-alive HTTP/1.1 connection as an asyncio protocol, its responses parsed by httptools (llhttp, the C
parser of Node.js; already a dependency of hfmon's proxy).

httpcore2 and h11 cost about 0.5 ms of CPU a request here (a parser in Python, locks, trace hooks and models around
every exchange), the largest part of a poll's per-request cost. hfmon sends only GETs, one at a time on a
connection: the request is a few header lines written in one call, and the answer arrives through llhttp's
callbacks. Errors are httpx2's, as httpx2's own transport raises them.
"""

from __future__ import annotations

import asyncio
import ssl
import time
from collections.abc import AsyncIterator

import httptools
import httpx2

HIGH_WATER_BYTES = 1 << 20
"""Body bytes held unread before the connection stops reading the socket (and resumes once they are taken)."""
MAX_HEAD_BYTES = 64 * 1024
"""The most bytes an answer's head (with any informational answers before it) or its trailers may take: llhttp sets
no limit of its own, and a server sending header lines without end would otherwise fill the memory."""
_FORBIDDEN_IN_HEAD = (b"\r", b"\n", b"\0")


def request_head(method: bytes, target: bytes, headers: list[tuple[bytes, bytes]]) -> bytes:
    """A request's head as sent: request line, headers, blank line. A CR, LF or NUL in any part is refused
    (httpx2.LocalProtocolError): it would end a line early and smuggle another header or request in."""
    lines = [method + b" " + target + b" HTTP/1.1"]
    lines += [name + b": " + value for name, value in headers]
    if b" " in target or any(bad in line for line in lines for bad in _FORBIDDEN_IN_HEAD):
        raise httpx2.LocalProtocolError("a header or the target holds a character HTTP does not allow there")
    return b"\r\n".join(lines) + b"\r\n\r\n"


async def open_connection(host: str, port: int, tls: ssl.SSLContext | None, timeout_s: float | None,
                          keepalive_expiry_s: float) -> H1Connection:
    """A connection to `host:port`, TLS (verified against `tls`) when given, within `timeout_s` seconds."""
    loop = asyncio.get_running_loop()
    connection = H1Connection(keepalive_expiry_s)
    try:
        async with asyncio.timeout(timeout_s):
            await loop.create_connection(lambda: connection, host, port, ssl=tls,
                                         server_hostname=host if tls is not None else None)
    except TimeoutError:
        raise httpx2.ConnectTimeout(f"timed out connecting to {host}:{port}") from None
    except OSError as exc:  # refused, unreachable, name unknown, TLS verification failed (ssl.SSLError)
        raise httpx2.ConnectError(f"cannot connect to {host}:{port} ({type(exc).__name__})") from exc
    return connection


class H1Connection(asyncio.Protocol):
    """One HTTP/1.1 connection: `send` writes a request, `answer` waits for its answer's head, `body` yields the
    answer's body as it arrives. One exchange at a time; the connection may be used again once `is_idle()`."""

    def __init__(self, keepalive_expiry_s: float) -> None:
        self._keepalive_expiry_s = keepalive_expiry_s
        self._transport: asyncio.Transport | None = None
        self._parser = httptools.HttpResponseParser(self)
        self._closed = False
        self._broken = False  # not to be used again: an error, an unfinished exchange, the server spoke out of turn
        self._active = False
        self._idle_since = time.monotonic()
        self._reset()

    def _reset(self) -> None:
        self._status = 0
        self._reason = b""
        self._headers: list[tuple[bytes, bytes]] = []
        self._framed = False  # a Content-Length or chunked body: its end is known, not the connection's end
        self._head_done = False
        self._informational = False
        self._complete = False
        self._keep_alive = False
        self._chunks: list[bytes] = []
        self._buffered = 0
        self._head_bytes = 0  # read before the head was complete, then the trailers' bytes
        self._paused = False
        self._error: Exception | None = None
        self._wakeup: asyncio.Future[None] | None = None

    # --- asyncio.Protocol ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport the connection writes to."""
        self._transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        """Feed what arrived to the parser; bytes between exchanges mean the connection is not to be reused."""
        if not self._active or self._complete:
            self._broken = True
            return
        if not self._head_done:
            self._head_bytes += len(data)
            if self._head_bytes > MAX_HEAD_BYTES + len(data):  # past the cap before this read: the head never ended
                self._fail(httpx2.RemoteProtocolError(f"the answer's head is over {MAX_HEAD_BYTES // 1024} KB"))
                self._wake()
                return
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(httpx2.RemoteProtocolError("the server switched protocols"))
        except httptools.HttpParserError as exc:
            self._fail(httpx2.RemoteProtocolError(f"malformed response ({type(exc).__name__})"))
        self._wake()

    def connection_lost(self, exc: Exception | None) -> None:
        """The connection ended: a body that runs to the end of the connection is complete, anything else cut."""
        self._closed = True
        if self._active and not self._complete and self._error is None:
            if self._head_done and not self._framed and not self._informational and exc is None:
                self._complete = True  # read until the server closed: the body's end (a reset is not an end)
            elif self._head_done:
                self._error = httpx2.ReadError("the connection closed before the body was complete")
            else:
                self._error = httpx2.RemoteProtocolError("the server closed the connection without an answer")
        self._wake()

    # --- httptools callbacks ------------------------------------------------------------------

    def on_message_begin(self) -> None:
        """A message starts: after the answer's end, a second one the connection must not be trusted with."""
        if self._complete:
            self._broken = True

    def on_status(self, status: bytes) -> None:
        """The reason phrase."""
        self._reason += status

    def on_header(self, name: bytes, value: bytes) -> None:
        """One header line (httptools joins the pieces of a line split across reads)."""
        if self._complete:
            return
        if self._head_done:  # a trailer after a chunked body: bounded as the head is
            self._head_bytes += len(name) + len(value)
            if self._head_bytes > MAX_HEAD_BYTES:
                self._fail(httpx2.RemoteProtocolError(f"the answer's trailers are over {MAX_HEAD_BYTES // 1024} KB"))
            return
        self._headers.append((name, value))
        lower = name.lower()
        if lower == b"content-length" or (lower == b"transfer-encoding" and b"chunked" in value.lower()):
            self._framed = True

    def on_headers_complete(self) -> None:
        """The head is read; an informational (1xx) answer is skipped: the real one follows."""
        if self._complete:
            return
        status = self._parser.get_status_code()
        if 100 <= status < 200:
            self._informational = True
            return
        self._status, self._head_done, self._head_bytes = status, True, 0

    def on_body(self, body: bytes) -> None:
        """A piece of the body (de-chunked by llhttp); reading pauses while too much waits unread."""
        if self._complete:
            return
        self._chunks.append(body)
        self._buffered += len(body)
        if self._buffered > HIGH_WATER_BYTES and not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()

    def on_message_complete(self) -> None:
        """The answer ended (after an informational one, the next answer starts)."""
        if self._complete:
            return
        if self._informational:
            self._informational = False
            self._reason, self._headers, self._framed = b"", [], False
            return
        self._complete = True
        self._keep_alive = self._parser.should_keep_alive()

    # --- using it ---------------------------------------------------------------------------------

    def _fail(self, error: Exception) -> None:
        if self._error is None:
            self._error = error
        self._broken = True
        if self._transport is not None:
            self._transport.abort()

    def _wake(self) -> None:
        if self._wakeup is not None and not self._wakeup.done():
            self._wakeup.set_result(None)

    async def _wait(self, timeout_s: float | None) -> None:
        """Until the parser has news (or the connection ended), within `timeout_s` (httpx2.ReadTimeout)."""
        self._wakeup = asyncio.get_running_loop().create_future()
        try:
            async with asyncio.timeout(timeout_s):
                await self._wakeup
        except TimeoutError:
            self._fail(httpx2.ReadTimeout("timed out reading the response"))
            raise httpx2.ReadTimeout("timed out reading the response") from None
        finally:
            self._wakeup = None

    def send(self, head: bytes) -> None:
        """Put a request (`request_head`, then its body if any) on the wire; its answer is `answer()`."""
        if self._transport is None or self._closed or self._transport.is_closing():
            raise httpx2.WriteError("the connection is closed")
        self._reset()
        self._active = True
        self._parser = httptools.HttpResponseParser(self)
        self._transport.write(head)

    async def answer(self, read_timeout_s: float | None) -> tuple[int, bytes, list[tuple[bytes, bytes]]]:
        """Wait for the answer to the request sent: its status, reason phrase and headers."""
        while not self._head_done:
            if self._error is not None:
                raise self._error
            await self._wait(read_timeout_s)
        return self._status, self._reason, self._headers

    async def body(self, read_timeout_s: float | None) -> AsyncIterator[bytes]:
        """The answer's body in pieces as they arrive, to its end (httpx2.ReadError when cut short)."""
        while True:
            if self._chunks:
                chunks, self._chunks, self._buffered = self._chunks, [], 0
                if self._paused and self._transport is not None:
                    self._paused = False
                    self._transport.resume_reading()
                yield chunks[0] if len(chunks) == 1 else b"".join(chunks)
            elif self._error is not None:
                raise self._error
            elif self._complete:
                return
            else:
                await self._wait(read_timeout_s)

    def finish(self) -> None:
        """End the exchange: the connection stays usable only when the answer was read to its end and kept alive."""
        if not (self._complete and self._keep_alive and not self._chunks and self._error is None):
            self._broken = True
        self._active = False
        self._idle_since = time.monotonic()

    def is_idle(self) -> bool:
        """Whether a next request may be sent on it now."""
        return not (self._active or self._broken or self._closed)

    def has_expired(self) -> bool:
        """Not to be used again: closed, broken, or idle for longer than the keep-alive time."""
        return (not self.is_idle() or self._transport is None or self._transport.is_closing()
                or time.monotonic() - self._idle_since > self._keepalive_expiry_s)

    def is_closed(self) -> bool:
        """Whether the connection has ended."""
        return self._closed

    def close(self) -> None:
        """Drop the connection at once (nothing is left to say on it)."""
        self._broken = True
        if self._transport is not None:
            self._transport.abort()
