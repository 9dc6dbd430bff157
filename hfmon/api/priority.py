"""The in-flight limit of a client, handing free slots to the most urgent waiting request first.

A poll's longest wait is a chain of requests, each asked for only once the one before it answered: a paginated
listing, or the Endpoints listing and then the info of each model they serve. When more requests are ready than may
be in flight, the next link of a chain already under way goes first, then the first page of a listing (a chain of
unknown length), then the head of a chain of two, then single requests, then spare ones (an optional source's that
nothing waits on); arrival order within each. A FIFO limit put the next page behind every single request of the
poll, once per page. A chain's next link may also go a few slots past the limit (`overdraft`) rather than wait for
one. A listing keeps its slot from one page to the next (`ChainSlot`): freed when the page is read, the slot went to a
waiting single request before the next page was asked for, and the next page then waited for a whole round trip of
the poll's other requests.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

NEXT_PAGE = 0
"""A listing's next page, or the last link of another chain: a chain already under way."""
FIRST_PAGE = 1
"""A listing's first page: a chain of unknown length starts."""
CHAIN_HEAD = 2
"""A request whose answer says what to ask next, once (the Endpoints listing, then each served model's info)."""
SINGLE = 3
"""Every other request."""
SPARE = 4
"""A request nothing else waits on, for an optional source (usage-v2 asked for each spend window): it takes only a slot
no other request is waiting for, so it never delays a listing or a source the Report needs."""


class PriorityLimit:
    """At most `limit` holders at once; waiters get a freed slot lowest priority number first, FIFO within one."""

    def __init__(self, limit: int, overdraft: int = 0) -> None:
        self._free = limit
        self._overdraft_free = overdraft
        """Slots past the limit that only a chain's next link may take: a chain waits on its own answers alone, not
        on a full limit (whose slots may be held by answers the loop has not got to yet)."""
        self._overdrawn = 0  # of those in use: the next slots freed retire them before any other waiter gets one
        self._waiting: list[tuple[int, int, asyncio.Future[None]]] = []
        self._arrivals = itertools.count()

    @asynccontextmanager
    async def hold(self, priority: int = SINGLE, chain: ChainSlot | None = None) -> AsyncIterator[None]:
        """Hold one slot for the block, waiting for one (by priority) when none is free. With `chain`, the slot the
        chain kept from its previous link is used (no wait), and the slot is kept for its next link after the block,
        not freed: the chain frees it (`ChainSlot.release`)."""
        if chain is not None and chain.held:
            chain.held = False
            try:
                yield
            finally:
                chain.held = True
            return
        if priority >= CHAIN_HEAD:
            # A poll starts every namespace's requests in one turn of the loop, namespace after namespace: without
            # this, the first namespaces' other requests took the free slots before the last ones' listings
            # (the longest chains) had asked. Listings that start in the same turn now take them first.
            await asyncio.sleep(0)
        if self._free > 0 and not self._waiting:
            self._free -= 1
        elif priority == NEXT_PAGE and self._overdraft_free > 0:
            self._overdraft_free -= 1
            self._overdrawn += 1
        else:
            granted: asyncio.Future[None] = asyncio.get_running_loop().create_future()
            heapq.heappush(self._waiting, (priority, next(self._arrivals), granted))
            try:
                await granted
            except asyncio.CancelledError:
                if granted.done() and not granted.cancelled():  # handed a slot just as it was cancelled
                    self._release()
                raise  # a cancelled waiter left in the heap is skipped by _release
        try:
            yield
        finally:
            if chain is not None:
                chain.held = True
            else:
                self._release()

    def _release(self) -> None:
        """Hand the slot to the most urgent live waiter, or free it; while the limit is overdrawn, only a chain's
        next link may have it, else it retires an overdrawn slot."""
        while self._waiting:
            priority, _, granted = self._waiting[0]
            if granted.done():
                heapq.heappop(self._waiting)
                continue
            if self._overdrawn and priority != NEXT_PAGE:
                break
            heapq.heappop(self._waiting)
            granted.set_result(None)
            return
        if self._overdrawn:
            self._overdrawn -= 1
            self._overdraft_free += 1
        else:
            self._free += 1


class ChainSlot:
    """The slot of a chain of requests (a listing's pages), kept from one link to the next: no other request takes it
    between the moment a page is read and the moment the next one is asked for. Freed by `release` (the chain is over,
    or waits for something other than the network, such as a retry's back-off)."""

    def __init__(self, limit: PriorityLimit) -> None:
        self._limit = limit
        self.held = False
        """Whether the chain holds a slot between its links."""

    def release(self) -> None:
        """Free the slot kept, if any (to the most urgent waiter)."""
        if self.held:
            self.held = False
            self._limit._release()  # noqa: SLF001 - the slot was taken from this limit
