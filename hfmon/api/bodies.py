"""A response body decoded from its Content-Encoding within a size cap. No I/O of its own.

hfmon asks for `gzip, deflate` and decodes the raw bytes itself rather than through httpx2's decoders: a corrupt
body then fails as a bad response (httpx2 raises `DecodingError`, which is not a transport error), and a small
compressed body that inflates enormously (a "zip bomb") is decoded no further than one byte past the cap, so it
costs at most the cap in memory, not the cap plus a decoder's piece.
"""

from __future__ import annotations

import zlib
from collections.abc import AsyncIterable, AsyncIterator

_GZIP_WBITS = zlib.MAX_WBITS | 16
_ZLIB_WBITS = zlib.MAX_WBITS
_RAW_DEFLATE_WBITS = -zlib.MAX_WBITS
RAW_SLACK_BYTES = 64 * 1024
"""How far a compressed body may exceed the cap on its decoded size (a body that does not compress, plus framing):
past it, it is refused however little it decodes to, so an endless stream of empty blocks cannot run forever."""
STEP_BYTES = 256 * 1024
"""Decoded bytes asked of zlib at a time: zlib builds its answer in blocks and then joins them, so one call briefly
holds twice what it returns."""


class BodyError(ValueError):
    """A body that cannot be read: its message says why, in hfmon's words (no byte of the body in it)."""


class BodyTooLarge(BodyError):
    """A body past its cap."""


def _is_zlib_header(first_two: bytes) -> bool:
    """Whether a deflate body starts with a zlib wrapper (RFC 1950: method 8, header a multiple of 31) or is raw."""
    return first_two[0] & 0x0F == 8 and int.from_bytes(first_two[:2], "big") % 31 == 0


class _Inflater:
    """One gzip or deflate stream, inflated at most `limit` bytes at a time."""

    def __init__(self, encoding: str) -> None:
        self.encoding = encoding
        self._z: zlib._Decompress | None = zlib.decompressobj(_GZIP_WBITS) if encoding == "gzip" else None
        self._head = b""  # deflate: the first bytes, until there are two to tell a zlib wrapper from raw deflate
        self.fed = False

    def inflate(self, data: bytes, limit: int) -> bytes:
        """Up to `limit` decoded bytes of `data`; what it did not decode is `tail()`."""
        self.fed = self.fed or bool(data)
        if self._z is None:
            # "deflate" is meant to be zlib-wrapped, but some servers send it raw (httpx2 reads both too).
            self._head += data
            if len(self._head) < 2:
                return b""
            data, self._head = self._head, b""
            self._z = zlib.decompressobj(_ZLIB_WBITS if _is_zlib_header(data) else _RAW_DEFLATE_WBITS)
        try:
            return self._z.decompress(data, limit)
        except zlib.error:
            raise BodyError(f"its {self.encoding} compression is corrupt") from None

    def tail(self) -> bytes:
        """What `inflate` was given and has not decoded yet (it stopped at its limit)."""
        return b"" if self._z is None else self._z.unconsumed_tail

    def finish(self) -> None:
        """Check that the compressed stream ended where the body did."""
        if self.fed and (self._z is None or not self._z.eof):
            raise BodyError(f"its {self.encoding} compression ends before its data does (cut short)")


def inflater_for(content_encoding: str) -> _Inflater | None:
    """The decoder a Content-Encoding header asks for (None: the body is as sent); BodyError when hfmon cannot
    decode it (it asked for gzip or deflate only)."""
    codings = [c.strip().lower() for c in content_encoding.split(",")]
    codings = [c for c in codings if c and c != "identity"]
    if not codings:
        return None
    if len(codings) == 1 and codings[0] in ("gzip", "x-gzip", "deflate"):
        return _Inflater("deflate" if codings[0] == "deflate" else "gzip")
    shown = ", ".join(c[:20].encode("ascii", "replace").decode() for c in codings[:3])
    raise BodyError(f"it is compressed as {shown!r}, which hfmon did not ask for")


async def decoded_body(raw: AsyncIterable[bytes], content_encoding: str, max_bytes: int) -> AsyncIterator[bytes]:
    """The decoded pieces of a body sent as `raw`, together never more than `max_bytes` + 1 bytes: the byte past
    the cap tells the reader the body is larger. BodyTooLarge when the compressed body alone passes the cap (plus
    RAW_SLACK_BYTES); BodyError when its compression is corrupt, cut short or not one hfmon asked for."""
    inflater = inflater_for(content_encoding)
    if inflater is None:
        async for chunk in raw:
            yield chunk
        return
    decoded = sent = 0
    async for chunk in raw:
        sent += len(chunk)
        if sent > max_bytes + RAW_SLACK_BYTES:
            raise BodyTooLarge("compressed body past the cap")
        data = chunk
        while data:
            piece = inflater.inflate(data, min(STEP_BYTES, max_bytes + 1 - decoded))
            if piece:
                decoded += len(piece)
                yield piece
                if decoded > max_bytes:
                    return
            data = inflater.tail()
    inflater.finish()
