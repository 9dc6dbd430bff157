"""`benchmarks/poll.py --timeline`: when each request of one cold poll was asked for, sent, answered and done, how
long the fake itself took over each, and where the critical chain (the listing with the most pages) lost time.

The fake runs in poll.py's child process; there, each answer carries an `X-Bench-Fake` header with two figures
(milliseconds): the fake's time computing the answer, and its whole time from the request's arrival (its request line
read) to writing the answer (reading it, computing, the rest of its simulated latency, waiting for its GIL). The header
is added by this benchmark only, in the child process; the fake itself is unchanged. The rest of "sent -> answered" is
the request's way to the fake (a connection opened, the fake's thread started) and the answer's way back (until hfmon's
loop reads it).
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlsplit

FAKE_HEADER = "X-Bench-Fake"


@dataclass(frozen=True)
class Exchange:
    """One request of a poll, in seconds from the poll's first request."""

    asked: float  # the Requester was asked for it (before the rate-limit governor and the in-flight limit)
    sent: float  # its in-flight slot taken, handed to the transport
    answered: float  # status and headers read
    done: float  # body read (the caller's work on it comes after)
    what: str  # path and query names
    chain: str  # path and query without the page cursor: the pages of one listing share it
    fake_answer_ms: float | None  # the fake computing the answer
    fake_total_ms: float | None  # the fake from the request's arrival (its line read) to writing the answer


class FakeTimes:
    """In the fake's process: how long it took over each answer, simulated latency included (from the request's arrival
    to writing the answer), kept until `take` (thread-safe: each connection has a thread of its own)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._totals_ms: list[float] = []

    def add(self, total_ms: float) -> None:
        """One answer's time."""
        with self._lock:
            self._totals_ms.append(total_ms)

    def take(self) -> list[float]:
        """The times so far, forgotten here."""
        with self._lock:
            taken, self._totals_ms = self._totals_ms, []
        return taken


def instrument_fake(hub: Any, header: bool) -> FakeTimes:
    """In the fake's process: time each answer (computing it, and until its first byte is written); with `header`,
    each answer carries both times (`FAKE_HEADER`)."""
    from hfmon.fakehub import server

    local = threading.local()
    times = FakeTimes()
    answer = hub.answer

    def timed_answer(req: Any) -> Any:
        local.started = time.perf_counter()
        resp = answer(req)
        local.answered = time.perf_counter()
        return resp

    write = server._Handler._write

    def timed_write(self: Any, resp: Any) -> None:
        started = getattr(local, "started", None)
        if started is not None:
            # from the request's arrival (the fake's latency counts from then), else from its answer's start
            arrived = getattr(self, "arrived", None)
            total_ms = ((time.perf_counter() - started) if arrived is None else (time.monotonic() - arrived)) * 1000
            times.add(total_ms)
            if header:
                resp.headers.append((FAKE_HEADER, f"{(local.answered - started) * 1000:.2f} {total_ms:.2f}"))
            local.started = None
        write(self, resp)

    hub.answer = timed_answer
    server._Handler._write = timed_write  # type: ignore[method-assign]
    return times


def _chain_key(target: str) -> str:
    parts = urlsplit(target)
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k != "cursor"]
    return parts.path + "?" + "&".join(f"{k}={v}" for k, v in query)


def record(poll: Callable[[], Coroutine[Any, Any, Any]]) -> list[Exchange]:
    """Run `poll()` once with the Requester's seams timed; its exchanges, in the order they were sent."""
    from hfmon.api.transport import Requester

    raw: list[tuple[float, float, float, float, str, str, str | None]] = []
    asked_at: ContextVar[float | None] = ContextVar("asked_at", default=None)
    get, exchange = Requester.get, Requester._exchange

    async def timed_get(self: Requester, url: str, *args: Any, **kw: Any) -> Any:
        token = asked_at.set(time.perf_counter())
        try:
            return await get(self, url, *args, **kw)
        finally:
            asked_at.reset(token)

    @asynccontextmanager
    async def timed_exchange(self: Requester, target: str, query: Any, timeouts: dict[str, float],
                             accept: str | None = None) -> AsyncIterator[Any]:
        sent = time.perf_counter()
        asked = asked_at.get() or sent
        async with exchange(self, target, query, timeouts, accept) as response:
            answered = time.perf_counter()
            yield response
        shown = "" if not query else "?" + ",".join(query)
        path = target.split("://", 1)[-1].split("/", 1)[-1]
        what = path.split("?")[0] + shown if query else _short(path)
        raw.append((asked, sent, answered, time.perf_counter(), what, _chain_key(target),
                    response.headers.get(FAKE_HEADER)))

    Requester.get, Requester._exchange = timed_get, timed_exchange  # type: ignore[method-assign]
    try:
        asyncio.run(poll())
    finally:
        Requester.get, Requester._exchange = get, exchange  # type: ignore[method-assign]
    start = min(r[0] for r in raw)
    out = []
    for asked, sent, answered, done, what, chain, fake in sorted(raw, key=lambda r: r[1]):
        answer_ms = total_ms = None
        if fake:
            answer_ms, total_ms = (float(x) for x in fake.split())
        out.append(Exchange(asked - start, sent - start, answered - start, done - start, what, chain, answer_ms,
                            total_ms))
    return out


