"""Compressed answers: a corrupt, cut-short or unasked-for encoding is a bad response, and a small body that inflates
enormously costs at most its cap in memory. Over real loopback sockets and through a whole poll."""

from __future__ import annotations

import functools
import gzip
import json
import tracemalloc
import zlib
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime

import httpx2
import pytest

from hfmon.api.bodies import BodyError, BodyTooLarge, decoded_body
from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.transport import Requester
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.errors import BadResponseError, UnavailableError
from hfmon.poll_timing import CollectorSettings
from tests.api.minihub import TOKEN as HUB_TOKEN
from tests.api.minihub import MiniHub
from tests.api.test_netio import Loopback, requester, serving

DOC = {"items": [{"id": f"org/repo-{i}", "usedStorage": i * 7} for i in range(2_000)]}
PLAIN = json.dumps(DOC).encode()
CORRUPT_GZIP = gzip.compress(PLAIN)[:40] + b"\xff\x00NOT-DEFLATE\x01" * 64  # a valid header, then garbage
SECRETISH = b"hf_ServerSaysThis_0123456789"


def encoded(body: bytes, encoding: str | None, status: str = "200 OK") -> bytes:
    head = f"HTTP/1.1 {status}\r\ncontent-type: application/json\r\ncontent-length: {len(body)}\r\n"
    if encoding is not None:
        head += f"content-encoding: {encoding}\r\n"
    return (head + "\r\n").encode() + body


@functools.cache
def bomb(decoded_mb: int) -> bytes:
    """A whole, valid gzip body of `decoded_mb` MB of zeros, about a thousandth of that on the wire. Built from
    one compressed MB repeated: once the compressor's window is all zeros, every further MB compresses to the same
    bytes (flushed to a byte boundary), so only the trailer's CRC needs the whole length."""
    packer = zlib.compressobj(9, zlib.DEFLATED, zlib.MAX_WBITS | 16)
    block = bytes(1 << 20)
    first = packer.compress(block) + packer.flush(zlib.Z_SYNC_FLUSH)
    steady = packer.compress(block) + packer.flush(zlib.Z_SYNC_FLUSH)
    assert steady == packer.compress(block) + packer.flush(zlib.Z_SYNC_FLUSH)
    last_block = packer.flush()[:-8]  # the final empty block, without the trailer of the 3 MB packed so far
    crc = 0
    for _ in range(decoded_mb):
        crc = zlib.crc32(block, crc)
    trailer = crc.to_bytes(4, "little") + ((decoded_mb << 20) & 0xFFFFFFFF).to_bytes(4, "little")
    return first + steady * (decoded_mb - 1) + last_block + trailer


def raw_deflate(body: bytes) -> bytes:
    packer = zlib.compressobj(6, zlib.DEFLATED, -zlib.MAX_WBITS)
    return packer.compress(body) + packer.flush()


ANSWERS = {
    "/gzip": encoded(gzip.compress(PLAIN), "gzip"),
    "/deflate": encoded(zlib.compress(PLAIN), "deflate"),
    "/raw-deflate": encoded(raw_deflate(PLAIN), "deflate"),
    "/corrupt": encoded(CORRUPT_GZIP + SECRETISH, "gzip"),
    "/cut-short": encoded(gzip.compress(PLAIN)[:-200], "gzip"),
    "/brotli": encoded(b"\x8b\x02\x80" + SECRETISH, "br"),
    "/corrupt-error": encoded(CORRUPT_GZIP, "gzip", "503 Service Unavailable"),
}


def answer(path: str) -> bytes | None:
    return encoded(bomb(1024), "gzip") if path == "/bomb" else ANSWERS.get(path)


async def test_gzip_and_both_kinds_of_deflate_decode_to_the_document() -> None:
    async with serving(Loopback(ANSWERS.get)) as base:
        http = requester()
        try:
            for path in ("/gzip", "/deflate", "/raw-deflate"):
                assert await http.get_json(f"{base}{path}") == DOC, path
        finally:
            await http.aclose()


@pytest.mark.parametrize(("path", "says"), [
    ("/corrupt", "its gzip compression is corrupt"),
    ("/cut-short", "its gzip compression ends before its data does (cut short)"),
    ("/brotli", "it is compressed as 'br', which hfmon did not ask for"),
])
async def test_an_unreadable_compressed_body_is_a_bad_response_that_shows_none_of_it(path: str, says: str) -> None:
    async with serving(Loopback(ANSWERS.get)) as base:
        http = requester()
        try:
            with pytest.raises(BadResponseError) as caught:
                await http.get_json(f"{base}{path}")
            # The connection is still good for the next request.
            assert await http.get_json(f"{base}/gzip") == DOC
        finally:
            await http.aclose()
    assert caught.value.message == f"unreadable response from GET {path}: {says}"
    assert caught.value.hint == "the next poll will try again"
    assert SECRETISH.decode() not in str(caught.value)


async def test_a_failure_status_with_an_unreadable_body_keeps_its_status() -> None:
    async with serving(Loopback(ANSWERS.get)) as base:
        http = requester()
        try:
            with pytest.raises(UnavailableError) as caught:
                await http.get_json(f"{base}/corrupt-error")
        finally:
            await http.aclose()
    assert caught.value.status == 503
    assert caught.value.message == "503 Service Unavailable on GET /corrupt-error"


