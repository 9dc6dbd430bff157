"""The in-flight limit hands a freed slot to the most urgent request: a listing's next page, then a listing's first
page, then single requests, then spare ones (an optional source's: a spend window's usage-v2), in arrival order within
each; a listing keeps its slot from page to page (and frees it
while it waits to retry one); a cancelled waiter never keeps or loses a slot."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2

from hfmon.api.governor import Governor
from hfmon.api.priority import CHAIN_HEAD, FIRST_PAGE, NEXT_PAGE, SINGLE, SPARE, PriorityLimit
from hfmon.api.transport import Requester


def one_item(page: Any) -> list[Any]:
    """Each page as one item (the listing's pages as they came)."""
    return [page]


async def test_freed_slots_go_to_the_most_urgent_waiter_first() -> None:
    limit = PriorityLimit(1)
    order: list[str] = []
    release = asyncio.Event()

    async def holder() -> None:
        async with limit.hold():
            await release.wait()

    async def waiter(name: str, priority: int) -> None:
        async with limit.hold(priority):
            order.append(name)

    first = asyncio.create_task(holder())
    await asyncio.sleep(0)
    waiters = [asyncio.create_task(waiter(name, p)) for name, p in
               [("spare-1", SPARE), ("single-1", SINGLE), ("next-1", NEXT_PAGE), ("head-1", CHAIN_HEAD),
                ("first-1", FIRST_PAGE), ("single-2", SINGLE), ("next-2", NEXT_PAGE)]]
    await asyncio.sleep(0)
    assert order == []  # all waiting behind the holder
    release.set()
    await asyncio.gather(first, *waiters)
    assert order == ["next-1", "next-2", "first-1", "head-1", "single-1", "single-2", "spare-1"]


async def test_listings_that_start_in_the_same_turn_take_the_free_slots_before_single_requests() -> None:
    limit = PriorityLimit(2)
    holding: list[str] = []
    release = asyncio.Event()

    async def request(name: str, priority: int) -> None:
        async with limit.hold(priority):
            holding.append(name)
            await release.wait()

    # As a poll starts its namespaces: the first one's single request and Endpoints listing (a chain's head) are
    # created before the last one's listings.
    tasks = [asyncio.create_task(request(name, p)) for name, p in
             [("single-a", SINGLE), ("head-a", CHAIN_HEAD), ("first-b", FIRST_PAGE), ("single-c", SINGLE),
              ("first-d", FIRST_PAGE)]]
    for _ in range(3):
        await asyncio.sleep(0)
    assert holding == ["first-b", "first-d"]
    release.set()
    await asyncio.gather(*tasks)
    assert holding == ["first-b", "first-d", "head-a", "single-a", "single-c"]


async def test_a_cancelled_waiter_neither_keeps_nor_loses_a_slot() -> None:
    limit = PriorityLimit(2)
    release = asyncio.Event()
    inside = 0
    most = 0

    async def user() -> None:
        nonlocal inside, most
        async with limit.hold():
            inside += 1
            most = max(most, inside)
            await release.wait()
            inside -= 1

    holders = [asyncio.create_task(user()) for _ in range(2)]
    await asyncio.sleep(0)
    doomed = [asyncio.create_task(user()) for _ in range(3)]
    await asyncio.sleep(0)
    for task in doomed:
        task.cancel()
    release.set()
    await asyncio.gather(*holders)
    await asyncio.gather(*doomed, return_exceptions=True)
    assert all(t.cancelled() for t in doomed)
    assert most == 2
    # Both slots are free again: two holders at once, without waiting.
    async with limit.hold(), limit.hold():
        pass
    assert limit._free == 2  # noqa: SLF001 - the count itself is what must not drift


async def test_a_listing_s_next_page_goes_before_the_single_requests_queued_earlier() -> None:
    sent: list[str] = []

    async def handler(request: httpx2.Request) -> httpx2.Response:
        sent.append(request.url.path + ("?cursor" if "cursor" in str(request.url) else ""))
        await asyncio.sleep(0.01)
        if request.url.path == "/api/list" and "cursor" not in str(request.url):
            return httpx2.Response(200, json=[1], headers={"Link": '<https://hub.test/api/list?cursor=2>; rel="next"'})
        return httpx2.Response(200, json=[2])

    http = Requester("hf_PriorityTestToken_0123456789", transport=httpx2.MockTransport(handler),
                     governor=Governor(max_in_flight=1), timeout_s=5)
    listing = asyncio.create_task(http.get_pages("https://hub.test/api/list", parse=one_item))
    await asyncio.sleep(0)  # the listing's first page takes the only slot
    singles = [asyncio.create_task(http.get_json(f"https://hub.test/api/single{i}")) for i in range(4)]
    await asyncio.gather(*singles)
    assert await listing == [[1], [2]]
    await http.aclose()
    # The listing keeps its slot for the next page, in the same turn as the first page was read: ahead of every
    # single queued before it (FIFO: it would be last).
    assert sent == ["/api/list", "/api/list?cursor", "/api/single0", "/api/single1", "/api/single2", "/api/single3"]


async def test_a_listing_keeps_its_slot_from_page_to_page_and_a_single_request_waiting_gets_it_at_its_end() -> None:
    sent: list[str] = []

    async def handler(request: httpx2.Request) -> httpx2.Response:
        page = int(request.url.params.get("cursor", "1"))
        sent.append(request.url.path + (f"?cursor={page}" if page > 1 else ""))
        await asyncio.sleep(0.01)
        if request.url.path == "/api/list" and page < 3:
            return httpx2.Response(200, json=[page],
                                   headers={"Link": f'<https://hub.test/api/list?cursor={page + 1}>; rel="next"'})
        return httpx2.Response(200, json=[page])

    http = Requester("hf_PriorityTestToken_0123456789", transport=httpx2.MockTransport(handler),
                     governor=Governor(max_in_flight=1), timeout_s=5)
    listing = asyncio.create_task(http.get_pages("https://hub.test/api/list", parse=one_item))
    await asyncio.sleep(0)  # the listing's first page takes the only slot
    single = asyncio.create_task(http.get_json("https://hub.test/api/single"))
    assert await listing == [[1], [2], [3]]
    await single
    await http.aclose()
    # Freed between pages, the slot went to the single waiting, and the page after it waited for the single's
    # answer (or went past the limit, into the overdraft, as long as one was left).
    assert sent == ["/api/list", "/api/list?cursor=2", "/api/list?cursor=3", "/api/single"]
    assert http.governor.semaphore()._free == 1  # noqa: SLF001 - the slot is free again, once


async def test_a_listing_frees_its_slot_while_it_waits_to_retry_a_page() -> None:
    sent: list[str] = []
    failed_once = False

    async def handler(request: httpx2.Request) -> httpx2.Response:
        nonlocal failed_once
        sent.append(request.url.path + ("?cursor" if "cursor" in str(request.url) else ""))
        await asyncio.sleep(0.01)
        if request.url.path == "/api/list" and "cursor" not in str(request.url):
            return httpx2.Response(200, json=[1], headers={"Link": '<https://hub.test/api/list?cursor=2>; rel="next"'})
        if request.url.path == "/api/list" and not failed_once:
            failed_once = True
            return httpx2.Response(503, json={"error": "try again"})
        return httpx2.Response(200, json=[2])

    http = Requester("hf_PriorityTestToken_0123456789", transport=httpx2.MockTransport(handler),
                     governor=Governor(max_in_flight=1, backoff_base_s=0.05), timeout_s=5)
    listing = asyncio.create_task(http.get_pages("https://hub.test/api/list", parse=one_item))
    await asyncio.sleep(0)
    single = asyncio.create_task(http.get_json("https://hub.test/api/single"))
    assert await listing == [[1], [2]]
    await single
    await http.aclose()
    # The 503 on page 2: the single goes during the back-off, the retried page after it.
    assert sent == ["/api/list", "/api/list?cursor", "/api/single", "/api/list?cursor"]


async def test_a_chain_s_next_link_goes_past_a_full_limit_by_the_overdraft_and_the_limit_then_returns() -> None:
    limit = PriorityLimit(1, overdraft=1)
    release = {name: asyncio.Event() for name in ("holder", "next-1", "next-2", "single")}
    inside: list[str] = []

    async def request(name: str, priority: int) -> None:
        async with limit.hold(priority):
            inside.append(name)
            await release[name].wait()

    holder = asyncio.create_task(request("holder", FIRST_PAGE))
    await asyncio.sleep(0)
    tasks = [asyncio.create_task(request(name, p)) for name, p in
             [("single", SINGLE), ("next-1", NEXT_PAGE), ("next-2", NEXT_PAGE)]]
    for _ in range(3):
        await asyncio.sleep(0)
    assert inside == ["holder", "next-1"]  # the limit is full: only the overdraft's one slot, to a next link
    release["holder"].set()
    await holder
    await asyncio.sleep(0)
    assert inside == ["holder", "next-1", "next-2"]  # the freed slot goes to the waiting next link, not the single
    release["next-1"].set()
    for _ in range(3):
        await asyncio.sleep(0)
    assert inside == ["holder", "next-1", "next-2"]  # that slot retires the overdraft: one in flight, the limit
    release["next-2"].set()
    for _ in range(3):
        await asyncio.sleep(0)
    assert inside == ["holder", "next-1", "next-2", "single"]
    release["single"].set()
    await asyncio.gather(*tasks)
    async with limit.hold(SINGLE), limit.hold(NEXT_PAGE):  # back to one slot plus one for a next link
        assert limit._free == 0 and limit._overdraft_free == 0  # noqa: SLF001 - the counts must not drift
    assert limit._free == 1 and limit._overdraft_free == 1  # noqa: SLF001
