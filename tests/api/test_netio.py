"""The real network path (httpcore2's pool on asyncio streams) against a loopback HTTP/1.1 server, plain and TLS."""

from __future__ import annotations

import asyncio
import json
import socket
import ssl
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from hfmon.api import netio
from hfmon.api.governor import Governor
from hfmon.api.netio import PoolTransport
from hfmon.api.transport import Requester
from hfmon.errors import NetworkError, TimedOutError, UnavailableError

TOKEN = "hf_NetioTestToken_0123456789abcdef"
CERT = Path(__file__).parent / "data" / "localhost-tls.pem"  # self-signed for localhost and 127.0.0.1, to 2126
BIG = [{"id": f"org/repo-{i}", "usedStorage": i * 1_000_003} for i in range(60_000)]  # ~3 MB of JSON


def response(body: bytes, status: str = "200 OK", length: int | None = None) -> bytes:
    """An HTTP/1.1 response with a Content-Length (the body's own unless `length` is given)."""
    return (f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\n"
            f"content-length: {len(body) if length is None else length}\r\n\r\n").encode() + body


@dataclass
class Loopback:
    """A server on the test's loop: `answer(path)` gives the bytes to send back, or None to stay silent."""

    answer: Callable[[str], bytes | None]
    close_after_each: bool = False
    connections: int = 0
    heads: list[str] = field(default_factory=list)
    closed: asyncio.Event = field(default_factory=asyncio.Event)
    handlers: set[asyncio.Task[None]] = field(default_factory=set)

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        if (task := asyncio.current_task()) is not None:
            self.handlers.add(task)  # type: ignore[arg-type]
        try:
            while head := (await reader.readuntil(b"\r\n\r\n")).decode():
                self.heads.append(head)
                reply = self.answer(head.split(" ")[1])
                if reply is None:
                    await reader.read()  # say nothing until the client hangs up
                    return
                writer.write(reply)
                await writer.drain()
                if self.close_after_each:
                    return
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()
            try:
                await writer.wait_closed()
            except ConnectionError:  # the client hung up mid-answer (as it does on a body past its cap)
                pass
            self.closed.set()


@asynccontextmanager
async def serving(loopback: Loopback, tls: ssl.SSLContext | None = None) -> AsyncIterator[str]:
    server = await asyncio.start_server(loopback.handle, "127.0.0.1", 0, ssl=tls)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"{'https' if tls else 'http'}://127.0.0.1:{port}"
    finally:
        server.close()
        await server.wait_closed()
        # Every client has hung up by now: each handler ends at its end of stream (bounded, never left running).
        await asyncio.wait_for(asyncio.gather(*loopback.handlers), 10)


def api(path: str) -> bytes | None:
    if path == "/big":
        return response(json.dumps(BIG).encode())
    if path == "/silent":
        return None
    if path == "/cut":
        return response(b'{"partial": ', length=1000)
    return response(json.dumps({"path": path}).encode())


def requester(transport: PoolTransport | None = None, timeout_s: float = 5.0) -> Requester:
    return Requester(TOKEN, transport=transport, timeout_s=timeout_s, governor=Governor(max_retries=0))


async def test_requests_share_one_kept_alive_connection_and_a_large_body_arrives_whole() -> None:
    server = Loopback(api)
    async with serving(server) as base:
        http = requester()
        try:
            assert await http.get_json(f"{base}/a") == {"path": "/a"}
            assert await http.get_json(f"{base}/big") == BIG
            assert await http.get_json(f"{base}/b", {"limit": 5}) == {"path": "/b?limit=5"}
        finally:
            await http.aclose()
    assert server.connections == 1
    assert all(f"authorization: Bearer {TOKEN}" in head for head in server.heads)


async def test_a_connection_the_server_closed_while_idle_is_not_used_again() -> None:
    server = Loopback(api, close_after_each=True)
    async with serving(server) as base:
        http = requester()  # no retries: a request sent on the dead connection would fail
        try:
            assert await http.get_json(f"{base}/first") == {"path": "/first"}
            await server.closed.wait()
            for _ in range(5):  # let the loop read the server's end of stream
                await asyncio.sleep(0)
            assert await http.get_json(f"{base}/second") == {"path": "/second"}
        finally:
            await http.aclose()
    assert server.connections == 2


async def test_a_silent_server_times_out() -> None:
    async with serving(Loopback(api)) as base:
        http = requester(timeout_s=0.3)
        try:
            with pytest.raises(TimedOutError, match="timed out"):
                await http.get_json(f"{base}/silent")
        finally:
            await http.aclose()


async def test_a_body_cut_short_by_a_closed_connection_is_a_dropped_connection() -> None:
    async with serving(Loopback(api, close_after_each=True)) as base:
        http = requester()
        try:
            with pytest.raises(UnavailableError, match="connection dropped mid-response"):
                await http.get_json(f"{base}/cut")
        finally:
            await http.aclose()


async def test_a_port_nobody_listens_on_cannot_connect() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    http = requester()
    try:
        with pytest.raises(NetworkError, match="cannot connect"):
            await http.get_json(f"http://127.0.0.1:{port}/a")
    finally:
        await http.aclose()


def server_tls() -> ssl.SSLContext:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(CERT)
    return context


async def test_tls_reaches_a_server_whose_certificate_is_trusted_and_refuses_one_that_is_not() -> None:
    async with serving(Loopback(api), tls=server_tls()) as base:
        trusted = requester(PoolTransport(ssl.create_default_context(cafile=CERT)))
        try:
            assert await trusted.get_json(f"{base}/a") == {"path": "/a"}
            assert await trusted.get_json(base.replace("127.0.0.1", "localhost") + "/b") == {"path": "/b"}
        finally:
            await trusted.aclose()
        system = requester()  # the default context, the system's CAs: a self-signed certificate fails
        try:
            with pytest.raises(NetworkError, match="cannot connect"):
                await system.get_json(f"{base}/a")
        finally:
            await system.aclose()


async def test_a_plain_http_origin_never_loads_the_ca_certificates(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused() -> ssl.SSLContext:
        raise AssertionError("a TLS context was built for a plain-http origin")

    monkeypatch.setattr(netio.httpx2, "create_ssl_context", refused)
    netio.default_tls.cache_clear()  # built by an earlier test: this one must see whether it is built
    async with serving(Loopback(api)) as base:
        http = requester()
        try:
            http.prewarm(base, 2)
            assert await http.get_json(f"{base}/a") == {"path": "/a"}
        finally:
            await http.aclose()
    netio.default_tls.cache_clear()  # never the refusing stand-in for a later test
