"""The proxy's side of the wire: reading a caller's request body, answering it (passed-through answers and the
proxy's own gateway errors), and reading the upstream's answer within bounds. ASGI messages only; no ledger."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx2

from hfmon.ledger import Outcome

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[dict[str, Any]]]
Send = Callable[[dict[str, Any]], Awaitable[None]]

MAX_REQUEST = 64 << 20  # bytes of a request body (base64 images fit)
MAX_ANSWER = 64 << 20  # bytes of a whole (not streamed) answer
# Hop-by-hop and framing headers of an answer (lower case): the proxy's server sets its own.
DROP_ANSWER = frozenset({b"content-length", b"connection", b"keep-alive", b"transfer-encoding", b"te", b"upgrade",
                         b"trailer", b"proxy-connection", b"content-encoding"})


class TooLarge(Exception):
    """An answer over MAX_ANSWER."""


def failure(exc: Exception) -> tuple[Outcome, int, dict[str, Any]]:
    """The outcome, and the answer the proxy gives itself when the router gave none (a gateway error)."""
    if isinstance(exc, httpx2.TimeoutException):
        return Outcome.TIMED_OUT, 504, error_doc("the Hugging Face router did not answer in time", "timeout")
    if isinstance(exc, TooLarge):
        return Outcome.BAD_RESPONSE, 502, error_doc(f"the router's answer is over {MAX_ANSWER >> 20} MB", "too_large")
    if isinstance(exc, httpx2.RemoteProtocolError | httpx2.ReadError):
        return Outcome.BAD_RESPONSE, 502, error_doc("the Hugging Face router broke off its answer", "bad_gateway")
    return Outcome.UNREACHABLE, 502, error_doc(f"cannot reach the Hugging Face router ({type(exc).__name__})",
                                               "bad_gateway")


async def bounded(resp: httpx2.Response) -> bytes:
    """A whole answer's body; TooLarge past MAX_ANSWER (read no further)."""
    chunks, size = [], 0
    async for chunk in answer_bytes(resp):
        size += len(chunk)
        if size > MAX_ANSWER:
            raise TooLarge
        chunks.append(chunk)
    return b"".join(chunks)


def answer_bytes(resp: httpx2.Response) -> AsyncIterator[bytes]:
    """The answer's bytes as they come: raw, unless it came compressed anyway (then decoded) or was read
    already."""
    if resp.is_stream_consumed or "content-encoding" in resp.headers:  # (read already: an in-process transport)
        return resp.aiter_bytes()
    return resp.aiter_raw()


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
    headers = [(k, v) for k, v in resp.headers.raw if k.lower() not in DROP_ANSWER]
    if length is not None:
        headers.append((b"content-length", str(length).encode()))
    await send({"type": "http.response.start", "status": resp.status_code, "headers": headers})


async def answer(send: Send, status: int, doc: dict[str, Any]) -> None:
    """Answer the caller with a JSON document of the proxy's own."""
    body = json.dumps(doc).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]})
    await send({"type": "http.response.body", "body": body})
