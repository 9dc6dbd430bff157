"""A misbehaving router for proxy tests, on loopback in a thread of its own: what it answers is picked by the
request's model. Every model is priced $1 per 1M input and $10 per 1M output tokens at provider `prov`. It answers
whoami too (the token's user is `WHO`), once `whoami_open` is set (it is, unless a test holds whoami back)."""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PRICE_IN, PRICE_OUT = 1, 10  # USD per 1M tokens
USAGE = {"prompt_tokens": 1000, "completion_tokens": 2000, "total_tokens": 3000}
MODELS = ("m/ok", "m/nocompl", "m/emb", "m/stream", "m/streamcut", "m/cumul", "m/noblank")
NOBLANK_LINE = b"data: " + b"x" * (64 << 10) + b"\n"  # an SSE line; never followed by a blank one
NOBLANK_LINES = 40  # 2.5 MB, past the proxy's cap on one held event
RELEASE_WAIT_S = 10.0  # how long `m/noblank` (or a held whoami) waits for the test to release it before breaking off
WHO = "scripted-user"


def _models() -> dict[str, Any]:
    return {"object": "list", "data": [
        {"id": m, "object": "model", "created": 1, "owned_by": "x",
         "providers": [{"provider": "prov", "status": "live", "pricing": {"input": PRICE_IN, "output": PRICE_OUT}}]}
        for m in MODELS]}


def _whole(status: int, doc: Any) -> bytes:
    body = json.dumps(doc).encode()
    return (f"HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {len(body)}\r\n"
            "x-inference-provider: prov\r\n\r\n").encode() + body


def _chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


def _event(i: int, model: str, usage: dict[str, int] | None = None) -> bytes:
    doc = {"id": "x", "object": "chat.completion.chunk", "created": 1, "model": model,
           "choices": [{"index": 0, "delta": {"content": f"tok{i}"}}], "usage": usage}
    return b"data: " + json.dumps(doc).encode() + b"\n\n"


USAGE_EVENT = b"data: " + json.dumps({"id": "x", "object": "chat.completion.chunk", "created": 1, "model": "m",
                                      "choices": [], "usage": USAGE}).encode() + b"\n\n"


class ScriptedRouter:
    """The router; `release` lets `m/noblank` finish its stream, `whoami_open` lets whoami answer."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.whoami_open = threading.Event()
        self.whoami_open.set()
        self.whoami_asked = 0
        self.handling: set[asyncio.Task[Any]] = set()  # connections being answered (finished before it stops)
        self.url = ""

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        this = asyncio.current_task()
        if this is not None:
            self.handling.add(this)
            this.add_done_callback(self.handling.discard)
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            lines = head.decode().split("\r\n")
            method, path, _ = lines[0].split(" ")
            headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:] if ":" in line)}
            size = int(headers.get("content-length", 0))
            body = await reader.readexactly(size) if size else b""
            if method == "GET" and path == "/api/whoami-v2":
                self.whoami_asked += 1
                if not await asyncio.to_thread(self.whoami_open.wait, RELEASE_WAIT_S):
                    writer.transport.abort()
                    return
                writer.write(_whole(200, {"type": "user", "name": WHO, "orgs": []}))
            elif method == "GET":
                writer.write(_whole(200, _models()))
            else:
                await self.answer(path, json.loads(body), writer)
            if not writer.transport.is_closing():  # not broken off on purpose
                await writer.drain()
        finally:
            writer.close()

    async def answer(self, path: str, doc: dict[str, Any], w: asyncio.StreamWriter) -> None:
        model = doc["model"]
        if path == "/v1/embeddings":  # an embedding's usage has no completion_tokens
            w.write(_whole(200, {"object": "list", "data": [{"object": "embedding", "index": 0, "embedding": [0.5]}],
                                 "model": model, "usage": {"prompt_tokens": 8, "total_tokens": 8}}))
            return
        if not doc.get("stream"):
            usage = {"prompt_tokens": 1000, "total_tokens": 3000} if model == "m/nocompl" else USAGE
            w.write(_whole(200, {"id": "x", "object": "chat.completion", "created": 1, "model": model, "usage": usage,
                                 "choices": [{"index": 0, "finish_reason": "stop",
                                              "message": {"role": "assistant", "content": "hi"}}]}))
            return
        w.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n"
                b"x-inference-provider: prov\r\n\r\n")
        if model == "m/noblank":
            for _ in range(NOBLANK_LINES):
                w.write(_chunk(NOBLANK_LINE))
                await w.drain()
            if not await asyncio.to_thread(self.release.wait, RELEASE_WAIT_S):
                w.transport.abort()  # nobody read what was sent: break off, so the test fails rather than waits
                return
            w.write(_chunk(b"\n" + USAGE_EVENT + b"data: [DONE]\n\n") + b"0\r\n\r\n")
            return
        cumulative = model == "m/cumul"  # usage on every chunk, so far; ends cleanly without the last one or [DONE]
        for i in range(3):
            so_far = {"prompt_tokens": 1000, "completion_tokens": i + 1} if cumulative else None
            w.write(_chunk(_event(i, model, so_far)))
            await w.drain()
        if model == "m/streamcut":
            w.transport.abort()  # a reset after 200 and three chunks
            return
        if model == "m/stream":
            w.write(_chunk(USAGE_EVENT + b"data: [DONE]\n\n"))
        w.write(b"0\r\n\r\n")


@contextmanager
def scripted_router() -> Iterator[ScriptedRouter]:
    """The router serving on a free loopback port for the `with` block (stopped after it)."""
    router = ScriptedRouter()
    loop = asyncio.new_event_loop()
    started = threading.Event()
    stop: asyncio.Future[None] | None = None

    async def serve() -> None:
        nonlocal stop
        server = await asyncio.start_server(router.handle, "127.0.0.1", 0)
        router.url = f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"
        stop = loop.create_future()
        started.set()
        async with server:
            await stop
            if router.handling:  # released by now: let them end rather than be destroyed with the loop
                await asyncio.wait(router.handling, timeout=RELEASE_WAIT_S)

    thread = threading.Thread(target=loop.run_until_complete, args=(serve(),), daemon=True)
    thread.start()
    assert started.wait(10), "the scripted router did not start"
    try:
        yield router
    finally:
        router.release.set()
        router.whoami_open.set()
        assert stop is not None
        loop.call_soon_threadsafe(stop.set_result, None)
        thread.join(10)
        loop.close()