def _short(path: str) -> str:
    """A path with its query's names only (values and the cursor left out)."""
    base, _, query = path.partition("?")
    names = sorted({k for k, _ in parse_qsl(query, keep_blank_values=True)})
    return base + ("?" + ",".join(names) if names else "")


def report(rows: list[Exchange], latency_ms: float) -> list[str]:
    """The timeline as lines, then the critical chain's links with the time lost between them."""
    lines = [f"{len(rows)} exchanges of one cold poll (ms from the first request asked for; fake = the fake's time "
             "computing / until it wrote the answer, simulated latency included)",
             "  asked    sent  answered    done   fake  request"]
    for r in rows:
        fake = "" if r.fake_total_ms is None else f"{r.fake_answer_ms:4.1f}/{r.fake_total_ms:5.1f}"
        lines.append(f"{r.asked * 1000:7.1f} {r.sent * 1000:7.1f} {r.answered * 1000:9.1f} {r.done * 1000:7.1f} "
                     f"{fake:>11}  {r.what[:80]}")
    chains: dict[str, list[Exchange]] = {}
    for r in rows:
        chains.setdefault(r.chain, []).append(r)
    whoami = next((r for r in rows if r.what.startswith("api/whoami")), rows[0])
    longest = max(chains.values(), key=lambda c: (len(c), max(x.done for x in c)))
    last = max(r.done for r in rows)
    lines += ["", f"whoami: asked {whoami.asked * 1000:.1f}, answered {whoami.answered * 1000:.1f}, done "
              f"{whoami.done * 1000:.1f} ms; the last request done at {last * 1000:.1f} ms",
              f"critical chain: {longest[0].what[:70]} ({len(longest)} pages; with whoami "
              f"{len(longest) + 1} × {latency_ms:.0f} ms = {(len(longest) + 1) * latency_ms:.0f} ms)",
              "  link  waited (prev done -> asked)  queued (asked -> sent)  sent -> answered  fake total  "
              "read (answered -> done)"]
    previous = whoami.done
    lost = 0.0
    for i, r in enumerate(longest):
        waited, queued, trip, read = (r.asked - previous, r.sent - r.asked, r.answered - r.sent, r.done - r.answered)
        fake = "" if r.fake_total_ms is None else f"{r.fake_total_ms:.1f}"
        lines.append(f"  {i + 1:4d} {waited * 1000:21.1f} {queued * 1000:22.1f} {trip * 1000:17.1f} {fake:>11} "
                     f"{read * 1000:18.1f}")
        lost += waited + queued + read + max(0.0, trip - latency_ms / 1000)
        previous = r.done
    lines.append(f"  time lost along the chain (waits, queueing, reads, and answers slower than {latency_ms:.0f} ms): "
                 f"{lost * 1000:.1f} ms, of which the fake's time over {latency_ms:.0f} ms: "
                 f"{sum(max(0.0, (r.fake_total_ms or 0) - latency_ms) for r in longest):.1f} ms")
    fakes = [r for r in rows if r.fake_total_ms is not None]
    if fakes:
        over = sorted(r.fake_total_ms - latency_ms for r in fakes if r.fake_total_ms is not None)
        lines.append(f"the fake over its {latency_ms:.0f} ms across all {len(fakes)} answers: median "
                     f"{over[len(over) // 2]:.1f} ms, worst {over[-1]:.1f} ms; computing answers "
                     f"{sum(r.fake_answer_ms or 0 for r in fakes):.1f} ms in all")
    return lines
