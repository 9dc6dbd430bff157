"""How an HTTP/1.1 answer is framed and when its connection may carry the next request (`netio_h1`, llhttp), against
a loopback server writing the bytes by hand."""

from __future__ import annotations

import asyncio
import json
import socket
import struct

import httpx2
import pytest

from hfmon.api.netio_h1 import request_head
from hfmon.errors import UnavailableError
from tests.api.test_netio import Loopback, requester, response, serving


def chunked(body: bytes, pieces: int = 3) -> bytes:
    """`body` in chunked transfer encoding, cut into `pieces` chunks."""
    step = max(1, len(body) // pieces)
    parts = [body[i:i + step] for i in range(0, len(body), step)]
    framed = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in parts)
    return b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ntransfer-encoding: chunked\r\n\r\n" + framed + \
        b"0\r\n\r\n"


ROWS = [{"id": f"org/repo-{i}", "usedStorage": i * 7} for i in range(2_000)]


def answer(path: str) -> bytes | None:
    body = json.dumps({"path": path}).encode()
    if path == "/chunked":
        return chunked(json.dumps(ROWS).encode(), pieces=7)
    if path == "/to-the-end":  # no length, no chunks: the body ends where the server closes the connection
        return b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\nconnection: close\r\n\r\n" + body
    if path == "/continue":  # an informational answer first, then the real one
        return b"HTTP/1.1 100 Continue\r\n\r\n" + response(body)
    if path == "/garbage":
        return b"HTTP/1.1 banana\r\n\r\n"
    if path == "/chatty":  # bytes after the answer that no request asked for
        return response(body) + b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n{}"
    return response(body)


async def test_a_chunked_body_arrives_whole_and_the_connection_is_kept() -> None:
    server = Loopback(answer)
    async with serving(server) as base:
        http = requester()
        try:
            assert await http.get_json(f"{base}/chunked") == ROWS
            assert await http.get_json(f"{base}/after") == {"path": "/after"}
        finally:
            await http.aclose()
    assert server.connections == 1


async def test_a_body_that_runs_to_the_end_of_the_connection_is_whole_and_the_connection_not_reused() -> None:
    server = Loopback(answer, close_after_each=True)
    async with serving(server) as base:
        http = requester()
        try:
            assert await http.get_json(f"{base}/to-the-end") == {"path": "/to-the-end"}
            assert await http.get_json(f"{base}/after") == {"path": "/after"}
        finally:
            await http.aclose()
    assert server.connections == 2


async def test_an_informational_answer_is_skipped_for_the_one_after_it() -> None:
    async with serving(Loopback(answer)) as base:
        http = requester()
        try:
            assert await http.get_json(f"{base}/continue") == {"path": "/continue"}
        finally:
            await http.aclose()


async def test_a_malformed_answer_is_a_failed_request_and_the_next_one_gets_a_new_connection() -> None:
    server = Loopback(answer)
    async with serving(server) as base:
        http = requester()
        try:
            with pytest.raises(UnavailableError, match="GET /garbage: connection dropped"):
                await http.get_json(f"{base}/garbage")
            assert await http.get_json(f"{base}/after") == {"path": "/after"}
        finally:
            await http.aclose()
    assert server.connections == 2


async def test_a_connection_on_which_the_server_said_more_than_asked_is_not_used_again() -> None:
    server = Loopback(answer)
    async with serving(server) as base:
        http = requester()
        try:
            assert await http.get_json(f"{base}/chatty") == {"path": "/chatty"}
            assert await http.get_json(f"{base}/after") == {"path": "/after"}  # not the stray `{}`
        finally:
            await http.aclose()
    assert server.connections == 2


@pytest.mark.parametrize("headers, target", [
    ([(b"authorization", b"Bearer x\r\nx-evil: 1")], b"/a"),
    ([(b"accept", b"a\nb")], b"/a"),
    ([(b"x-a\r\n", b"b")], b"/a"),
    ([(b"accept", b"a\0b")], b"/a"),
    ([], b"/a HTTP/1.1\r\nx-evil: 1"),
    ([], b"/a b"),
])
def test_a_request_head_that_would_smuggle_a_line_is_refused(headers: list[tuple[bytes, bytes]],
                                                             target: bytes) -> None:
    with pytest.raises(httpx2.LocalProtocolError):
        request_head(b"GET", target, headers)


def test_a_request_head_is_the_request_line_then_one_line_per_header() -> None:
    assert request_head(b"GET", b"/api/x?a=1", [(b"Host", b"h:1"), (b"accept", b"*/*")]) == (
        b"GET /api/x?a=1 HTTP/1.1\r\nHost: h:1\r\naccept: */*\r\n\r\n")


async def test_a_head_without_end_is_refused_past_its_cap_not_read_into_memory() -> None:
    endless = b"HTTP/1.1 200 OK\r\n" + b"".join(b"x-pad-%d: %s\r\n" % (i, b"p" * 4000) for i in range(256))
    server = Loopback(lambda path: endless if path == "/endless" else answer(path))  # 1 MB of head, never ended
    async with serving(server) as base:
        http = requester()
        try:
            with pytest.raises(UnavailableError, match="GET /endless: connection dropped"):
                await http.get_json(f"{base}/endless")
            assert await http.get_json(f"{base}/after") == {"path": "/after"}
        finally:
            await http.aclose()
    assert server.connections == 2


async def test_a_body_to_the_end_of_the_connection_cut_by_a_reset_is_not_taken_as_whole() -> None:
    async def cut(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b'HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n\r\n{"a": [1, 2')
        await writer.drain()
        await asyncio.sleep(0.05)
        sock = writer.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # close with a reset
        writer.transport.abort()

    server = await asyncio.start_server(cut, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    http = requester()
    try:
        with pytest.raises(UnavailableError, match="GET /cut: connection dropped"):  # retried, not "malformed JSON"
            await http.get_json(f"http://127.0.0.1:{port}/cut")
    finally:
        await http.aclose()
        server.close()
        await server.wait_closed()
