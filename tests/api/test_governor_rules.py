"""The rate-limit governor's rules, each pinned so that changing it fails a test.

Retry-After and the RateLimit reset are always sent with different values here, so a test can tell which
one hfmon followed. No test really waits: through HTTP, every wait asked of the governor is longer than the
deadline and deadlines are checked as upper bounds (time only shrinks them); the waits themselves are tested
on a clock the test moves by hand.
"""

from __future__ import annotations

import asyncio
import math
import random
from asyncio import sleep as yield_to_tasks  # the real one: the `clock` fixture patches asyncio.sleep

import httpx2
import pytest

from hfmon.api import governor as gov_module
from hfmon.api.governor import (
    MAX_UNBOUNDED_SLEEP_S,
    MAX_WAIT_S,
    Governor,
    capped,
    capped_wait,
    deadline_in,
    parse_retry_after,
    time_left,
)
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


class FakeTime:
    """A monotonic clock that moves only when the governor sleeps (or the test says so)."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.slept: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> FakeTime:
    fake = FakeTime()
    monkeypatch.setattr(gov_module, "monotonic", fake.monotonic)
    monkeypatch.setattr(asyncio, "sleep", fake.sleep)
    return fake


@pytest.mark.parametrize(("header", "seconds"), [
    ("7", 7.0), (" 2.5 ", 2.5), ("0", 0.0), ("1000000000", 1e9), ("inf", math.inf),
    ("-1", None), ("nan", None), ("Wed, 21 Oct 2015 07:28:00 GMT", None), ("", None), (None, None),
])
def test_retry_after_as_sent_or_none_when_unusable(header: str | None, seconds: float | None) -> None:
    assert parse_retry_after(header) == seconds


@pytest.mark.parametrize(("asked", "waited"), [(-5.0, 0.0), (0.0, 0.0), (0.5, 0.5), (299.0, 299.0),
                                               (1e9, MAX_WAIT_S), (math.inf, MAX_WAIT_S)])
def test_a_server_requested_wait_is_cut_to_the_documented_window(asked: float, waited: float) -> None:
    assert MAX_WAIT_S == 300  # HF's fixed rate-limit window is 5 minutes
    assert capped_wait(asked) == waited


def test_a_429_hold_counts_down_and_ends(clock: FakeTime) -> None:
    governor = Governor()
    assert governor.blocked_for_s() is None
    governor.block_for(10)
    assert governor.blocked_for_s() == 10
    clock.now += 4
    governor.block_for(3)  # a shorter hold does not cut the longer one
    assert governor.blocked_for_s() == 6
    assert governor.rate_limited == 2
    clock.now += 5.5
    assert governor.blocked_for_s() == 0.5
    clock.now += 0.5
    assert governor.blocked_for_s() is None
    governor.block_for(1e9)  # an absurd Retry-After holds for the window at most
    assert governor.blocked_for_s() == MAX_WAIT_S


async def test_a_hold_that_fits_the_deadline_is_slept_through_and_one_that_does_not_fails_at_once(
        clock: FakeTime) -> None:
    governor = Governor()
    governor.block_for(4)
    with deadline_in(10):
        await governor.admit(optional=False)
    assert clock.slept == [4]
    governor.block_for(42)
    with deadline_in(10), pytest.raises(RateLimitedError) as info:
        await governor.admit(optional=False)
    assert clock.slept == [4]  # nothing slept: the wait could not end before the deadline
    assert info.value.message == "the rate limit was hit; retry in 42 s"
    assert info.value.hint == "wait for the window to reset"
    assert info.value.retry_after_s == 42


async def test_a_request_waiting_for_answers_on_their_way_keeps_a_429_hold_they_bring(clock: FakeTime) -> None:
    """Quota 0 with one request on its way: the next waits for its answer. That answer is a 429 with `Retry-After: 30`
    and a reading of 5 left: the waiting request used to go out at once, inside the 30 s hold; now it sleeps 30 s."""
    governor = Governor()
    governor.observe(httpx2.Headers(ratelimit(1, 60)))
    with deadline_in(60):
        async with governor.admitted(optional=False) as first:
            governor.note_sent(first)
            waiting = asyncio.create_task(governor.admit(optional=False))
            await yield_to_tasks(0)
            assert not waiting.done()  # 0 left: it waits for the answer on its way
            governor.block_for(30)  # the answer: 429, Retry-After 30 ...
            governor.observe(httpx2.Headers(ratelimit(5, 60)), first)  # ... with a reading of 5 left
        await waiting
    assert clock.slept == [30]
    assert governor.remaining() == 4  # admitted after the hold, and reserved


async def test_sleeps_must_end_before_the_deadline_with_time_to_spare(clock: FakeTime) -> None:
    governor = Governor()
    with deadline_in(10):
        assert await governor.sleep_within_deadline(9.95) is False  # would leave no time to send the request
        assert await governor.sleep_within_deadline(9.9) is True
    assert clock.slept == [9.9]


async def test_without_a_deadline_sleeps_are_bounded_too(clock: FakeTime) -> None:
    governor = Governor()
    assert await governor.sleep_within_deadline(MAX_UNBOUNDED_SLEEP_S) is True
    assert await governor.sleep_within_deadline(MAX_UNBOUNDED_SLEEP_S + 0.1) is False
    assert await governor.sleep_within_deadline(0) is True  # nothing to wait for: no sleep at all
    assert await governor.sleep_within_deadline(0.5) is True
    assert clock.slept == [MAX_UNBOUNDED_SLEEP_S, 0.5]


class EdgeRandom(random.Random):
    """Jitter at one end of its range, and the range asked for recorded."""

    def __init__(self, pick_high: bool) -> None:
        super().__init__(0)
        self.pick_high = pick_high
        self.asked: list[tuple[float, float]] = []

    def uniform(self, a: float, b: float) -> float:
        self.asked.append((a, b))
        return b if self.pick_high else a


def test_retry_backoff_doubles_with_each_attempt_within_half_to_one_and_a_half() -> None:
    low, high = EdgeRandom(False), EdgeRandom(True)
    assert [Governor(backoff_base_s=0.25, rng=low).backoff_s(n) for n in range(4)] == [0.125, 0.25, 0.5, 1.0]
    assert [Governor(backoff_base_s=0.25, rng=high).backoff_s(n) for n in range(4)] == [0.375, 0.75, 1.5, 3.0]
    assert set(low.asked) == {(0.5, 1.5)}


def test_a_stream_budget_never_runs_past_the_deadline() -> None:
    assert capped(10) == 10  # no deadline: as asked
    with deadline_in(2):
        assert 0 < capped(10) <= 2
        assert capped(0.5) <= 0.5
    with deadline_in(-1):
        assert capped(10) == 0  # the deadline has passed: nothing, never a negative timeout
