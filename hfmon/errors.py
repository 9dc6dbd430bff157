"""Errors hfmon shows to people: each has a title, a message and a hint that says what to do.

    HfmonError
    ├── ConfigError          bad config file or flag (exit 2)
    ├── NoTokenError         no token found (exit 3)
    │   └── BadTokenError    the token found has characters no HTTP header can carry (exit 3)
    ├── ApiError             an HTTP call failed; `status` is the HTTP status or None
    │   ├── AuthError        401: the token is unknown or revoked (exit 3)
    │   ├── NoAccessError    403: the token lacks a permission (billing read, org access)
    │   ├── RateLimitedError 429: `retry_after_s` says when to come back
    │   ├── UnavailableError 5xx: the service answered that it cannot serve
    │   │   └── TimedOutError   no answer in time
    │   ├── NetworkError     no connection at all
    │   └── BadResponseError malformed or truncated JSON, or a shape hfmon cannot read
    └── HistoryError         the history database cannot be used (raised by hfmon.store)
"""

from __future__ import annotations

from enum import StrEnum

from hfmon.scrub import scrub


class Failure(StrEnum):
    """What happened to a request that failed, decided once from the error (SourceState and every front end read it)."""

    UNREACHABLE = "unreachable"  # no connection at all
    TIMED_OUT = "timed_out"
    REJECTED_TOKEN = "rejected_token"  # 401
    NO_ACCESS = "no_access"  # 403: a permission is missing
    RATE_LIMITED = "rate_limited"  # 429
    SERVER_ERROR = "server_error"  # 5xx
    BAD_RESPONSE = "bad_response"  # malformed, truncated, or a shape hfmon cannot read
    INTERNAL = "internal"  # a bug in hfmon


FAILURE_WORDS = {
    Failure.UNREACHABLE: "unreachable",
    Failure.TIMED_OUT: "timed out",
    Failure.REJECTED_TOKEN: "token rejected",
    Failure.NO_ACCESS: "missing permission",
    Failure.RATE_LIMITED: "rate limited",
    Failure.SERVER_ERROR: "server error",
    Failure.BAD_RESPONSE: "unreadable response",
    Failure.INTERNAL: "internal error",
}
"""A few words for each failure, as a user reads them ("billing:acme unreachable")."""


class HfmonError(Exception):
    """Base of every error hfmon explains to the user."""

    title = "hfmon error"
    failure = Failure.INTERNAL

    def __init__(self, message: str, hint: str | None = None) -> None:
        # Messages quote what servers, files and flags said: scrubbed here, once, before any output sees them.
        message = scrub(message)
        super().__init__(message)
        self.message = message
        self.hint = None if hint is None else scrub(hint)

    def __str__(self) -> str:
        return self.message if not self.hint else f"{self.message} ({self.hint})"


class ConfigError(HfmonError):
    """A config file or command-line value is wrong; names the file, the key and what was expected."""

    title = "Configuration error"


class NoTokenError(HfmonError):
    """No Hugging Face token was found."""

    title = "No Hugging Face token"


class BadTokenError(NoTokenError):
    """The token found cannot be sent: it holds a line break, a space or a non-ASCII character (exit 3)."""

    title = "Unusable Hugging Face token"


class ApiError(HfmonError):
    """An HTTP call to Hugging Face failed."""

    title = "Hugging Face API error"
    failure = Failure.BAD_RESPONSE  # an unexpected status: hfmon cannot read what it was told

    def __init__(self, message: str, hint: str | None = None, *, status: int | None = None) -> None:
        super().__init__(message, hint)
        self.status = status


class AuthError(ApiError):
    """401: the token was rejected."""

    title = "Token rejected"
    failure = Failure.REJECTED_TOKEN


class NoAccessError(ApiError):
    """403: the token lacks a permission for this route."""

    title = "Missing permission"
    failure = Failure.NO_ACCESS


class RateLimitedError(ApiError):
    """429: the rate limit is exhausted."""

    title = "Rate limited"
    failure = Failure.RATE_LIMITED

    def __init__(self, message: str, hint: str | None = None, *, status: int | None = 429,
                 retry_after_s: float | None = None) -> None:
        super().__init__(message, hint, status=status)
        self.retry_after_s = retry_after_s


class UnavailableError(ApiError):
    """5xx: the service answered that it cannot serve the request now."""

    title = "Service unavailable"
    failure = Failure.SERVER_ERROR


class TimedOutError(UnavailableError):
    """No answer within the time allowed (a request, a source, or the poll's deadline)."""

    title = "Timed out"
    failure = Failure.TIMED_OUT


class NetworkError(ApiError):
    """The network could not reach the service at all."""

    title = "Network error"
    failure = Failure.UNREACHABLE


class BadResponseError(ApiError):
    """The response could not be read (malformed, truncated, or an unexpected shape)."""

    title = "Unreadable response"
    failure = Failure.BAD_RESPONSE


class HistoryError(HfmonError):
    """The history database cannot be opened or written."""

    title = "History database error"
