"""The rate-limit governor's rules, each pinned so that changing it fails a test.

Retry-After and the RateLimit reset are always sent with different values here, so a test can tell which
one hfmon followed. No test waits: every wait asked of the governor is longer than the deadline, and
deadlines are checked as upper bounds (time only shrinks them).
"""

from __future__ import annotations

import httpx2
import pytest

from hfmon.api.governor import Governor, deadline_in, time_left
from hfmon.api.transport import Requester
from hfmon.errors import RateLimitedError

TOKEN = "hf_SecretTestToken_9f8e7d6c5b4a"
URL = "https://hub.test/api/spaces"
OPTIONAL_URL = "https://hub.test/api/settings/repositories"


def requester(*answers: httpx2.Response, reserve: int = 0) -> tuple[Requester, list[str]]:
    """A Requester whose server gives `answers` in turn (the last one again once they run out)."""
    seen: list[str] = []

    def handler(request: httpx2.Request) -> httpx2.Response:
        seen.append(request.url.path)
        return answers[min(len(seen), len(answers)) - 1]

    governor = Governor(backoff_base_s=0.001)
    governor.reserve = reserve
    return Requester(TOKEN, transport=httpx2.MockTransport(handler), governor=governor, timeout_s=2), seen


def ratelimit(remaining: int, reset: int = 60, bucket: str = "api") -> dict[str, str]:
    return {"RateLimit": f'"{bucket}";r={remaining};t={reset}',
            "RateLimit-Policy": f'"fixed window";"{bucket}";q=1000;w=300'}


async def test_retry_after_is_followed_and_the_ratelimit_reset_is_only_a_fallback() -> None:
    http, _ = requester(httpx2.Response(429, headers={"Retry-After": "7", **ratelimit(0, 60)}))
    with deadline_in(5), pytest.raises(RateLimitedError) as info:
        await http.get_json(URL)
    assert info.value.retry_after_s == 7

    http, _ = requester(httpx2.Response(429, headers=ratelimit(0, 60)))
    with deadline_in(5), pytest.raises(RateLimitedError) as info:
        await http.get_json(URL)
    assert info.value.retry_after_s == 60


async def test_a_429_holds_every_later_request_even_without_ratelimit_headers() -> None:
    http, seen = requester(httpx2.Response(429, headers={"Retry-After": "120"}))
    with deadline_in(5):
        with pytest.raises(RateLimitedError):
            await http.get_json(URL)
        with pytest.raises(RateLimitedError) as info:
            await http.get_json("https://hub.test/api/jobs/alice")
    assert seen == ["/api/spaces"]  # the second request never reached the server
    assert "rate limit was hit" in info.value.message
    assert http.governor.rate_limited == 1


@pytest.mark.parametrize(("bucket", "counted"), [("api", True), ("pages", True), ("resolvers", False)])
async def test_only_the_hub_api_buckets_govern_requests(bucket: str, counted: bool) -> None:
    http, seen = requester(httpx2.Response(200, json={}, headers=ratelimit(0, 60, bucket)), reserve=5)
    await http.get_json(URL)
    assert http.governor.remaining() == (0 if counted else None)
    if counted:
        with pytest.raises(RateLimitedError):
            await http.get_json(OPTIONAL_URL, optional=True)
        assert seen == ["/api/spaces"]
    else:  # a downloads quota at 0 says nothing about the API's
        await http.get_json(OPTIONAL_URL, optional=True)
        assert seen == ["/api/spaces", "/api/settings/repositories"]


async def test_requests_sent_since_the_last_reading_are_spent_locally() -> None:
    # The server reports 5 left once, then stops sending RateLimit: each request admitted after it spends one.
    http, seen = requester(httpx2.Response(200, json={}, headers=ratelimit(5)), httpx2.Response(200, json={}),
                           reserve=3)
    for _ in range(3):
        await http.get_json(URL)
    assert http.governor.remaining() == 3  # 5 - 2
    with pytest.raises(RateLimitedError, match="3 requests left"):
        await http.get_json(OPTIONAL_URL, optional=True)
    assert len(seen) == 3


@pytest.mark.parametrize(("remaining", "skipped"), [(5, True), (6, False)])
async def test_optional_requests_stop_when_the_quota_is_down_to_the_reserve(remaining: int, skipped: bool) -> None:
    http, seen = requester(httpx2.Response(200, json={}, headers=ratelimit(remaining)), reserve=5)
    await http.get_json(URL)
    if skipped:
        with pytest.raises(RateLimitedError):
            await http.get_json(OPTIONAL_URL, optional=True)
    else:
        await http.get_json(OPTIONAL_URL, optional=True)
    assert (len(seen), http.governor.skipped) == ((1, 1) if skipped else (2, 0))


def test_an_inner_deadline_never_outlives_the_enclosing_one() -> None:
    assert time_left() is None
    with deadline_in(1):
        with deadline_in(100):
            left = time_left()
            assert left is not None and left <= 1
        with deadline_in(0.5):
            left = time_left()
            assert left is not None and left <= 0.5
        left = time_left()
        assert left is not None and left <= 1  # the outer deadline again once the inner block ends
    assert time_left() is None
