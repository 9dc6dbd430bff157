"""Pure rules of the metering proxy: which routes it meters, the session id it chooses, what a response says
about usage, and the estimated cost of that usage. No I/O."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

ROUTES = {"/v1/chat/completions": "chat", "/v1/completions": "completion", "/v1/embeddings": "embedding"}
POLICIES = frozenset({"fastest", "cheapest", "preferred"})
SESSION_MAX = 256  # the longest X-HF-Session-id HF's own client sends
MILLION = Decimal(1_000_000)
HELD_MAX = 1 << 20  # bytes of one SSE event kept to read it (a chunk is a few hundred bytes; a usage chunk too)
_NULL_USAGE = re.compile(rb'"usage"\s*:\s*null')
_WITH_USAGE = b'{"stream_options": {"include_usage": true}, '  # spliced in first
Prices = Mapping[tuple[str, str], tuple[Decimal | None, Decimal | None]]  # (model, provider) -> USD per 1M in/out


def split_model(requested: str) -> tuple[str, str | None]:
    """`org/model:suffix` → (model, suffix): a provider id or a routing policy; None without a suffix."""
    model, sep, suffix = requested.partition(":")
    return model, (suffix if sep and suffix else None)


_PROVIDER_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")  # the router's provider ids: groq, fireworks-ai


def served_by(policy: str | None, header: str | None) -> str | None:
    """The provider that served a request: the router's `x-inference-provider` when it is a provider id (anything
    else, a terminal escape say, is never stored nor shown), else a pinned `:provider`."""
    if header and _PROVIDER_ID.fullmatch(header.strip()):
        return header.strip()
    return policy if policy is not None and policy not in POLICIES else None


def session_id(namespace: str | None, model: str, at: datetime, run_id: str | None = None, instance: str = "") -> str:
    """The X-HF-Session-id hfmon chooses: one per namespace, model and UTC hour (and per `hfmon run`), so
    `usage-by-inference-session` gives the settled cost of exactly those requests. `instance` is the proxy process's
    own random id: two proxies (two machines, one org) never choose the same session, so HF never merges them."""
    digest = hashlib.sha256(f"{namespace or ''}\0{model}\0{instance}".encode()).hexdigest()[:16]
    prefix = f"hfmon-run-{run_id}" if run_id else "hfmon"
    return f"{prefix}-{at.strftime('%Y%m%dT%H')}-{digest}"[:SESSION_MAX]


def hourly_session_id(namespace: str | None, model: str, at: datetime, run_id: str | None = None,
                      instance: str = "") -> str:
    """`session_id`, computed once per namespace, model, hour, run and proxy (asked for on every request)."""
    return _session_of_hour(namespace, model, at.replace(minute=0, second=0, microsecond=0), run_id, instance)


@lru_cache(maxsize=1024)
def _session_of_hour(namespace: str | None, model: str, hour: datetime, run_id: str | None, instance: str) -> str:
    return session_id(namespace, model, hour, run_id, instance)


def usage_of(doc: Any, *, output_counted: bool = True) -> tuple[int, int] | None:
    """(prompt, completion) tokens from an OpenAI-shaped body or chunk's `usage`; None when it carries none or
    lacks a count. `output_counted=False` (embeddings, whose usage has no `completion_tokens`): 0 output tokens."""
    usage = doc.get("usage") if isinstance(doc, dict) else None
    if not isinstance(usage, dict):
        return None
    completion = usage.get("completion_tokens") if output_counted else usage.get("completion_tokens", 0)
    prompt, completion = _count(usage.get("prompt_tokens")), _count(completion)
    if prompt is None or completion is None:
        return None
    return prompt, completion


TAIL_MAX = 1 << 16  # bytes kept from the end of a whole answer too large to hold, to read its usage there
_USAGE_KEY = re.compile(rb'"usage"\s*:\s*')
_JSON = json.JSONDecoder()
_WHITESPACE = b" \t\r\n"  # JSON's


def usage_at_end(tail: bytes, *, output_counted: bool = True) -> tuple[int, int] | None:
    """`usage_of` a JSON object of which only its last bytes (`tail`) were kept: its `usage` when that is a key of
    the outermost object, followed only by that object's other keys to its end (as OpenAI-compatible answers end:
    `…], "model": "…", "usage": {…}}`); None when it is not there, or cannot be told from a `usage` nested deeper."""
    for key in reversed(list(_USAGE_KEY.finditer(tail))):
        if not _a_key_starts(tail, key.start()):
            continue
        try:
            rest = tail[key.end():].decode()
            usage, end = _JSON.raw_decode(rest)
            # what follows must close the object holding `usage` and end the answer: that object is the outermost
            if not isinstance(json.loads('{"_": 0' + rest[end:]), dict):
                continue
        except ValueError:  # UnicodeDecodeError too: the bytes before the key were not needed
            continue
        return usage_of({"usage": usage}, output_counted=output_counted)
    return None


def _a_key_starts(data: bytes, at: int) -> bool:
    """Whether the `"` at `at` opens a string rather than sits escaped in one (`\\"`); False when the bytes kept
    start too close to it to tell."""
    start = at
    while start > 0 and data[start - 1] == 0x5C:  # a backslash
        start -= 1
    return start > 0 and (at - start) % 2 == 0


class Tail:
    """The last TAIL_MAX bytes of what passed (at most twice that held), each run of whitespace a piece ends with
    kept as one space: JSON may end in any amount of it, which would push its `usage` out of the bytes kept."""

    def __init__(self) -> None:
        self.size = TAIL_MAX
        self._kept = bytearray()

    def feed(self, data: bytes) -> None:
        """Keep the end of `data` with what came before."""
        body = data.rstrip(_WHITESPACE)
        if body:
            self._kept += body[-self.size:]
            if len(self._kept) > 2 * self.size:
                del self._kept[:-self.size]
        if len(body) < len(data) and self._kept[-1:] != b" ":
            self._kept += b" "

    @property
    def bytes(self) -> bytes:
        """The last bytes kept (at least TAIL_MAX of them when that many passed)."""
        return bytes(self._kept)


def _count(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def estimate_usd(prices: Prices, model: str, provider: str | None, tokens: tuple[int, int] | None) -> Decimal | None:
    """Tokens x the router's price for that provider; None when the tokens, the provider or a needed price is
    unknown (unpriced is never $0)."""
    if tokens is None or provider is None:
        return None
    price = prices.get((model, provider))
    if price is None:
        return None
    (prompt, completion), (p_in, p_out) = tokens, price
    if (p_in is None and prompt) or (p_out is None and completion):
        return None
    return (prompt * (p_in or 0) + completion * (p_out or 0)) / MILLION


def ask_for_usage(body: bytes, doc: dict[str, Any]) -> tuple[bytes, bool]:
    """A streamed request's body made to ask for the usage chunk, and whether the caller did not ask for it (so
    it is stripped back out). The caller's bytes are kept as they are where the key is simply added."""
    options = doc.get("stream_options")
    if isinstance(options, dict) and options.get("include_usage") is True:
        return body, False
    if doc and "stream_options" not in doc and body.lstrip().startswith(b"{"):
        start = body.index(b"{")
        return body[:start] + _WITH_USAGE + body[start + 1:], True  # `{` + the key + `, ` + the caller's keys
    doc["stream_options"] = {**(options if isinstance(options, dict) else {}), "include_usage": True}
    return json.dumps(doc, ensure_ascii=False).encode(), True


