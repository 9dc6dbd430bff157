"""The proxy's side of the wire: reading a caller's request body, answering it (passed-through answers and the
proxy's own gateway errors), and reading the upstream's answer within bounds. ASGI messages only; no ledger."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx2

from hfmon.api.bodies import BodyError, BodyTooLarge, decoded_body
from hfmon.errors import HfmonError
from hfmon.ledger import Outcome

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

MAX_REQUEST = 64 << 20  # bytes of a request body (base64 images fit)
MAX_ANSWER = 64 << 20  # bytes of a whole (not streamed) answer held to pass on at once and read its usage
MAX_PASSED = 1 << 40  # bytes of a compressed answer decoded while being passed on (held by no one: a count's bound)
# Hop-by-hop and framing headers of an answer (lower case): the proxy's server sets its own.
_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
DROP_ANSWER = frozenset({b"content-length", b"connection", b"keep-alive", b"transfer-encoding", b"te", b"upgrade",
                         b"trailer", b"proxy-connection", b"content-encoding"})


UNREADABLE = (httpx2.HTTPError, BodyError)
"""What reading an upstream answer's body may raise besides TooLarge (`failure` turns each into the caller's answer)."""


class TooLarge(Exception):
    """An answer over its cap (MAX_ANSWER unless the reader says otherwise)."""


class BrokenOff(Exception):
    """Raised to the server when the router broke off an answer already being passed on: the server then drops
    the caller's connection instead of ending the answer as if it were whole."""


def failure(exc: Exception) -> tuple[Outcome, int, dict[str, Any]]:
    """The outcome, and the answer the proxy gives itself when the router gave none (a gateway error)."""
    if isinstance(exc, httpx2.TimeoutException):
        return Outcome.TIMED_OUT, 504, error_doc("the Hugging Face router did not answer in time", "timeout")
    if isinstance(exc, TooLarge):
        return Outcome.BAD_RESPONSE, 502, error_doc(f"the router's answer is over {MAX_ANSWER >> 20} MB", "too_large")
    if isinstance(exc, BodyError | httpx2.DecodingError):
        return Outcome.BAD_RESPONSE, 502, error_doc(f"the router's answer could not be decoded: {undecodable(exc)}",
                                                    "bad_gateway")
    if isinstance(exc, httpx2.RemoteProtocolError | httpx2.ReadError):
        return Outcome.BAD_RESPONSE, 502, error_doc("the Hugging Face router broke off its answer", "bad_gateway")
    return Outcome.UNREACHABLE, 502, error_doc(f"cannot reach the Hugging Face router ({type(exc).__name__})",
                                               "bad_gateway")


def why_unread(exc: Exception, wait_s: float, max_bytes: int, what: str = "the model list",
               server: str = "the router") -> str:
    """Why an unmetered read of the proxy's own (`what`, from `server`) failed, in hfmon's words: nothing the
    server sent, which could be anything."""
    if isinstance(exc, httpx2.HTTPStatusError):
        return f"HTTP {exc.response.status_code}"
    if isinstance(exc, TooLarge):
        return f"the answer is over {max_bytes >> 20} MB"
    if isinstance(exc, TimeoutError | httpx2.TimeoutException):
        return f"no answer within {wait_s:g} s"
    if isinstance(exc, BodyError | httpx2.DecodingError):
        return f"the answer could not be decoded: {undecodable(exc)}"
    if isinstance(exc, httpx2.HTTPError):
        return f"cannot reach {server} ({type(exc).__name__})"
    if isinstance(exc, HfmonError):  # the parser's words, scrubbed
        return f"the answer is not {what} hfmon knows: {exc.message}"
    if isinstance(exc, ValueError):
        return "the answer is not JSON"
    return f"an internal error ({type(exc).__name__})"


def undecodable(exc: BodyError | httpx2.DecodingError) -> str:
    """Why a body could not be decoded, in hfmon's words (never the server's bytes)."""
    return str(exc) if isinstance(exc, BodyError) else "its compression is corrupt"


async def bounded(resp: httpx2.Response, max_bytes: int = MAX_ANSWER) -> bytes:
    """A whole answer's body; TooLarge past `max_bytes` (read no further), BodyError when it cannot be decoded."""
    chunks, size = [], 0
    async for chunk in answer_bytes(resp, max_bytes):
        size += len(chunk)
        if size > max_bytes:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def answer_bytes(resp: httpx2.Response, max_bytes: int = MAX_ANSWER) -> AsyncIterator[bytes]:
    """The answer's bytes as they come: raw, unless it was read already (an in-process transport) or came
    compressed anyway: then decoded within `max_bytes` (TooLarge past it; BodyError when corrupt, cut short or
    compressed in a way the proxy did not ask for)."""
    if resp.is_stream_consumed:
        return resp.aiter_bytes()
    encoding = resp.headers.get("content-encoding")
    if encoding:
        return _decoded(resp, encoding, max_bytes)
    return resp.aiter_raw()


async def _decoded(resp: httpx2.Response, encoding: str, max_bytes: int) -> AsyncIterator[bytes]:
    size = 0
    try:
        async for piece in decoded_body(resp.aiter_raw(), encoding, max_bytes):
            size += len(piece)
            if size > max_bytes:  # decoded_body stops one byte past the cap: say so rather than end short
                raise TooLarge
            yield piece
    except BodyTooLarge:  # the compressed body alone is past the cap
        raise TooLarge from None


def error_doc(message: str, code: str) -> dict[str, Any]:
    """An OpenAI-shaped error body from the proxy itself."""
    return {"error": {"message": f"hfmon proxy: {message}", "type": "proxy_error", "code": code}}


def json_or_none(content: bytes) -> Any:
    """The JSON document in `content`, or None when it is not JSON."""
    try:
        return json.loads(content)
    except ValueError:
        return None


GONE = b"\0gone"  # a request body cut short by the caller hanging up


async def read_body(receive: Receive) -> bytes | None:
    """The request body; None when it is over MAX_REQUEST (the rest is drained, not kept); GONE when the caller
    hung up before sending all of it."""
    parts, size, more = [], 0, True
    while more:
        message = await receive()
        if message["type"] == "http.disconnect":
            return GONE
        chunk = message.get("body", b"")
        size += len(chunk)
        if size <= MAX_REQUEST:
            parts.append(chunk)
        more = message.get("more_body", False)
    return b"".join(parts) if size <= MAX_REQUEST else None


async def disconnected(receive: Receive) -> None:
    """Returns when the caller hangs up (ASGI `http.disconnect`)."""
    while (await receive())["type"] != "http.disconnect":
        pass


async def start_answer(send: Send, resp: httpx2.Response, length: int | None) -> None:
    """Start passing the upstream's answer on: its status and the headers that are not hop-by-hop."""
    # a value with a control character is no legal header: the server would drop the whole (billed) answer for it
    headers = [(k, v) for k, v in resp.headers.raw if k.lower() not in DROP_ANSWER and not _CONTROL.search(v)]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    await send({"type": "http.response.start", "status": resp.status_code, "headers": headers})


async def answer(send: Send, status: int, doc: dict[str, Any]) -> None:
    """Answer the caller with a JSON document of the proxy's own."""
    body = json.dumps(doc).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
