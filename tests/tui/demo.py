"""The real demo pipeline (fake Hub → collect → history → evaluate) on a frozen clock."""

from __future__ import annotations

import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.hub import Ctx
from hfmon.fakehub.scenario import Scenario
from hfmon.fakehub.wire import HTTPError, Resp
from hfmon.monitor import Monitor
from hfmon.store.db import HistoryStore


class EndpointsDeniedHub(FakeHub):
    """The fake Hub, but the Endpoints API answers 401 for some orgs (an org whose Endpoints the token cannot
    read: how the real API answers it)."""

    def __init__(self, scenario: Scenario, denied: tuple[str, ...], **kwargs: Any) -> None:
        super().__init__(scenario, **kwargs)
        self.denied = denied

    def _route(self, ctx: Ctx) -> Resp:
        if any(ctx.req.path.startswith(f"/v2/{route}/{org}") for org in self.denied
               for route in ("endpoint", "provider")):
            raise HTTPError(401, f"You are not allowed to access the endpoints of {ctx.req.path.split('/')[3]}")
        return super()._route(ctx)


def frozen_demo(at: datetime | None = None, *, history: bool = True, endpoints_denied: tuple[str, ...] = (),
                scenario: Scenario | None = None) -> tuple[Monitor, FrozenClock]:
    """The `--demo` Monitor with time standing still (at the scenario start unless `at` is given).

    `endpoints_denied`: orgs whose Endpoints API answers 401; `scenario`: the demo's, edited.
    """
    scenario = scenario or demo_scenario()
    clock = FrozenClock(at or scenario.start)
    hub = EndpointsDeniedHub(scenario, endpoints_denied, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock)
    client.fake = hub  # as `--demo` has it (its proxy traffic goes to this hub)
    monitor = Monitor(Collector(client, clock), clock, Config(), None)
    if history:
        monitor.scratch = tempfile.TemporaryDirectory(prefix="hfmon-tui-demo-")  # removed by monitor.close()
        monitor.store = HistoryStore.open(Path(monitor.scratch.name) / "history.sqlite3")
    return monitor, clock


async def warm(monitor: Monitor, clock: FrozenClock, *, days: float = 3.0, step_h: float = 6.0) -> None:
    """Poll at earlier moments so history (and the burn-down series) has points, then return to now."""
    end = clock.now()
    t = end - timedelta(days=days)
    while t < end:
        clock.at = t
        await monitor.poll()
        t += timedelta(hours=step_h)
    clock.at = end
