"""A listing's pages parsed in order while the next page is in flight (`Requester.get_pages`)."""

from __future__ import annotations

import asyncio
import collections
from collections.abc import Callable, Iterable
from typing import Any, Generic, TypeVar

from hfmon.api.jsonbody import decode_json
from hfmon.api.transport_urls import Body

T = TypeVar("T")


class PageParser(Generic[T]):
    """A listing's pages decoded and parsed in order, each in a turn of the event loop of its own while the listing
    waits for its next page (halfway through that wait: not in the burst of answers the page came with, which the loop
    had then to read and follow up on first); the first failure is kept for the listing to raise."""

    def __init__(self, parse: Callable[[Any], Iterable[T]]) -> None:
        self._parse = parse
        self._waiting: collections.deque[Body] = collections.deque()
        self._failure: Exception | None = None
        self._live = True
        self.items: list[T] = []

    def add(self, body: Body, *, at_once: bool = False, after_s: float = 0.0) -> None:
        """Parse `body` after the pages before it: `after_s` seconds from now (at the latest when the listing reads
        its next page: `check(waiting_too=True)`), or now (`at_once`)."""
        self._waiting.append(body)
        if at_once:
            self._run()
        else:
            asyncio.get_running_loop().call_later(after_s, self._run)

    def _run(self) -> None:
        while self._waiting and self._failure is None and self._live:
            body = self._waiting.popleft()
            try:
                self.items.extend(self._parse(decode_json(body.content, body.url)))
            except Exception as exc:  # raised by the listing (`check`), as if parsed in its own task
                self._failure = exc

    def check(self, *, waiting_too: bool = False) -> None:
        """Raise the failure of a page parsed so far, if any (`waiting_too`: parse the pages still waiting first)."""
        if waiting_too:
            self._run()
        if self._failure is not None:
            raise self._failure

    def stop(self) -> None:
        """The listing is over (read, failed or cancelled): pages still waiting are not parsed."""
        self._live = False
