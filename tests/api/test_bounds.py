"""Bounded waits and bodies at the HTTP seam: what a hostile or broken server sends cannot hang or bloat hfmon."""

from __future__ import annotations

import unicodedata
from collections.abc import AsyncIterator
from typing import Any

import httpx2
import pytest

from hfmon.api import transport
from hfmon.api.governor import Governor, deadline_in, parse_ratelimit, parse_retry_after
from hfmon.api.transport import Requester
from hfmon.errors import BadResponseError, RateLimitedError
from hfmon.scrub import scrub

TOKEN = "hf_BoundsTestToken_0a1b2c3d4e5f6a7b8c9d"
URL = "https://hub.test/api/spaces"


def one_item(page: Any) -> list[Any]:
    """Each page as one item (the listing's pages as they came)."""
    return [page]


def requester(handler: httpx2.MockTransport) -> Requester:
    return Requester(TOKEN, transport=handler, governor=Governor(backoff_base_s=0.001, max_retries=0), timeout_s=2)


def too_many(retry_after: str | None, reset: str = "60") -> httpx2.MockTransport:
    headers = {"RateLimit": f'"api";r=0;t={reset}', "RateLimit-Policy": '"fixed window";"api";q=1000;w=300'}
    if retry_after is not None:
        headers["Retry-After"] = retry_after
    return httpx2.MockTransport(lambda r: httpx2.Response(429, headers=headers, json={"error": "slow down"}))


@pytest.mark.parametrize(("retry_after", "reset", "expected", "says_capped"), [
    ("1000000000", "60", 300.0, True),
    ("inf", "60", 300.0, True),
    ("1e400", "60", 300.0, True),
    ("nan", "42", 42.0, False),  # NaN is no answer: the RateLimit reset says when
    ("-5", "60", 60.0, False),  # so is a negative one
    (None, "99999999999", 300.0, False),  # the reset itself is capped where it is parsed
    ("120", "60", 120.0, False),  # Retry-After wins over the reset when both are sane
])
async def test_a_servers_wait_is_capped_at_the_documented_window(retry_after: str | None, reset: str,
                                                                 expected: float, says_capped: bool) -> None:
    http = requester(too_many(retry_after, reset))
    with deadline_in(5), pytest.raises(RateLimitedError) as caught:
        await http.get_json(URL)
    assert caught.value.retry_after_s == expected
    assert ("hfmon waits at most 300 s" in caught.value.message) is says_capped
    held = http.governor.blocked_for_s()
    assert held is not None and held <= 300.0


def test_header_values_beyond_reason_parse_without_crashing() -> None:
    assert parse_retry_after("nan") is None and parse_retry_after("soon") is None
    assert parse_retry_after("-3") is None
    huge = httpx2.Headers({"RateLimit": f'"api";r={"9" * 5000};t=1'})
    assert parse_ratelimit(huge) is None  # thousands of digits: garbage, not a number int() chokes on
    info = parse_ratelimit(httpx2.Headers({"RateLimit": '"api";r=5;t=86400000'}))
    assert info is not None and info.reset_s == 300


def test_a_hold_after_a_429_never_outlasts_the_window() -> None:
    gov = Governor()
    gov.block_for(float("inf"))
    held = gov.blocked_for_s()
    assert held is not None and 299 < held <= 300


async def test_a_body_past_the_cap_is_refused_as_soon_as_it_passes_it() -> None:
    sent = [0]

    async def endless() -> AsyncIterator[bytes]:
        yield b'{"items": ['
        while True:  # a server that never stops: only the cap ends the read
            sent[0] += 1
            yield b" " * 65536

    http = requester(httpx2.MockTransport(lambda r: httpx2.Response(200, content=endless())))
    with pytest.raises(BadResponseError) as caught:
        await http.get_json(URL, max_bytes=1 << 20)
    assert "response larger than 1 MB from GET /api/spaces" in caught.value.message
    assert sent[0] <= 17  # 1 MB is 16 chunks of 64 KiB: it stopped right past the cap


async def test_a_declared_length_past_the_cap_is_refused_before_reading() -> None:
    http = requester(httpx2.MockTransport(
        lambda r: httpx2.Response(200, headers={"Content-Length": str(100 << 20)}, content=b"[]")))
    with pytest.raises(BadResponseError, match="response larger than 2 MB"):
        await http.get_json(URL, max_bytes=2 << 20)


async def test_a_body_under_the_cap_reads_whole() -> None:
    http = requester(httpx2.MockTransport(lambda r: httpx2.Response(200, json={"ok": [1, 2, 3]})))
    assert await http.get_json(URL, max_bytes=64) == {"ok": [1, 2, 3]}


async def test_the_token_and_escapes_in_a_reason_phrase_never_reach_the_message() -> None:
    other = "hf_" + "Q" * 34  # someone else's token-shaped string
    reason = f"Bad {TOKEN} \x1b]0;pwned\x07\x1b[2J{other}".encode()
    http = requester(httpx2.MockTransport(lambda r: httpx2.Response(
        500, extensions={"reason_phrase": reason},
        headers={"X-Error-Message": f"oops {TOKEN}\x1b[31m red \x1b[H"})))
    with pytest.raises(Exception) as caught:
        await http.get_json(URL)
    text = str(caught.value)
    assert TOKEN not in text and other not in text and "\x1b" not in text and "pwned" not in text
    assert "hf_***" in text and "red" in text


