"""The rate-limit governor: one per HubClient, shared by every request it sends, and the poll deadline.

It reads `RateLimit: "api";r=<remaining>;t=<reset s>` and `RateLimit-Policy` on every response, refuses
optional requests when the remaining quota is down to the reserve a poll's essential requests need,
waits out a 429 (or an exhausted window) only when the wait fits inside the deadline, and never sleeps
past the deadline. The deadline is a context variable so every task of one poll shares it.

What is left counts the requests on their way (`Admission`: reserved when admitted, settled when answered): an
answer's reading says nothing of the requests sent after the server counted it, and a poll has dozens in flight. A
request the quota cannot cover while others are in flight waits for their answers (their readings say what is left)
rather than for the window's reset.
"""

from __future__ import annotations

import asyncio
import functools
import random
import re
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager, contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

from hfmon.api.priority import PriorityLimit
from hfmon.errors import RateLimitedError

MAX_UNBOUNDED_SLEEP_S = 30.0  # outside a poll (no deadline) never wait longer than this
MAX_WAIT_S = 300
"""The longest rate-limit wait hfmon accepts from a server: HF's documented 5-minute fixed window (hf-api.md 9.1).
A `Retry-After` or `RateLimit` reset beyond it (a bug, a proxy, or hostility) is cut to it, and the error says so."""

NEXT_LINK_OVERDRAFT = 4
"""Requests a chain's next link (a listing's next page, a served model's info) may have in flight past `max_in_flight`
(`PriorityLimit`): the chains are what a poll waits for."""
HEADER_CHARS = 512  # HF's rate-limit headers are a few dozen characters; a longer one is read this far only
# (the patterns backtrack: their cost grows with the square of what they scan)

_DEADLINE: ContextVar[float | None] = ContextVar("hfmon_poll_deadline", default=None)

# At most 18 digits: a longer number is garbage (and int() of thousands of digits raises).
_RATELIMIT = re.compile(r'"?(?P<bucket>[A-Za-z0-9_-]+)"?\s*;\s*r=(?P<r>\d{1,18})\s*;\s*t=(?P<t>\d{1,18})\b')
_POLICY = re.compile(r'"?(?P<bucket>[A-Za-z0-9_-]+)"?\s*;\s*q=(?P<q>\d{1,18})\s*;\s*w=(?P<w>\d{1,18})\b')


def monotonic() -> float:
    """The clock deadlines are measured on (the same one asyncio's loop uses)."""
    return time.monotonic()


@contextmanager
def deadline_in(seconds: float) -> Iterator[float]:
    """Run the block under a deadline `seconds` from now (never later than an enclosing one)."""
    at = monotonic() + seconds
    outer = _DEADLINE.get()
    if outer is not None:
        at = min(at, outer)
    token = _DEADLINE.set(at)
    try:
        yield at
    finally:
        _DEADLINE.reset(token)


def time_left() -> float | None:
    """Seconds until the current deadline (may be negative), or None when there is none."""
    at = _DEADLINE.get()
    return None if at is None else at - monotonic()


def capped(seconds: float) -> float:
    """`seconds`, or the time left before the current deadline when that is shorter (never negative)."""
    left = time_left()
    return max(0.0, seconds if left is None else min(seconds, left))


@dataclass(frozen=True, slots=True)
class RateLimitInfo:
    """One reading of the `RateLimit` headers."""

    bucket: str
    remaining: int
    reset_s: int
    limit: int | None = None
    window_s: int | None = None


def parse_ratelimit(headers: Mapping[str, str]) -> RateLimitInfo | None:
    """Parse the IETF draft-09 `RateLimit`/`RateLimit-Policy` headers HF sends; None when absent or garbled."""
    value = headers.get("ratelimit")
    if not value:
        return None
    match = _RATELIMIT.search(value[:HEADER_CHARS])
    if match is None:
        return None
    limit, window = _policy_of((headers.get("ratelimit-policy") or "")[:HEADER_CHARS], match["bucket"])
    return RateLimitInfo(match["bucket"], int(match["r"]), min(int(match["t"]), MAX_WAIT_S), limit, window)


