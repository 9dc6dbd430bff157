"""A listing's next page is asked for before the page just read is parsed, and a page that fails to parse fails the
listing with no page asked for after the one already in flight."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx2
import pytest

from hfmon.api.governor import Governor
from hfmon.api.transport import Requester
from hfmon.errors import BadResponseError

TOKEN = "hf_OverlapTestToken_0123456789abcdef"
LIST = "https://hub.test/api/list"


def requester(handler: Any) -> Requester:
    return Requester(TOKEN, transport=httpx2.MockTransport(handler), governor=Governor(max_retries=0), timeout_s=5)


async def test_each_next_page_is_on_its_way_before_the_page_before_it_is_parsed() -> None:
    events: list[str] = []

    async def pages(request: httpx2.Request) -> httpx2.Response:
        page = int(request.url.params.get("cursor", "1"))
        events.append(f"ask {page}")
        await asyncio.sleep(0.01)
        link = {"Link": f'<{LIST}?cursor={page + 1}>; rel="next"'} if page < 3 else {}
        return httpx2.Response(200, json=[page * 10, page * 10 + 1], headers=link)

    def parse(page: Any) -> list[int]:
        events.append(f"parse {page[0] // 10}")
        return [value + 1 for value in page]

    http = requester(pages)
    try:
        assert await http.get_pages(LIST, parse=parse) == [11, 12, 21, 22, 31, 32]
    finally:
        await http.aclose()
    assert events == ["ask 1", "ask 2", "parse 1", "ask 3", "parse 2", "parse 3"]


async def test_a_page_that_cannot_be_parsed_fails_the_listing_and_no_page_after_the_one_in_flight_is_asked() -> None:
    asked: list[str] = []

    async def pages(request: httpx2.Request) -> httpx2.Response:
        page = int(request.url.params.get("cursor", "1"))
        asked.append(f"page {page}")
        await asyncio.sleep(0.01)
        return httpx2.Response(200, json=["bad row"] if page == 1 else [page],
                               headers={"Link": f'<{LIST}?cursor={page + 1}>; rel="next"'})

    def parse(page: Any) -> list[Any]:
        if page == ["bad row"]:
            raise BadResponseError(f"unreadable row {page[0]!r}", None)
        return page

    http = requester(pages)
    try:
        with pytest.raises(BadResponseError, match="unreadable row 'bad row'"):
            await asyncio.wait_for(http.get_pages(LIST, parse=parse), 10)
    finally:
        await http.aclose()
    assert asked == ["page 1", "page 2"]  # page 2 was on its way when page 1 was parsed; nothing after it



async def test_a_page_that_cannot_be_parsed_is_the_error_even_when_the_page_after_it_fails_to_arrive() -> None:
    async def pages(request: httpx2.Request) -> httpx2.Response:
        page = int(request.url.params.get("cursor", "1"))
        if page == 2:
            return httpx2.Response(503, json={"error": "page 2 unavailable"})
        return httpx2.Response(200, json=["bad row"], headers={"Link": f'<{LIST}?cursor={page + 1}>; rel="next"'})

    def parse(page: Any) -> list[Any]:
        raise BadResponseError(f"unreadable row {page[0]!r}", None)

    http = requester(pages)
    try:  # page 2's 503 comes back in the same turn as page 1 is parsed, or before: page 1's fault still wins
        with pytest.raises(BadResponseError, match="unreadable row 'bad row'"):
            await asyncio.wait_for(http.get_pages(LIST, parse=parse), 10)
    finally:
        await http.aclose()
