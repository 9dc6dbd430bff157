"""Building a HubClient for the front ends: against the real services, or the in-process fake for `--demo`."""

from __future__ import annotations

from hfmon.api.hub import HubClient
from hfmon.api.token import quiet_hub_logging, resolve_token
from hfmon.api.urls import BaseUrls
from hfmon.clock import Clock, FunctionClock, SystemClock


def open_client(*, demo: bool = False, speed: float = 60.0, token: str | None = None,
                timeout_s: float = 10.0) -> tuple[HubClient, Clock]:
    """A HubClient and the clock to poll it with; NoTokenError (with a hint) when a real token is missing."""
    if demo:
        from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario  # only demo pays for the fake

        hub = FakeHub(demo_scenario(), speed=speed)
        clock = FunctionClock(hub.now)
        client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), timeout_s=timeout_s, clock=clock)
        client.fake = hub
        return client, clock
    resolved = resolve_token(token)
    quiet_hub_logging()
    system = SystemClock()
    return HubClient(resolved, BaseUrls.from_env(), timeout_s=timeout_s, clock=system), system