@functools.lru_cache(maxsize=8)
def _policy_of(policy: str, bucket: str) -> tuple[int | None, int | None]:
    """The quota and window `RateLimit-Policy` gives `bucket` ((None, None): none). The policy may list several
    buckets; a server sends the same one on every answer, so it is read once (its pattern scans from every position:
    17 µs an answer)."""
    for pm in _POLICY.finditer(policy):
        if pm["bucket"] == bucket:
            return int(pm["q"]), int(pm["w"])
    return None, None


def parse_retry_after(value: str | None) -> float | None:
    """Seconds a `Retry-After` header asks for, as sent (may exceed MAX_WAIT_S; `inf` stays inf).

    The integer form only (HF sends seconds; the HTTP-date form is ignored); NaN, negative values and
    garbage give None (no usable answer: the `RateLimit` reset decides).
    """
    if not value:
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        return None
    if seconds != seconds or seconds < 0:  # NaN, or a time in the past
        return None
    return seconds


def capped_wait(seconds: float) -> float:
    """A server-requested wait, bounded by MAX_WAIT_S."""
    return min(max(0.0, seconds), float(MAX_WAIT_S))


@dataclass(slots=True)
class Admission:
    """One admitted request's share of the quota, until it settles (`Governor.admitted`)."""

    sent: bool = False
    """It went on the wire (`Governor.note_sent`): the server may have counted it."""
    settled: bool = False
    """No longer reserved: its answer's reading counts it, or it is over (`Governor.settle`)."""


