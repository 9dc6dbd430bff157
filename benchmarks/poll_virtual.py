"""`benchmarks/poll.py --virtual`: cold polls on a virtual clock, hfmon's own share of the poll's ratio whatever the
machine's load.

The fake answers in-process (its own transport, no sockets) exactly its latency after each request. The event loop's
clock moves on by those waits and by the CPU each callback of the loop took (process time, the fake's work on an answer
taken out), nothing else: a poll's wall on it is what the poll would take on a CPU of its own, against a server that
answers in exactly the latency. The critical path plus hfmon's CPU where the chains wait on it; other processes, the
fake's CPU, sockets and connections do not count. hfmon's transport is the in-process one here (httpx2 Request and
Response objects: a little more CPU per request than the real network's pool). The account's default size only: a body
large enough to be parsed in a thread (`transport.OFF_LOOP_BYTES`) would be read in no virtual time.
"""

from __future__ import annotations

import asyncio
import selectors
import statistics
import time
from asyncio import events
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.fakehub import FULL_TOKEN, FakeHub
from hfmon.fakehub.demo import START
from hfmon.models import Snapshot


class _VirtualSelector(selectors.DefaultSelector):
    """Never waits: what the loop would have slept for is added to its virtual clock instead."""

    def __init__(self, loop: VirtualLoop) -> None:
        super().__init__()
        self._loop = loop

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        """What is ready now; with nothing ready, the clock moves on to the next timer (a real wait with none)."""
        ready = super().select(0)
        if ready or timeout is None:
            return ready or super().select(None)
        self._loop.now += timeout
        return []


class VirtualLoop(asyncio.SelectorEventLoop):
    """An event loop whose clock moves only by its timers' waits and its callbacks' CPU (`charged`)."""

    def __init__(self) -> None:
        super().__init__(_VirtualSelector(self))
        self.now = 0.0
        self.fake_cpu_s = 0.0
        """The fake's CPU so far (taken out of the callbacks that ran it)."""

    def time(self) -> float:
        """The virtual time."""
        return self.now


@contextmanager
def charged(hub: FakeHub) -> Iterator[None]:
    """While inside: every callback of a VirtualLoop moves its clock on by the CPU it took, less the fake's (`hub`)."""
    run = events.Handle._run
    respond, to_httpx = hub.respond, hub.to_httpx

    def timed_run(handle: events.Handle) -> None:
        loop = handle._loop  # type: ignore[attr-defined]
        if not isinstance(loop, VirtualLoop):
            run(handle)
            return
        started, fake = time.process_time(), loop.fake_cpu_s
        run(handle)
        loop.now += max(0.0, time.process_time() - started - (loop.fake_cpu_s - fake))

    def fake_work(work: Any) -> Any:
        def timed(*args: Any) -> Any:
            started = time.process_time()
            try:
                return work(*args)
            finally:
                loop = asyncio.get_running_loop()
                if isinstance(loop, VirtualLoop):
                    loop.fake_cpu_s += time.process_time() - started
        return timed

    events.Handle._run = timed_run  # type: ignore[method-assign,assignment]
    hub.respond, hub.to_httpx = fake_work(respond), fake_work(to_httpx)  # type: ignore[method-assign]
    try:
        yield
    finally:
        events.Handle._run = run  # type: ignore[method-assign]
        hub.respond, hub.to_httpx = respond, to_httpx  # type: ignore[method-assign]


def virtual_poll(hub: FakeHub) -> tuple[float, Snapshot]:
    """One cold poll by a fresh Collector on a VirtualLoop: its virtual wall time and its Snapshot."""
    async def poll() -> tuple[float, Snapshot]:
        loop = asyncio.get_running_loop()
        assert isinstance(loop, VirtualLoop)
        client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=FrozenClock(START))
        async with Collector(client, client.clock) as collector:
            started = loop.now
            snap = await collector.poll()
            return loop.now - started, snap

    loop = VirtualLoop()
    try:
        return loop.run_until_complete(poll())
    finally:
        loop.close()


def measure_virtual(scenario: Any, runs: int) -> dict[str, Any]:
    """`runs` cold polls (after one to warm up) on the virtual clock: their median and best wall, and the last
    Snapshot."""
    hub = FakeHub(scenario, now=lambda: scenario.start)
    with charged(hub):
        virtual_poll(hub)
        done = [virtual_poll(hub) for _ in range(runs)]
    walls = [wall for wall, _ in done]
    return {"median_s": statistics.median(walls), "best_s": min(walls), "snapshot": done[-1][1]}
