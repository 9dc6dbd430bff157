"""Transport-neutral request/response values of the fake hub and the JSON/error helpers routes use."""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import urlencode

T = TypeVar("T")
JSON_TYPE = "application/json; charset=utf-8"


def iso_ms(moment: datetime) -> str:
    """ISO 8601 UTC with milliseconds and Z, as the Hub writes dates."""
    return moment.astimezone(UTC).replace(tzinfo=None).isoformat(timespec="milliseconds") + "Z"


@dataclass
class Req:
    """An incoming request, whoever carried it (MockTransport or the loopback server)."""

    method: str
    path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]  # lower-case names
    body: bytes
    base: str  # scheme://host[:port] the client used, for absolute Link URLs

    def arg(self, name: str) -> str | None:
        """The first value of a query parameter."""
        return next((v for k, v in self.query if k == name), None)

    def args(self, name: str) -> list[str]:
        """Every value of a repeated query parameter (`name` and `name[]`)."""
        return [v for k, v in self.query if k in (name, name + "[]")]

    def url_with(self, **replace: str) -> str:
        """This request's absolute URL with some query parameters replaced (all others kept, in order)."""
        kept = [(k, v) for k, v in self.query if k not in replace] + list(replace.items())
        return f"{self.base}{self.path}?{urlencode(kept)}"

    def bearer(self) -> str | None:
        """The bearer token, if any."""
        auth = self.headers.get("authorization", "")
        return auth[7:].strip() if auth.lower().startswith("bearer ") else None


@dataclass
class Resp:
    """A response, plus what the carrier must do with it (delay, stall, a lying Content-Length)."""

    status: int
    body: bytes = b""
    headers: list[tuple[str, str]] = field(default_factory=list)
    delay_s: float = 0.0
    stall_s: float = 0.0
    declared_length: int | None = None
    sse_hold_s: float = 0.0
    reason: str | None = None  # the HTTP reason phrase, when not the standard one (fault tests)
    chunks: tuple[bytes, ...] = ()  # a streamed body: sent chunk by chunk (chunked encoding) after `body`
    chunk_gap_s: float = 0.0  # pause before each chunk on loopback (a slow token stream)

    def header(self, name: str) -> str | None:
        """A response header value (case-insensitive)."""
        return next((v for k, v in self.headers if k.lower() == name.lower()), None)


class HTTPError(Exception):
    """Raised by routes to answer with an HF-style error."""

    def __init__(self, status: int, message: str, code: str | None = None,
                 headers: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers or []


def dumps(obj: Any) -> bytes:
    """Deterministic compact JSON."""
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False).encode()


def json_resp(obj: Any, status: int = 200, headers: list[tuple[str, str]] | None = None) -> Resp:
    """A JSON response."""
    return Resp(status, dumps(obj), [("Content-Type", JSON_TYPE), *(headers or [])])


def error_resp(err: HTTPError) -> Resp:
    """The HF error shape: X-Error-Code / X-Error-Message headers and an {"error": ...} body."""
    headers = [("X-Error-Message", err.message), *err.headers]
    if err.code:
        headers.append(("X-Error-Code", err.code))
    return json_resp({"error": err.message}, err.status, headers)


def not_found(what: str = "Not Found") -> HTTPError:
    """A 404."""
    return HTTPError(404, what)


def page_of(req: Req, rows: Sequence[T], page_size: int, render: Callable[[T], Any],
            memo: Callable[[Hashable, Callable[[], bytes]], bytes] | None = None, memo_key: Hashable = None,
            largest: int | None = None, paged: bool = True) -> Resp:
    """One page of `rows`, only that page rendered (a listing costs its page, not the whole account); its body
    memoised by `memo` under (`memo_key`, offset, size) when given. `page_size` is the page without a `limit`;
    a `limit` may ask for a smaller page, or a larger one up to `largest` where the route allows it. A route the
    spec gives no cursor (`paged=False`) answers its first `limit` rows (every row without one), with no next page."""
    limit_arg = req.arg("limit")
    size = page_size if paged else len(rows)
    if limit_arg is not None and limit_arg.isdigit() and int(limit_arg) > 0:
        size = min(int(limit_arg), page_size if largest is None else largest)
    cursor = (req.arg("cursor") if paged else None) or "0"
    try:
        offset = int(cursor, 16)
    except ValueError as exc:
        raise HTTPError(400, "Invalid cursor") from exc
    def body() -> bytes:
        return dumps([render(row) for row in rows[offset:offset + size]])

    headers = [("Content-Type", JSON_TYPE)] + ([("X-Total-Count", str(len(rows)))] if paged else [])
    if paged and offset + size < len(rows):
        headers.append(("Link", f'<{req.url_with(cursor=format(offset + size, "x"))}>; rel="next"'))
    return Resp(200, body() if memo is None else memo((memo_key, offset, size), body), headers)