class Governor:
    """Shares one rate-limit budget, one 429 back-off and one retry policy among all requests of a client."""

    def __init__(self, *, max_retries: int = 2, max_in_flight: int = 32, backoff_base_s: float = 0.25,
                 rng: random.Random | None = None) -> None:
        self.max_retries = max_retries
        self.max_in_flight = max_in_flight
        self.backoff_base_s = backoff_base_s
        self.reserve = 0
        """Optional requests are refused while the remaining quota is at or below this (set per poll)."""
        self.requests_sent = 0
        self.retries = 0
        self.skipped = 0
        self.rate_limited = 0
        self.last: RateLimitInfo | None = None
        self._last_at = 0.0
        self._spent_since = 0  # requests settled since `last` was read with no reading of their own
        self._pending = 0  # requests admitted and not settled: reserved against what is left
        self._in_flight = 0  # of those, the ones on the wire: their answers will say what is left
        self._settled: list[asyncio.Future[None]] = []  # requests waiting for an answer to settle
        self._blocked_until = 0.0
        self._rng = rng or random.Random()
        self._sems: dict[int, PriorityLimit] = {}

    # --- reading ------------------------------------------------------------------------------

    def remaining(self) -> int | None:
        """The quota left in the current window, less the requests on their way, or None when unknown or the window
        has reset since."""
        if self.last is None or monotonic() >= self._last_at + self.last.reset_s:
            return None
        return max(0, self.last.remaining - self._spent_since - self._pending)

    def reset_in_s(self) -> int | None:
        """Seconds until the current window resets, or None when unknown."""
        if self.last is None:
            return None
        return max(0, round(self._last_at + self.last.reset_s - monotonic()))

    def observe(self, headers: Mapping[str, str], admission: Admission | None = None) -> None:
        """Record the rate-limit headers of a response (any status), the answer to `admission` if given."""
        info = parse_ratelimit(headers)
        if info is not None and info.bucket in ("api", "pages"):
            self.last = info
            self._last_at = monotonic()
            self._spent_since = 0
            if admission is not None and not admission.settled:
                self._release(admission, spent=False)  # the reading counts it

    def backoff_s(self, attempt: int) -> float:
        """Jittered exponential delay before retry number `attempt` (0-based)."""
        return float(self.backoff_base_s * (2 ** attempt) * self._rng.uniform(0.5, 1.5))

    # --- acting -------------------------------------------------------------------------------

    def semaphore(self) -> PriorityLimit:
        """The in-flight limit for the running event loop (a freed slot goes to the most urgent request)."""
        loop = id(asyncio.get_running_loop())
        sem = self._sems.get(loop)
        if sem is None:
            self._sems = {loop: (sem := PriorityLimit(self.max_in_flight, NEXT_LINK_OVERDRAFT))}
        return sem

    def block_for(self, seconds: float) -> None:
        """After a 429: hold every request of this client for `seconds` (never more than MAX_WAIT_S)."""
        self.rate_limited += 1
        self._blocked_until = max(self._blocked_until, monotonic() + capped_wait(seconds))

    def blocked_for_s(self) -> float | None:
        """Seconds left of a 429 hold on every request, or None when there is none."""
        left = self._blocked_until - monotonic()
        return left if left > 0 else None

    async def admit(self, *, optional: bool) -> None:
        """Wait until a request may go out, or raise RateLimitedError when it may not within the deadline; the
        request is then reserved (`remaining`) until `settle`: `admitted` pairs the two."""
        while True:
            # Checked on every pass: an answer waited for below may be a 429 that holds every request.
            wait = self._blocked_until - monotonic()
            if wait > 0:
                await self.sleep_or_raise(wait, "the rate limit was hit")
            if (remaining := self.remaining()) is None:
                break
            if optional and remaining <= self.reserve:
                self.skipped += 1
                raise RateLimitedError(
                    f"skipped to save rate limit ({remaining} requests left in this window)",
                    "hfmon polls less often until the window resets",
                    status=None, retry_after_s=self.reset_in_s())
            if remaining > 0:
                break
            if self._in_flight:  # what they leave is said by their answers, which come within the deadline
                await self._next_settled()
                continue
            reset = self.reset_in_s() or 0
            await self.sleep_or_raise(float(reset), "the rate limit is used up")
            break
        # Reserved at admission, not at send: concurrent requests must not all spend the same last unit.
        self._pending += 1

    @asynccontextmanager
    async def admitted(self, *, optional: bool) -> AsyncIterator[Admission]:
        """One request's admission (`admit`), settled when the block ends however it ends."""
        await self.admit(optional=optional)
        admission = Admission()
        try:
            yield admission
        finally:
            self.settle(admission)

    def note_sent(self, admission: Admission | None = None) -> None:
        """Count one request on the wire (`admission`'s)."""
        self.requests_sent += 1
        if admission is not None and not admission.sent:
            admission.sent = True
            self._in_flight += 1

    def settle(self, admission: Admission) -> None:
        """An admitted request is over: no longer reserved; one sent whose answer carried no reading is spent until
        the next reading (the server may have counted it)."""
        if not admission.settled:
            self._release(admission, spent=admission.sent)

    def _release(self, admission: Admission, *, spent: bool) -> None:
        admission.settled = True
        self._pending -= 1
        self._in_flight -= admission.sent
        self._spent_since += spent
        waiting, self._settled = self._settled, []
        for future in waiting:
            if not future.done():
                future.set_result(None)

    async def _next_settled(self) -> None:
        """Wait until an admitted request settles."""
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._settled.append(future)
        await future

    async def sleep_or_raise(self, seconds: float, why: str) -> None:
        """Sleep `seconds` when that fits inside the deadline, else raise RateLimitedError at once."""
        if not await self.sleep_within_deadline(seconds):
            raise RateLimitedError(f"{why}; retry in {seconds:.0f} s", "wait for the window to reset",
                                   retry_after_s=seconds)

    async def sleep_within_deadline(self, seconds: float) -> bool:
        """Sleep if the whole sleep (plus a little time to use it) fits before the deadline; say whether it did."""
        left = time_left()
        if left is not None and seconds + 0.05 >= left:
            return False
        if left is None and seconds > MAX_UNBOUNDED_SLEEP_S:
            return False
        if seconds > 0:
            await asyncio.sleep(seconds)
        return True