@pytest.mark.parametrize(("raw", "clean"), [
    ("plain-name", "plain-name"),
    ("evil\x1b]2;title\x07name", "evilname"),
    ("clear\x1b[2Jscreen\x1b[H", "clearscreen"),
    ("no-m escape \x1b[31", "no-m escape "),
    ("8-bit \x9b2J csi", "8-bit  csi"),
    ("line\nbreak\r\ttab", "line break tab"),
    ("bidi \u202eevil", "bidi evil"),
    ("nul\x00bell\x07", "nulbell"),
    ("token hf_" + "a" * 34 + " end", "token hf_*** end"),
    ("split hf_" + "a" * 17 + "\x1b[0m" + "b" * 17, "split hf_***"),  # an escape cannot hide a token
    ("hf_transformers is a short name", "hf_transformers is a short name"),
])
def test_the_scrubber(raw: str, clean: str) -> None:
    assert scrub(raw) == clean


# Every default-ignorable code point (Unicode 15's DerivedCoreProperties.txt), every format character, a private-use
# and an unassigned one: each shows as nothing, so a token split by one reads whole on screen.
INVISIBLE = sorted({*map(chr, [0xAD, 0x34F, 0x61C, 0x115F, 0x1160, 0x17B4, 0x17B5, *range(0x180B, 0x1810),
                               *range(0x200B, 0x2010), *range(0x202A, 0x202F), *range(0x2060, 0x2070), 0x3164,
                               *range(0xFE00, 0xFE10), 0xFEFF, 0xFFA0, *range(0xFFF0, 0xFFF9),
                               *range(0x1BCA0, 0x1BCA4), *range(0x1D173, 0x1D17B), 0xE0001, 0xE0041, 0xE01EF,
                               0xE0FFF, 0xE000, 0x0378]),
                    *(chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) == "Cf")})


def test_a_token_split_by_any_invisible_character_is_masked() -> None:
    for c in INVISIBLE:
        for at in (1, 3, 20):  # inside the `hf_` that marks a token, and inside its secret part
            split = f"{TOKEN[:at]}{c}{TOKEN[at:]}"
            shown = scrub(f"rejected Bearer {split} ok")
            assert shown == "rejected Bearer hf_*** ok", (hex(ord(c)), at, shown)


def test_a_space_of_another_width_stays_a_space() -> None:
    assert scrub("no-break\u00a0space and\u3000ideographic") == "no-break space and ideographic"


def event_stream(chunks: AsyncIterator[bytes]) -> httpx2.MockTransport:
    return httpx2.MockTransport(lambda r: httpx2.Response(200, headers={"content-type": "text/event-stream"},
                                                          content=chunks))


async def test_an_endless_event_stream_is_cut_at_the_cap() -> None:
    async def endless() -> AsyncIterator[bytes]:
        yield b"event: usage\ndata: {\"inference\": "
        while True:  # one event that never ends
            yield b"[" * 65536

    http = requester(event_stream(endless()))
    with pytest.raises(BadResponseError, match="response larger than 8 MB"):
        await http.first_event(URL, event="usage", complete=lambda d: True, timeout_s=30)


async def test_event_lines_split_anywhere_across_chunks_still_parse() -> None:
    text = b'event: ping\r\ndata: 1\r\n\r\n: keep-alive\r\nevent: usage\r\ndata: {"a":\r\ndata:  2}\r\n\r\n'

    async def byte_by_byte() -> AsyncIterator[bytes]:
        for i in range(len(text)):
            yield text[i:i + 1]

    http = requester(event_stream(byte_by_byte()))
    assert await http.first_event(URL, event="usage", complete=lambda d: True, timeout_s=5) == {"a": 2}


async def test_a_listing_is_bounded_in_total_not_only_per_page() -> None:
    def pages(request: httpx2.Request) -> httpx2.Response:
        cursor = int(request.url.params.get("cursor", "0"))
        return httpx2.Response(200, content=b"[" + b" " * 900 + b"]",
                               headers={"Link": f'<{URL}?cursor={cursor + 1}>; rel="next"'})

    http = requester(httpx2.MockTransport(pages))
    with pytest.raises(BadResponseError, match="listing larger than"):
        await http.get_pages(URL, parse=one_item, max_bytes=1000)  # 4 pages' worth at most: the 5th page is refused


def endless(request: httpx2.Request) -> httpx2.Response:
    """Page after page of 900 bytes, each naming the next: a listing longer than any bound."""
    cursor = int(request.url.params.get("cursor", "0"))
    return httpx2.Response(200, content=b"[" + b" " * 898 + str(cursor % 10).encode() + b"]",
                           headers={"Link": f'<{URL}?cursor={cursor + 1}>; rel="next"'})


async def test_a_listing_cut_at_its_total_bound_keeps_the_pages_within_it() -> None:
    cut: list[str] = []
    http = requester(httpx2.MockTransport(endless))
    pages = await http.get_pages(URL, parse=one_item, max_bytes=1000, on_cut=cut.append)
    assert pages == [[0], [1], [2], [3]]  # 4 pages' worth: the 5th, past the bound, is not kept
    assert cut == [f"the listing is larger than {4000 / (1 << 20):g} MB; hfmon read its first 4 pages"]


async def test_a_listing_cut_at_its_page_bound_keeps_every_page_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(transport, "MAX_PAGES", 3)
    cut: list[str] = []
    http = requester(httpx2.MockTransport(endless))
    assert await http.get_pages(URL, parse=one_item, max_bytes=100_000, on_cut=cut.append) == [[0], [1], [2]]
    assert cut == ["the listing has more than 3 pages; hfmon read the first 3"]
