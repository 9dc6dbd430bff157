"""What is left of the rate limit counts the requests on their way (issue 15): an answer's `RateLimit` reading says
nothing of the requests sent after the server counted it, and a poll has dozens in flight. A request is reserved when
admitted and settled when answered; one the quota cannot cover while others are in flight waits for their answers."""

from __future__ import annotations

import asyncio

import pytest

from hfmon.api.governor import Governor, deadline_in
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.errors import RateLimitedError
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.models import Snapshot
from hfmon.poll_timing import CollectorSettings


def reading(remaining: int) -> dict[str, str]:
    return {"ratelimit": f"\"api\";r={remaining};t=60", "ratelimit-policy": "\"fixed window\";\"api\";q=1000;w=300"}


async def test_polls_near_the_quota_provoke_no_429_with_requests_in_flight() -> None:
    """The demo account polled 3 times within one window of 100 requests (the fake's clock frozen 10 s apart): the
    governor used to take each answer's reading as what was left while the requests sent after the server counted it
    were still on their way, and 2 requests got 429 (the third poll's usage-v2 of a namespace among them). Now none:
    optional sources are skipped instead, and no more requests are sent than the quota."""
    scenario = demo_scenario(rate_limit_quota=100)
    clock = FrozenClock(scenario.start)
    hub = FakeHub(scenario, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    collector = Collector(client, clock, settings=CollectorSettings(deadline_s=5.0, source_timeout_s=5.0))
    snap: Snapshot | None = None
    for _ in range(3):
        snap = await collector.poll(snap)
        clock.advance(10)
    assert hub.requests.count(status=429) == 0
    assert len(hub.requests) <= 100
    assert client.governor.skipped > 0
    assert snap is not None and any("skipped to save rate limit" in (s.error or "") for s in snap.sources())


async def test_a_request_is_reserved_until_it_settles_and_spent_only_if_sent() -> None:
    governor = Governor()
    governor.observe(reading(5))
    async with governor.admitted(optional=False):
        assert governor.remaining() == 4  # reserved while on its way
    assert governor.remaining() == 5  # never sent (a cancelled poll, a deadline passed first): nothing spent
    async with governor.admitted(optional=False) as sent:
        governor.note_sent(sent)
    assert governor.remaining() == 4  # sent, answered without a reading: spent until the next reading


async def test_an_answer_read_while_others_are_in_flight_counts_them() -> None:
    """5 left; A, B, C sent; A's answer says 4 (the server counted A only): 2 are left once B and C are counted, not
    4. With 2 kept in reserve, an optional request is refused; it went out before."""
    governor = Governor()
    governor.reserve = 2
    governor.observe(reading(5))
    async with governor.admitted(optional=False) as a, governor.admitted(optional=False) as b, \
            governor.admitted(optional=False) as c:
        for sent in (a, b, c):
            governor.note_sent(sent)
        governor.observe(reading(4), a)
        with pytest.raises(RateLimitedError, match="2 requests left"):
            await governor.admit(optional=True)
        assert governor.remaining() == 2
    assert governor.remaining() == 2  # B and C answered without a reading: spent until the next one


async def test_a_request_the_quota_cannot_cover_waits_for_the_answers_on_their_way() -> None:
    """1 left, 1 request on its way: the next one waits for its answer rather than for the window's reset (60 s,
    past the deadline: it used to fail at once, or go out into a 429); the answer says 3 left, and it goes."""
    governor = Governor()
    governor.observe(reading(1))
    async with governor.admitted(optional=False) as first:
        governor.note_sent(first)
        with deadline_in(5):
            waiting = asyncio.create_task(governor.admit(optional=False))
            await asyncio.sleep(0)
            assert not waiting.done()
            governor.observe(reading(3), first)
    await waiting  # admitted once the answer settled
    assert governor.remaining() == 2
    with deadline_in(5), pytest.raises(RateLimitedError, match="used up"):
        for _ in range(3):
            await governor.admit(optional=False)  # nothing on its way: the reset (60 s) is past the deadline
