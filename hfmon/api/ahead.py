"""Requests sent ahead of the call that reads them: a poll's first round trip (whoami) leaves most in-flight slots
idle, and the user's own billing and storage routes (`settings/...`) need no name from it.

`Ahead.send` runs each call (a HubClient method, not yet awaited) only up to its first request, which it records
instead of sending (`probing`), then sends that very request (same URL, parameters, cap, priority and hint) in a
task of its own. The same call made later, once whoami has answered, takes that task's answer (or its error)
instead of asking again: once, and within the poll that sent it (`Ahead.drop` ends the rest with the poll).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Coroutine, Hashable, Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

Start = Callable[[], Coroutine[Any, Any, Any]]

_probe: ContextVar[list[tuple[Hashable, Start]] | None] = ContextVar("hfmon_ahead_probe", default=None)
_sending = ContextVar("hfmon_ahead_sending", default=False)  # in a request's own task: it takes nothing ahead


class Probed(Exception):
    """Raised by a request met while probing (`record`), in place of sending it: the call stops there."""


def probing() -> bool:
    """Whether the running call is being probed (`Ahead.send`): its first request is to be recorded, not sent."""
    return _probe.get() is not None


def record(key: Hashable, start: Start) -> None:
    """While probing: note the request `key` that `start()` sends, and stop the call (Probed)."""
    found = _probe.get()
    if found is not None:
        found.append((key, start))
    raise Probed


async def _send(start: Start) -> Any:
    """The request `start()` makes, in its own task: sent, not taken from what was sent ahead (itself)."""
    _sending.set(True)
    return await start()


class Ahead:
    """The requests of one poll sent ahead, by key, each taken at most once."""

    def __init__(self) -> None:
        self._sent: dict[Hashable, asyncio.Future[Any]] = {}

    def send(self, calls: Iterable[Callable[[], Awaitable[Any]]]) -> None:
        """Send now the first request of each call; a call that makes none before it waits is left alone."""
        for call in calls:
            found: list[tuple[Hashable, Start]] = []
            token = _probe.set(found)
            try:
                coroutine = call()
                if isinstance(coroutine, Coroutine):
                    try:
                        coroutine.send(None)
                    except (Probed, StopIteration):
                        pass
                    finally:
                        coroutine.close()
            finally:
                _probe.reset(token)
            for key, start in found:
                if key not in self._sent:
                    self._sent[key] = asyncio.ensure_future(_send(start))

    def take(self, key: Hashable) -> asyncio.Future[Any] | None:
        """The request `key` sent ahead and not taken yet (awaited through `asyncio.shield`: a caller that gives up
        leaves it to `drop`), else None."""
        return self._sent.pop(key, None) if self._sent and not _sending.get() else None

    @contextmanager
    def for_one_poll(self) -> Iterator[None]:
        """While inside, one poll; after it, what it sent ahead and did not take is dropped: a request whoami did
        not confirm (another type of account, a failure) is not read, nor is it left to a later poll."""
        try:
            yield
        finally:
            self.drop()

    def drop(self) -> None:
        """The poll is over: what was sent ahead and not taken is cancelled, or its outcome discarded."""
        sent, self._sent = self._sent, {}
        for future in sent.values():
            if not future.done():
                future.cancel()
            elif not future.cancelled():
                future.exception()  # seen: no "exception never retrieved" for an answer nobody read