async def test_a_gzip_bomb_is_refused_within_its_cap_of_memory() -> None:
    cap = 2 << 20
    wire = len(bomb(1024))
    assert wire < 1_100_000  # 1 GB of zeros, a thousandth of it on the wire
    async with serving(Loopback(answer)) as base:
        http = requester()
        try:
            await http.get_json(f"{base}/gzip")  # connect first: only the body's reading is measured
            tracemalloc.start()
            try:
                with pytest.raises(BadResponseError) as caught:
                    await http.get_json(f"{base}/bomb", max_bytes=cap)
                peak = tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()
        finally:
            await http.aclose()
    assert caught.value.message == "response larger than 2 MB from GET /bomb; not read"
    # The cap, the compressed bytes in flight, and one 256 KB decoding step (zlib holds it twice while building it),
    # where httpx2's own decoding took twice the cap and more.
    assert peak < cap + wire + (1 << 20), peak


class Chunks(httpx2.AsyncByteStream):
    """A streamed body (so its bytes reach hfmon as sent, undecoded)."""

    def __init__(self, body: bytes) -> None:
        self.body = body

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for at in range(0, len(self.body), 4096):
            yield self.body[at:at + 4096]


async def test_a_corrupt_gzip_listing_fails_its_source_alone_and_keeps_the_last_good_listing() -> None:
    hub = MiniHub()
    clock = FrozenClock(datetime(2026, 8, 20, 12, 0, tzinfo=UTC))
    client = HubClient(HUB_TOKEN, BaseUrls.single("https://hub.test"), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001), live_timeout_s=2.0)
    async with Collector(client, clock, settings=CollectorSettings(deadline_s=10, source_timeout_s=10)) as col:
        first = await col.poll()
        clock.advance(60)
        hub.override(r"^/api/spaces$", lambda request: httpx2.Response(
            200, headers={"content-type": "application/json", "content-encoding": "gzip"},
            stream=Chunks(CORRUPT_GZIP + SECRETISH)))
        second = await col.poll(first)
    before, after = first.namespace("alice"), second.namespace("alice")
    assert before is not None and after is not None and before.spaces.value
    assert after.spaces.status.name == "STALE"
    assert after.spaces.value == before.spaces.value and after.spaces.fetched_at == first.taken_at
    assert after.spaces.error == "unreadable response from GET /api/spaces: its gzip compression is corrupt"
    others = [s for s in second.sources() if not s.name.startswith("spaces:")]
    assert others and all(s.status.name == "OK" for s in others), [(s.name, s.status) for s in others]
    assert SECRETISH.decode() not in " ".join(f"{s.error} {s.hint}" for s in second.sources())


async def decode_all(body: bytes, encoding: str, max_bytes: int, step: int) -> bytes:
    async def raw() -> AsyncIterator[bytes]:
        for at in range(0, len(body), step):
            yield body[at:at + step]

    return b"".join([piece async for piece in decoded_body(raw(), encoding, max_bytes)])


@pytest.mark.parametrize("step", [1, 7, 65536])
@pytest.mark.parametrize(("encoding", "pack"), [
    ("gzip", gzip.compress), ("x-gzip", gzip.compress), ("deflate", zlib.compress), ("deflate", raw_deflate),
    ("identity", lambda body: body), ("", lambda body: body), ("Identity, GZIP", gzip.compress),
])
async def test_every_encoding_decodes_whole_however_the_bytes_are_split(encoding: str, pack: Callable[[bytes], bytes],
                                                                        step: int) -> None:
    assert await decode_all(pack(PLAIN), encoding, len(PLAIN), step) == PLAIN


def test_the_bomb_is_a_whole_gzip_body_of_zeros() -> None:
    packed = bomb(3)
    assert gzip.decompress(packed) == bytes(3 << 20)


async def test_decoding_stops_one_byte_past_the_cap() -> None:
    cap = len(PLAIN) - 1000
    assert await decode_all(gzip.compress(PLAIN), "gzip", cap, 4096) == PLAIN[:cap + 1]


async def test_an_endless_run_of_empty_blocks_is_too_large_though_it_decodes_to_nothing() -> None:
    header = bytes([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF])
    empty_block = b"\x00\x00\x00\xff\xff"  # a stored block, not the last, of no bytes

    async def endless() -> AsyncIterator[bytes]:
        yield header
        while True:
            yield empty_block * 1000

    with pytest.raises(BodyTooLarge):
        async for _ in decoded_body(endless(), "gzip", 100_000):
            raise AssertionError("nothing to decode")


@pytest.mark.parametrize(("encoding", "says"), [
    ("gzip, gzip", "it is compressed as 'gzip, gzip', which hfmon did not ask for"),
    ("zstd", "it is compressed as 'zstd', which hfmon did not ask for"),
])
async def test_an_encoding_hfmon_did_not_ask_for_is_refused(encoding: str, says: str) -> None:
    with pytest.raises(BodyError) as caught:
        await decode_all(gzip.compress(PLAIN), encoding, len(PLAIN), 4096)
    assert str(caught.value) == says


async def test_a_corrupt_gzip_event_stream_is_a_bad_response() -> None:
    transport = httpx2.MockTransport(lambda request: httpx2.Response(
        200, headers={"content-type": "text/event-stream", "content-encoding": "gzip"},
        stream=Chunks(CORRUPT_GZIP + SECRETISH)))
    http = Requester(HUB_TOKEN, transport=transport, governor=Governor(max_retries=0), timeout_s=2)
    with pytest.raises(BadResponseError) as caught:
        await http.first_event("https://hub.test/api/settings/billing/usage/live", event="usage",
                               complete=lambda data: True, timeout_s=2)
    assert caught.value.message == ("unreadable response from GET /api/settings/billing/usage/live: "
                                    "its gzip compression is corrupt")
