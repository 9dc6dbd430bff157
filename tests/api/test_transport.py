"""The HTTP seam: error mapping, bounded retries, the rate-limit governor, pagination and the live stream."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx2
import pytest

from hfmon.api.governor import Governor, deadline_in, parse_ratelimit
from hfmon.api.transport import Requester
from hfmon.errors import (
    AuthError,
    BadResponseError,
    NetworkError,
    NoAccessError,
    RateLimitedError,
    UnavailableError,
)

TOKEN = "hf_SecretTestToken_9f8e7d6c5b4a"
Handler = Callable[[httpx2.Request], httpx2.Response]


def one_item(page: Any) -> list[Any]:
    """Each page as one item (the listing's pages as they came)."""
    return [page]


def requester(handler: Handler, **gov: float) -> tuple[Requester, list[httpx2.Request]]:
    seen: list[httpx2.Request] = []

    def record(request: httpx2.Request) -> httpx2.Response:
        seen.append(request)
        return handler(request)

    governor = Governor(backoff_base_s=0.001, **gov)  # type: ignore[arg-type]
    return Requester(TOKEN, transport=httpx2.MockTransport(record), governor=governor, timeout_s=2), seen


def rl(remaining: int, reset: int = 60) -> dict[str, str]:
    return {"RateLimit": f'"api";r={remaining};t={reset}', "RateLimit-Policy": '"fixed window";"api";q=1000;w=300'}


def test_parse_ratelimit_headers() -> None:
    info = parse_ratelimit(httpx2.Headers(rl(7, 55)))
    assert info is not None and (info.bucket, info.remaining, info.reset_s, info.limit, info.window_s) == (
        "api", 7, 55, 1000, 300)
    assert parse_ratelimit(httpx2.Headers({"RateLimit": "garbage"})) is None
    assert parse_ratelimit(httpx2.Headers({})) is None


async def test_sends_the_token_only_in_the_authorization_header() -> None:
    http, seen = requester(lambda r: httpx2.Response(200, json={"ok": True}))
    assert await http.get_json("https://hub.test/api/whoami-v2") == {"ok": True}
    assert seen[0].headers["authorization"] == f"Bearer {TOKEN}"
    assert TOKEN not in str(seen[0].url)


@pytest.mark.parametrize(("status", "error", "hint_part"), [
    (401, AuthError, "hf auth whoami"),
    (403, NoAccessError, "Billing > Read billing usage"),
    (404, None, None),
])
async def test_status_errors_map_to_hfmon_errors_without_retry(status: int, error: type | None,
                                                               hint_part: str | None) -> None:
    http, seen = requester(lambda r: httpx2.Response(status, headers={"X-Error-Message": f"nope {TOKEN}"}))
    with pytest.raises(Exception) as info:
        await http.get_json("https://hub.test/api/settings/billing/usage-v2",
                            forbidden_hint='add "Billing > Read billing usage"')
    if error is not None:
        assert isinstance(info.value, error)
    assert info.value.status == status  # type: ignore[attr-defined]
    assert hint_part is None or hint_part in (info.value.hint or "")  # type: ignore[attr-defined]
    assert TOKEN not in str(info.value) and "nope" in str(info.value)
    assert len(seen) == 1


async def test_5xx_is_retried_a_bounded_number_of_times() -> None:
    http, seen = requester(lambda r: httpx2.Response(503))
    with pytest.raises(UnavailableError):
        await http.get_json("https://hub.test/api/spaces")
    assert len(seen) == 3  # one try and max_retries=2
    assert http.governor.retries == 2


async def test_5xx_then_success() -> None:
    answers = iter([httpx2.Response(502), httpx2.Response(200, json=[1])])
    http, seen = requester(lambda r: next(answers))
    assert await http.get_json("https://hub.test/api/spaces") == [1]
    assert len(seen) == 2


async def test_connect_error_is_a_network_error() -> None:
    def refuse(request: httpx2.Request) -> httpx2.Response:
        raise httpx2.ConnectError("refused", request=request)

    http, seen = requester(refuse)
    with pytest.raises(NetworkError):
        await http.get_json("https://hub.test/api/whoami-v2")
    assert len(seen) == 3


async def test_429_that_fits_the_deadline_is_waited_out_and_retried() -> None:
    answers = iter([httpx2.Response(429, headers={"Retry-After": "0", **rl(0, 0)}),
                    httpx2.Response(200, json={}, headers=rl(99))])
    http, seen = requester(lambda r: next(answers))
    with deadline_in(5):
        assert await http.get_json("https://hub.test/api/whoami-v2") == {}
    assert len(seen) == 2
    assert http.governor.remaining() == 99


async def test_429_beyond_the_deadline_fails_fast_and_holds_other_requests() -> None:
    http, seen = requester(lambda r: httpx2.Response(429, headers={"Retry-After": "120", **rl(0, 120)}))
    with deadline_in(2):
        with pytest.raises(RateLimitedError) as info:
            await http.get_json("https://hub.test/api/spaces")
        assert info.value.retry_after_s == 120
        # The next request is not sent at all: the governor knows the window is closed.
        with pytest.raises(RateLimitedError):
            await http.get_json("https://hub.test/api/jobs/alice")
    assert len(seen) == 1


async def test_low_quota_skips_optional_requests_only() -> None:
    http, seen = requester(lambda r: httpx2.Response(200, json={}, headers=rl(3)))
    await http.get_json("https://hub.test/api/whoami-v2")
    http.governor.reserve = 5
    with pytest.raises(RateLimitedError):
        await http.get_json("https://hub.test/api/settings/repositories", optional=True)
    await http.get_json("https://hub.test/api/spaces")  # essential: still sent
    assert [r.url.path for r in seen] == ["/api/whoami-v2", "/api/spaces"]
    assert http.governor.skipped == 1


@pytest.mark.parametrize("body", [b"{\"usage\": {\"inferenceProv", b"<html>oops</html>", b""])
async def test_malformed_or_truncated_json_is_a_bad_response(body: bytes) -> None:
    http, _ = requester(lambda r: httpx2.Response(200, content=body))
    with pytest.raises(BadResponseError):
        await http.get_json("https://hub.test/api/settings/billing/usage-v2")


@pytest.mark.parametrize(("body", "expected"), [
    # integers of 19 digits and more: json's exact int, never a float (orjson would read a float past 64 bits)
    (b'{"usedStorage": 123456789012345678901234567890}', {"usedStorage": 123456789012345678901234567890}),
    (b'[-9309660567069422392, 18446744073709551616]', [-9309660567069422392, 18446744073709551616]),
    (b'[12345678901234567890123,\n\t1.000000000000000000001]', [12345678901234567890123, 1.0]),
    (b'{"a": 0.1, "b": 1e-7, "c": -0.0, "d": 17976931348623157e292}', {"a": 0.1, "b": 1e-7, "c": -0.0,
                                                                      "d": 1.7976931348623157e308}),
    (b'{"x": NaN}', None),  # json reads NaN (the parsers refuse it); orjson does not
    ('{"label": "caf\u00e9 é"}'.encode("utf-16"), {"label": "café é"}),  # json detects UTF-16
])
async def test_json_bodies_decode_to_the_values_json_gives(body: bytes, expected: object) -> None:
    http, _ = requester(lambda r: httpx2.Response(200, content=body))
    got = await http.get_json("https://hub.test/api/spaces")
    if expected is None:
        assert got["x"] != got["x"]  # NaN, as json.loads gives it
    else:
        assert got == expected
        assert [type(v) for v in (got.values() if isinstance(got, dict) else got)] == [
            type(v) for v in (expected.values() if isinstance(expected, dict) else expected)]  # type: ignore[union-attr]


async def test_pagination_follows_absolute_links_with_their_query() -> None:
    def pages(request: httpx2.Request) -> httpx2.Response:
        cursor = request.url.params.get("cursor")
        if cursor is None:
            assert request.url.params.get_list("expand") == ["runtime", "private"]
            return httpx2.Response(200, json=[1, 2], headers={
                "Link": '<https://hub.test/api/spaces?author=a&expand=runtime&expand=private&cursor=p2>; rel="next"'})
        return httpx2.Response(200, json=[3])

    http, seen = requester(pages)
    got = await http.get_pages("https://hub.test/api/spaces", {"author": "a", "expand": ["runtime", "private"]},
                             parse=one_item)
    assert got == [[1, 2], [3]]
    assert seen[1].url.params.get_list("expand") == ["runtime", "private"]


async def test_pagination_refuses_a_link_to_another_host() -> None:
    http, seen = requester(lambda r: httpx2.Response(200, json=[], headers={
        "Link": '<https://evil.test/api/spaces?cursor=2>; rel="next"'}))
    with pytest.raises(BadResponseError):
        await http.get_pages("https://hub.test/api/spaces", parse=one_item)
    assert all(r.url.host == "hub.test" for r in seen)


class Trickle(httpx2.AsyncByteStream):
    """An event stream that sends some chunks, then (optionally) stalls forever."""

    def __init__(self, chunks: list[bytes], stall: bool) -> None:
        self.chunks, self.stall = chunks, stall

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self.chunks:
            yield chunk
        if self.stall:
            await asyncio.sleep(3600)


def sse(chunks: list[bytes], stall: bool = True) -> Handler:
    def handler(request: httpx2.Request) -> httpx2.Response:
        assert request.headers["accept"] == "text/event-stream"
        return httpx2.Response(200, headers={"content-type": "text/event-stream"}, stream=Trickle(chunks, stall))
    return handler


async def test_live_stream_returns_the_first_complete_event_without_waiting_for_the_end() -> None:
    http, _ = requester(sse([b"event: usage\ndata: {\"inference\": {}}\n\n", b"event: ping\ndata: 1\n\n",
                             b"event: usage\ndata: {\"inference\": {\"usedNanoUsd\": 5}}\n\n"]))
    data = await http.first_event("https://hub.test/api/settings/billing/usage/live", event="usage",
                                  complete=lambda d: "usedNanoUsd" in d["inference"], timeout_s=5)
    assert data == {"inference": {"usedNanoUsd": 5}}


async def test_live_stream_that_stalls_gives_up_at_its_timeout() -> None:
    http, _ = requester(sse([b"event: usage\ndata: {\"inference\": {}}\n\n"]))
    with pytest.raises(UnavailableError):
        await http.first_event("https://hub.test/api/settings/billing/usage/live", event="usage",
                               complete=lambda d: "usedNanoUsd" in d["inference"], timeout_s=0.2)


async def test_live_stream_403_is_no_access() -> None:
    http, _ = requester(lambda r: httpx2.Response(403, json={"error": "forbidden"}))
    with pytest.raises(NoAccessError):
        await http.first_event("https://hub.test/api/settings/billing/usage/live", event="usage",
                               complete=lambda d: True, timeout_s=1, forbidden_hint="billing")


async def test_nothing_is_sent_after_the_deadline() -> None:
    http, seen = requester(lambda r: httpx2.Response(200, json={}))
    with deadline_in(0):
        with pytest.raises(UnavailableError):
            await http.get_json("https://hub.test/api/whoami-v2")
    assert seen == []


async def test_pagination_resolves_relative_links_and_stops_on_a_loop() -> None:
    def pages(request: httpx2.Request) -> httpx2.Response:
        cursor = request.url.params.get("cursor")
        nxt = {None: "/api/jobs/a?cursor=2", "2": "/api/jobs/a?cursor=3", "3": "/api/jobs/a?cursor=2"}[cursor]
        return httpx2.Response(200, json=[cursor], headers={"Link": f'<{nxt}>; rel="next"'})

    http, seen = requester(pages)
    with pytest.raises(BadResponseError) as info:
        await http.get_pages("https://hub.test/api/jobs/a", parse=one_item)
    assert "already read" in info.value.message
    assert [r.url.params.get("cursor") for r in seen] == [None, "2", "3"]


async def test_pagination_follows_an_absolute_link_to_the_same_host_and_never_sends_the_token_elsewhere() -> None:
    def pages(request: httpx2.Request) -> httpx2.Response:
        cursor = request.url.params.get("cursor")
        nxt = {None: "HTTPS://Hub.Test:443/api/jobs/a?cursor=2", "2": "https://evil.test/api/jobs/a?cursor=3",
               "3": None}[cursor]
        return httpx2.Response(200, json=[cursor], headers={"Link": f'<{nxt}>; rel="next"'} if nxt else {})

    http, seen = requester(pages)
    with pytest.raises(BadResponseError) as info:
        await http.get_pages("https://hub.test/api/jobs/a", parse=one_item)
    assert "another host" in info.value.message
    assert [(r.url.host, r.url.params.get("cursor")) for r in seen] == [("hub.test", None), ("hub.test", "2")]
    for foreign in ("http://hub.test/api/jobs/a?cursor=3", "https://hub.test:8443/api/jobs/a?cursor=3",
                    "https://hub.test:x/api/jobs/a?cursor=3"):
        http, seen = requester(lambda r, link=foreign: httpx2.Response(200, json=[], headers={
            "Link": f'<{link}>; rel="next"'}))
        with pytest.raises(BadResponseError, match="another host"):
            await http.get_pages("https://hub.test/api/jobs/a", parse=one_item)
        assert len(seen) == 1, foreign


@pytest.mark.parametrize("url, params", [
    ("https://hub.test/api/spaces", {"author": "org-1", "expand": ["runtime", "private"], "limit": 500}),
    ("https://hub.test/api/x", {"startDate": "2026-11-01T00:00:00.000Z", "periodId": "a b/ü&x=1+%20"}),
    ("https://hub.test/api/x", {"stage": ("RUNNING", "SCHEDULING"), "n": 0}),
    ("https://hub.test/api/x", {"flag": True, "n": 3}),  # a bool: httpx2 writes it ("true")
    ("https://hub.test/api/x?limit=5", {"limit": 10, "author": "a"}),  # a query already there: httpx2 merges
])
async def test_the_url_sent_is_the_one_httpx2_builds_from_the_parameters(url: str, params: dict[str, Any]) -> None:
    http, seen = requester(lambda r: httpx2.Response(200, json={}))
    await http.get_json(url, params)
    assert str(seen[0].url) == str(httpx2.Request("GET", url, params=params).url)
    assert seen[0].headers["accept"] == "application/json"
    assert seen[0].headers["host"] == "hub.test"
