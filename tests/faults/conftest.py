"""The `served` fixture: the demo account on loopback, faults added by each test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from hfmon.fakehub import FakeHub, demo_scenario
from hfmon.fakehub.scenario import shifted
from hfmon.fakehub.server import serve
from tests.faults.harness import Served


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The demo account on 127.0.0.1 at a frozen time, with no faults until a test adds some."""
    scenario = demo_scenario(seed=7)
    frozen: datetime = scenario.start
    hub = FakeHub(scenario, now=lambda: frozen)
    with serve(hub, port=0) as server:
        yield Served(hub, server.base_url, tmp_path)


@pytest.fixture
def served_now(tmp_path: Path) -> Iterator[Served]:
    """The demo account on 127.0.0.1 anchored at this minute and standing still there, as `hfmon fake-hub` anchors it:
    hfmon asks for "this month so far" by its own clock, so a fake frozen in another month would answer another
    window. Tests read expected figures from the fake's own answers, so they hold whatever the date."""
    scenario = demo_scenario(seed=7)
    anchored = shifted(scenario, datetime.now(UTC).replace(second=0, microsecond=0) - scenario.start)
    frozen: datetime = anchored.start
    hub = FakeHub(anchored, now=lambda: frozen)
    with serve(hub, port=0) as server:
        yield Served(hub, server.base_url, tmp_path)