def _may_carry_usage(block: bytes) -> bool:
    """Whether SSE bytes may hold a usage object: a `"usage"` key that is not just `"usage": null` (which
    providers put on every chunk when usage is asked for, and which is not worth parsing each chunk for)."""
    keys = block.count(b'"usage"')
    return keys > 0 and keys != len(_NULL_USAGE.findall(block))


def _data(event: bytes) -> Any:
    """The JSON of an SSE event's `data:` lines, or None (e.g. `[DONE]`, a comment, bad JSON)."""
    lines = _data_lines(event)
    if not lines:
        return None
    try:
        return json.loads(b"\n".join(lines))
    except ValueError:
        return None


def _data_lines(event: bytes) -> list[bytes]:
    return [line[5:].strip() for line in event.splitlines() if line.startswith(b"data:")]


def _is_done(event: bytes) -> bool:
    """Whether an SSE event is the `data: [DONE]` an OpenAI-compatible stream ends with."""
    return _data_lines(event) == [b"[DONE]"]


def _last_end(buf: bytearray, start: int) -> int:
    """Where the last complete SSE event in `buf` ends, looking only from `start` (0: none there)."""
    lf, crlf = buf.rfind(b"\n\n", start), buf.rfind(b"\r\n\r\n", start)
    return max(lf + 2 if lf >= 0 else 0, crlf + 4 if crlf >= 0 else 0)


