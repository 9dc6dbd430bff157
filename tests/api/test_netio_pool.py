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


async def test_connections_opened_ahead_start_once_the_next_request_is_sent_and_are_then_used() -> None:
    server = Loopback(answer)
    async with serving(server) as base:
        http = requester()
        try:
            http.prewarm(f"{base}/any", 3)
            await asyncio.sleep(0.05)
            assert server.connections == 0  # nothing opened before a request is on its way
            assert await http.get_json(f"{base}/first") == {"path": "/first"}
            for _ in range(200):  # the three open in the background (bounded wait)
                if server.connections == 4:
                    break
                await asyncio.sleep(0.01)
            answers = await asyncio.gather(*(http.get_json(f"{base}/{i}") for i in range(4)))
        finally:
            await http.aclose()
    assert answers == [{"path": f"/{i}"} for i in range(4)]
    assert server.connections == 4  # the first request's connection and the three opened ahead, all used again


async def test_closing_the_pool_while_connections_open_ahead_leaves_none_open() -> None:
    server = Loopback(answer)
    async with serving(server) as base:
        transport = PoolTransport()
        http = requester(transport)
        try:
            http.prewarm(f"{base}/any", 5)
            assert await http.get_json(f"{base}/first") == {"path": "/first"}
        finally:
            await http.aclose()  # the five may still be opening
        await asyncio.sleep(0.1)
        pool = transport._pool  # noqa: SLF001 - what it still holds is the point
        assert not pool._opening and not pool._open and not pool._idle  # noqa: SLF001
    assert server.closed.is_set()
