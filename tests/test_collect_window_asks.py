"""When a poll asks usage-v2 for each spend window (audit 8 E2; issue 15): the user's own are sent while whoami is on
its way (that round trip leaves most in-flight slots idle), a namespace whose usage-v2 the last poll read is asked for
its windows at once, with its other billing requests, and one not known readable only once its usage-v2 answered (an
org refusing billing is not asked 8 times more). Whatever the order, the figures are the same."""

from __future__ import annotations

import asyncio

import httpx2

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.fakehub import FULL_TOKEN, NO_BILLING_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.models import SourceStatus
from hfmon.poll_timing import CollectorSettings
from hfmon.usage_period import window_asks

LABS = "ada-labs"
LABS_USAGE = f"/api/organizations/{LABS}/billing/usage-v2"
USER_USAGE = "/api/settings/billing/usage-v2"


class HeldPeriodAsk(httpx2.AsyncBaseTransport):
    """The fake, holding ada-labs' usage-v2 for its period (any ask but a spend window's) until every one of its spend
    windows has been asked for; while `holding` is off, the fake as it is."""

    def __init__(self, hub: FakeHub, windows: set[tuple[int, int]]) -> None:
        self.inner = hub.transport()
        self.windows = windows
        self.holding = False
        self.windows_asked: set[tuple[int, int]] = set()
        self.all_asked = asyncio.Event()
        self.period_answered_after_windows: bool | None = None

    async def handle_async_request(self, request: httpx2.Request) -> httpx2.Response:
        if self.holding and request.url.path == LABS_USAGE:
            asked = (int(request.url.params["startDate"]), int(request.url.params["endDate"]))
            if asked in self.windows:
                self.windows_asked.add(asked)
                if self.windows_asked == self.windows:
                    self.all_asked.set()
            else:  # the period's ask: answered once the windows are all on their way (never, if they wait for it)
                await self.all_asked.wait()
                self.period_answered_after_windows = True
        return await self.inner.handle_async_request(request)


def collector(hub: FakeHub, clock: FrozenClock, token: str = FULL_TOKEN,
              transport: httpx2.AsyncBaseTransport | None = None) -> Collector:
    client = HubClient(token, BaseUrls(), transport=transport or hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001), live_timeout_s=3.0)
    return Collector(client, clock, settings=CollectorSettings(deadline_s=5.0, source_timeout_s=5.0))


async def test_the_users_window_asks_go_while_whoami_is_on_its_way() -> None:
    scenario = demo_scenario()
    clock = FrozenClock(scenario.start)
    hub = FakeHub(scenario, now=clock.now)
    snap = await collector(hub, clock).poll()
    paths = [r.path for r in hub.requests]
    first_named = min(i for i, p in enumerate(paths) if p in ("/api/jobs/ada", "/api/spaces", "/api/models"))
    # the period's ask and each spend window's, before any request that needed whoami's answer; a day ago's after
    assert paths[:first_named].count(USER_USAGE) == 1 + len(window_asks(snap.taken_at))
    assert paths.count(USER_USAGE) == 2 + len(window_asks(snap.taken_at))
    # every usage-v2 ask carried both bounds (the fake refuses one without, as HF's spec requires them)
    assert all(r.status != 400 for r in hub.requests if r.path.endswith("/usage-v2"))
    user = snap.namespace("ada")
    assert user is not None and user.usage_windows is not None and user.usage_windows.status is SourceStatus.OK
    assert [(u.start, u.end) for u in user.usage_windows.value or ()] == list(window_asks(snap.taken_at))


async def test_a_namespace_read_last_poll_is_asked_for_its_windows_without_waiting_for_its_usage() -> None:
    scenario = demo_scenario()
    clock = FrozenClock(scenario.start)
    hub = FakeHub(scenario, now=clock.now)
    cold = collector(hub, clock)
    first = await cold.poll()
    labs = first.namespace(LABS)
    assert labs is not None and labs.billing.status is SourceStatus.OK
    clock.advance(60)
    windows = {(int(s.timestamp()), int(e.timestamp())) for s, e in window_asks(clock.now())}
    held = HeldPeriodAsk(hub, windows)
    warm = collector(hub, clock, transport=held)
    held.holding = True
    second = await warm.poll(first)
    assert held.period_answered_after_windows is True  # the windows did not wait for the period's answer
    labs = second.namespace(LABS)
    assert labs is not None and labs.billing.status is SourceStatus.OK
    assert labs.usage_windows is not None and labs.usage_windows.status is SourceStatus.OK
    # the same figures as a poll that asked them after the period's answer (a fresh collector, no previous poll)
    again = await collector(hub, clock).poll()
    after = again.namespace(LABS)
    assert after is not None and after.usage_windows is not None
    assert labs.usage_windows.value == after.usage_windows.value


async def test_a_namespace_not_known_readable_that_refuses_is_not_asked_for_its_windows() -> None:
    """A token without billing read: on the first poll, each org's usage-v2 once and no window; the user's windows
    were sent with whoami (8 refusals, once); the polls after ask none of them while the refusal stands."""
    scenario = demo_scenario()
    clock = FrozenClock(scenario.start)
    hub = FakeHub(scenario, now=clock.now)
    col = collector(hub, clock, NO_BILLING_TOKEN)
    first = await col.poll()
    assert hub.requests.count(LABS_USAGE) == 1
    assert hub.requests.count(USER_USAGE) == 1 + len(window_asks(first.taken_at))
    assert all(ns.usage_windows is None and ns.billing.status is SourceStatus.NO_ACCESS for ns in first.namespaces)
    hub.requests.clear()
    clock.advance(60)
    second = await col.poll(first)
    assert hub.requests.count(prefix="/api/settings/billing/usage-v2") == 0
    assert hub.requests.count(LABS_USAGE) == 0
    assert all(ns.usage_windows is None for ns in second.namespaces)


async def test_a_namespace_read_last_poll_that_refuses_now_has_no_windows() -> None:
    """ada-labs' usage-v2 answers 403 from the second poll on: its windows, asked at once, are refused too, and read
    as not asked (None) as when they wait for the period's answer, never as the last poll's."""
    scenario = demo_scenario()
    clock = FrozenClock(scenario.start)
    hub = FakeHub(scenario, now=clock.now)
    col = collector(hub, clock)
    first = await col.poll()
    hub.route_faults.append(RouteFault(LABS_USAGE, status=403))
    hub.requests.clear()
    clock.advance(60)
    second = await col.poll(first)
    labs = second.namespace(LABS)
    assert labs is not None and labs.billing.status is SourceStatus.NO_ACCESS
    assert labs.usage_windows is None
    assert hub.requests.count(LABS_USAGE) == 1 + len(window_asks(clock.now()))  # asked at once, each refused
