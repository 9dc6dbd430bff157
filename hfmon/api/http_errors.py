"""What a failed request becomes: an `hfmon.errors` exception with a scrubbed message and a hint saying what to do."""

from __future__ import annotations

import json
from urllib.parse import urlsplit

import httpx2

from hfmon.api.governor import MAX_WAIT_S, capped_wait, parse_ratelimit, parse_retry_after
from hfmon.errors import (
    ApiError,
    AuthError,
    NetworkError,
    NoAccessError,
    RateLimitedError,
    TimedOutError,
    UnavailableError,
)
from hfmon.scrub import scrub

AUTH_HINT = "check the token with `hf auth whoami`, or create a new one at https://huggingface.co/settings/tokens"


def what_of(url: str) -> str:
    """A request as messages name it: the method and the path, never the query (or a host's credentials)."""
    return f"GET {urlsplit(url).path}"


def status_error(response: httpx2.Response, content: bytes, url: str, forbidden_hint: str | None) -> ApiError:
    """The error an answer with a failure status stands for (`content`: the start of its body)."""
    status = response.status_code
    detail = response.headers.get("x-error-message") or ""
    if not detail:
        try:
            body = json.loads(content[:4000] or b"null")
            if isinstance(body, dict) and isinstance(body.get("error"), str):
                detail = body["error"]
        except (ValueError, UnicodeDecodeError):
            pass
    detail = scrub(detail).strip()[:200]  # scrubbed before the cut: a cut token would escape the mask
    reason = scrub(response.reason_phrase or "").strip()[:80]
    message = f"{status} {reason} on {what_of(url)}".replace("  ", " ")
    if detail:
        message += f": {detail}"
    if status == 401:
        return AuthError(message, AUTH_HINT, status=401)
    if status == 403:
        return NoAccessError(message, forbidden_hint or "the token lacks a permission for this route",
                             status=403)
    if status == 429:
        info = parse_ratelimit(response.headers)
        asked = parse_retry_after(response.headers.get("retry-after"))
        if asked is None and info is not None:
            asked = float(info.reset_s)
        if asked is not None and asked > MAX_WAIT_S:
            shown = f"{asked:.0f} s" if asked < 1e12 else "an unbounded time"
            message += (f" (the server asked to wait {shown}; hfmon waits at most {MAX_WAIT_S} s, "
                        "Hugging Face's rate-limit window)")
        return RateLimitedError(message, "hfmon waits for the rate-limit window to reset",
                                retry_after_s=None if asked is None else capped_wait(asked))
    if status >= 500:
        return UnavailableError(message, "Hugging Face is having trouble; the next poll will try again",
                                status=status)
    return ApiError(message, None, status=status)


def transport_error(exc: httpx2.TransportError, url: str) -> ApiError:
    """The error a failure below HTTP (connect, timeout, dropped connection) stands for."""
    what = what_of(url)
    if isinstance(exc, httpx2.TimeoutException):
        return TimedOutError(f"{what} timed out", "the service is slow; the next poll will try again")
    if isinstance(exc, httpx2.ConnectError | httpx2.UnsupportedProtocol | httpx2.ProxyError):
        return NetworkError(f"{what}: cannot connect ({type(exc).__name__})",
                            "check the network connection and HF_ENDPOINT")
    return UnavailableError(f"{what}: connection dropped mid-response ({type(exc).__name__})",
                            "the next poll will try again")
