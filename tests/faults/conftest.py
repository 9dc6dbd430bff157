"""The `served` fixture: the demo account on loopback, faults added by each test."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from hfmon.fakehub import FakeHub, demo_scenario
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
