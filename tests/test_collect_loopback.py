"""Collector against the fake on real loopback sockets: stalls that hold a connection, and dropped bodies."""

from __future__ import annotations

import asyncio

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.fakehub import FULL_TOKEN, FakeHub, Faults, demo_scenario
from hfmon.fakehub.server import serve
from hfmon.models import SourceStatus
from hfmon.poll_timing import CollectorSettings


async def poll_over_loopback(faults: Faults, deadline_s: float) -> tuple[list[tuple[str, SourceStatus, str]], int]:
    scn = demo_scenario(faults=faults)
    hub = FakeHub(scn, now=lambda: scn.start)
    with serve(hub, port=0) as server:
        clock = FrozenClock(scn.start)
        client = HubClient(FULL_TOKEN, BaseUrls.single(server.base_url), clock=clock,
                           governor=Governor(backoff_base_s=0.01), timeout_s=deadline_s)
        async with Collector(client, clock, settings=CollectorSettings(deadline_s=deadline_s)) as collector:
            # The guard turns a hang into a failure; the poll itself must end at its own deadline.
            snap = await asyncio.wait_for(collector.poll(), deadline_s + 10)
    return [(s.name, s.status, s.error or "") for s in snap.sources()], len(hub.requests)


async def test_a_server_that_stalls_cannot_hold_the_poll() -> None:
    sources, sent = await poll_over_loopback(Faults(stall_rate=1.0, stall_seconds=60), deadline_s=1.5)
    assert all(status is SourceStatus.ERROR for _, status, _ in sources)
    assert any("timed out" in error or "deadline" in error or "no answer" in error for _, _, error in sources)
    # whoami, 4 catalogs, the user's 6 and its 8 spend windows' sent ahead of whoami's answer: 3 tries each at most
    assert sent <= 19 * 3


async def test_truncated_bodies_on_a_dropped_connection_are_errors_not_crashes() -> None:
    sources, sent = await poll_over_loopback(Faults(truncate_rate=1.0), deadline_s=5)
    account = next(s for s in sources if s[0] == "account")
    assert account[1] is SourceStatus.ERROR
    assert sent <= 19 * 3 + 1  # whoami, 4 catalogs, the user's 6 and 8 windows sent ahead of whoami's: 3 tries each
