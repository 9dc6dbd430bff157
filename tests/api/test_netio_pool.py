"""hfmon's connection pool against a loopback server: which connection a request goes on, and that every request
gives its slot back, however it ends."""

from __future__ import annotations

import asyncio
import json

import pytest

from hfmon.api.netio import PoolTransport
from hfmon.errors import UnavailableError
from tests.api.test_netio import Loopback, requester, response, serving

LONG_ERROR = b'{"error": "' + b"x" * 200_000 + b'"}'  # far past what hfmon reads of an error's body


def answer(path: str) -> bytes | None:
    if path == "/silent":
        return None
    if path == "/long-error":
        return response(LONG_ERROR, status="500 Internal Server Error")
    return response(json.dumps({"path": path}).encode())


async def test_a_connection_whose_body_was_not_read_to_its_end_is_not_used_again() -> None:
    server = Loopback(answer)
    async with serving(server) as base:
        http = requester()
        try:
            with pytest.raises(UnavailableError):
                await http.get_json(f"{base}/long-error")  # only the start of the message is read
            assert await http.get_json(f"{base}/a") == {"path": "/a"}
            assert await http.get_json(f"{base}/b") == {"path": "/b"}
        finally:
            await http.aclose()
    assert server.connections == 2  # a fresh one after the cut body; then it is kept


async def test_a_connection_past_its_keep_alive_time_is_closed_not_used() -> None:
    server = Loopback(answer)
    async with serving(server) as base:
        http = requester(PoolTransport(keepalive_expiry_s=-1.0))  # expired as soon as it is idle
        try:
            for path in ("/a", "/b", "/c"):
                assert await http.get_json(f"{base}{path}") == {"path": path}
        finally:
            await http.aclose()
    assert server.connections == 3


async def test_past_the_in_flight_limit_a_request_waits_for_a_connection_and_reuses_it() -> None:
    server = Loopback(answer)
    async with serving(server) as base:
        http = requester(PoolTransport(max_connections=1))
        try:
            answers = await asyncio.gather(*(http.get_json(f"{base}/{i}") for i in range(5)))
        finally:
            await http.aclose()
    assert answers == [{"path": f"/{i}"} for i in range(5)]
    assert server.connections == 1


async def test_a_cancelled_request_gives_its_slot_back_and_its_connection_is_closed() -> None:
    asked = asyncio.Event()

    def noting(path: str) -> bytes | None:
        asked.set()
        return answer(path)

    server = Loopback(noting)
    async with serving(server) as base:
        http = requester(PoolTransport(max_connections=1))
        try:
            stuck = asyncio.ensure_future(http.get_json(f"{base}/silent"))
            await asyncio.wait_for(asked.wait(), 10)  # the request is on the wire
            stuck.cancel()
            with pytest.raises(asyncio.CancelledError):
                await stuck
            # With the only slot leaked, this would wait for ever: the guard turns that into a failure.
            assert await asyncio.wait_for(http.get_json(f"{base}/a"), 10) == {"path": "/a"}
        finally:
            await http.aclose()
    assert server.connections == 2
