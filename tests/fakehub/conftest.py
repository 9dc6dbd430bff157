"""Fixtures for the fake hub tests: a frozen scenario clock and a hub without injected discrepancies."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import httpx2
import pytest

from hfmon.fakehub import FULL_TOKEN, FakeHub, Scenario, demo_scenario
from hfmon.fakehub.demo import START
from hfmon.fakehub.scenario import anchored_bounds

HUB = "https://huggingface.co"
IE = "https://api.endpoints.huggingface.cloud/v2"
ROUTER = "https://router.huggingface.co"


class Clock:
    """A settable scenario clock."""

    def __init__(self, at: datetime = START) -> None:
        self.at = at

    def __call__(self) -> datetime:
        return self.at

    def advance(self, **kw: float) -> None:
        self.at += timedelta(**kw)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def scenario() -> Scenario:
    return demo_scenario(0, discrepancies=False)


@pytest.fixture
def hub(scenario: Scenario, clock: Clock) -> FakeHub:
    return FakeHub(scenario, now=clock)


def over_its_period(hub: FakeHub, url: str) -> str:
    """usage-v2's `url` asked over the period the fake names at its time: HF's spec requires both bounds."""
    start, end = anchored_bounds(hub.now(), hub.scenario.usage_period_day)
    return f"{url}?startDate={int(start.timestamp())}&endDate={int(end.timestamp())}"


def get(hub: FakeHub, url: str, token: str | None = FULL_TOKEN, **headers: str) -> httpx2.Response:
    """One GET through the hub's transport."""
    h = {"authorization": f"Bearer {token}"} if token else {}
    h.update({k.replace("_", "-"): v for k, v in headers.items()})
    with httpx2.Client(transport=hub.transport()) as c:
        return c.get(url, headers=h)


def get_json(hub: FakeHub, url: str, token: str | None = FULL_TOKEN, **headers: str) -> Any:
    """GET and decode JSON, asserting a 200."""
    r = get(hub, url, token, **headers)
    assert r.status_code == 200, (url, r.status_code, r.text)
    return r.json()
