"""Server-Sent Events read from a byte stream: (event, data) pairs, bounded in size. No I/O of its own."""

from __future__ import annotations

import codecs
import re
from collections.abc import AsyncIterable, AsyncIterator, Callable

_LINE_END = re.compile(r"\r\n|\r|\n")


async def sse_events(chunks: AsyncIterable[bytes], max_bytes: int,
                     too_large: Callable[[], Exception]) -> AsyncIterator[tuple[str, str]]:
    """(event, data) of each Server-Sent Event in `chunks`, raising `too_large()` past `max_bytes` in all."""
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending: list[str] = []  # the line in progress, in pieces (joining them per chunk would be quadratic)
    hold, size = "", 0
    name, data = "message", list[str]()
    async for chunk in chunks:
        size += len(chunk)
        if size > max_bytes:  # an endless stream of events, or one endless event
            raise too_large()
        text = hold + decoder.decode(chunk)
        hold = "\r" if text.endswith("\r") else ""  # it may be the first half of a CRLF
        parts = _LINE_END.split(text[: len(text) - len(hold)])
        if len(parts) == 1:
            pending.append(parts[0])
            continue
        lines = ["".join(pending) + parts[0], *parts[1:-1]]
        pending = [parts[-1]]
        for line in lines:
            if not line:  # a blank line ends an event
                if data:
                    yield name, "\n".join(data)
                name, data = "message", list[str]()
            elif not line.startswith(":"):  # a comment line is a keep-alive
                field, _, value = line.partition(":")
                value = value[1:] if value.startswith(" ") else value
                if field == "event":
                    name = value
                elif field == "data":
                    data.append(value)
