"""Fixtures for the proxy tests: the fake hub on loopback with a settable scenario clock, and the proxy in front of
its router with the same clock, its ledger rows collected in memory."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field

import pytest

from hfmon.clock import FunctionClock
from hfmon.fakehub import FakeHub, demo_scenario
from hfmon.fakehub.server import Server, serve
from hfmon.ledger import LedgerRow
from hfmon.proxy.app import ProxyApp
from hfmon.proxy.server import running
from tests.fakehub.conftest import Clock


@dataclass
class Rows:
    """Ledger rows the proxy handed over, in arrival order."""

    items: list[LedgerRow] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def put(self, row: LedgerRow) -> None:
        with self.lock:
            self.items.append(row)

    def wait(self, count: int, timeout_s: float = 10.0) -> list[LedgerRow]:
        """The first `count` rows, waiting (bounded) for the proxy to finish writing them."""
        deadline = time.monotonic() + timeout_s
        while True:
            with self.lock:
                if len(self.items) >= count:
                    return list(self.items)
            assert time.monotonic() < deadline, f"expected {count} ledger rows, got {len(self.items)}"
            time.sleep(0.01)


@dataclass
class Rig:
    """A running fake hub, a proxy in front of it, and what the proxy recorded."""

    fake: Server
    clock: Clock
    url: str  # the proxy's base URL
    rows: Rows

    @property
    def hub(self) -> FakeHub:
        return self.fake.hub


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def fake(clock: Clock) -> Iterator[Server]:
    with serve(FakeHub(demo_scenario(0, discrepancies=False), now=clock)) as server:
        yield server


@pytest.fixture
def rig(fake: Server, clock: Clock) -> Iterator[Rig]:
    rows = Rows()
    app = ProxyApp(fake.base_url, rows.put, hub=fake.base_url, clock=FunctionClock(clock))
    with running(app) as url:
        yield Rig(fake, clock, url, rows)