class StreamMeter:
    """Reads an SSE stream as it passes: finds the usage and the `[DONE]` that ends it, and drops the usage-only
    chunk the proxy asked for (`stream_options.include_usage`) when the caller did not, so the caller sees exactly
    what it asked for.

    Each byte is scanned once. Only an event not yet complete is kept, up to `held_max` bytes: an event past it is
    passed on unread (and nothing more is stripped), so its usage is unknown (`unread`) but the stream never stalls.
    Without stripping, bytes are passed on as they come; with it, only an incomplete event is held back.
    """

    def __init__(self, strip_usage_chunk: bool, held_max: int = HELD_MAX) -> None:
        self.strip = strip_usage_chunk
        self.held_max = held_max
        self.tokens: tuple[int, int] | None = None  # the last usage seen
        self.done = False  # the stream's `data: [DONE]` was seen: it ended as the API ends it
        self.unread = False  # an event went unread (past held_max): the usage is unknown
        self._held = bytearray()  # the event not complete yet (already passed on unless stripping)
        self._in_unread = False  # `_held` ends inside an event past held_max

    @property
    def usage(self) -> tuple[int, int] | None:
        """The stream's usage: the last one seen, unless part of the stream went unread."""
        return None if self.unread else self.tokens

    def feed(self, data: bytes) -> bytes:
        """Take the next bytes from the upstream; return what to send to the caller now."""
        held, holding = self._held, self.strip
        scan = max(0, len(held) - 3)  # a blank line may straddle the previous bytes and these
        held += data
        end = _last_end(held, scan)
        out = b""
        if end:
            complete = bytes(held[:end])
            del held[:end]
            out = self._read(complete)
        if len(held) > self.held_max:  # an event past the cap: passed on unread, from now on nothing is stripped
            self.unread, self._in_unread = True, True
            if self.strip:
                out += bytes(held)
                self.strip = False
            del held[:-3]
        return out if holding else data

    def _read(self, complete: bytes) -> bytes:
        """Meter complete events; return them as the caller should see them (stripped when asked)."""
        if self._in_unread:  # the first event is the tail of one past the cap: not read
            self._in_unread = False
            first = _events(complete)[0]
            return first + self._read(complete[len(first):]) if len(first) < len(complete) else complete
        if b"[DONE]" in complete and any(_is_done(e) for e in _events(complete)):
            self.done = True
        if not _may_carry_usage(complete):
            return complete
        out = []
        for event in _events(complete):
            if _may_carry_usage(event):
                doc = _data(event)
                tokens = usage_of(doc)
                if tokens is not None:
                    self.tokens = tokens
                    if self.strip and isinstance(doc, dict) and not doc.get("choices"):
                        continue
            out.append(event)
        return b"".join(out)

    def finish(self) -> bytes:
        """What is left to send when the upstream ends (an event without its blank line, held when stripping)."""
        rest = bytes(self._held)
        self._held.clear()
        if not self._in_unread and _is_done(rest):  # a last `data: [DONE]` without its blank line still ends it
            self.done = True
        return rest if self.strip else b""


def _events(block: bytes) -> list[bytes]:
    """Split complete SSE events, each keeping its own terminating blank line."""
    out, start = [], 0
    while start < len(block):
        lf, crlf = block.find(b"\n\n", start), block.find(b"\r\n\r\n", start)
        cut = [i + n for i, n in ((lf, 2), (crlf, 4)) if i >= 0]
        end = min(cut) if cut else len(block)
        out.append(block[start:end])
        start = end
    return out
