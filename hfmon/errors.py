"""Errors hfmon shows to people: each has a title, a message and a hint that says what to do.

    HfmonError
    ├── ConfigError          bad config file or flag (exit 2)
    ├── NoTokenError         no token found (exit 3)
    │   └── BadTokenError    the token found has characters no HTTP header can carry (exit 3)
    ├── ApiError             an HTTP call failed; `status` is the HTTP status or None
    │   ├── AuthError        401: the token is unknown or revoked (exit 3)
    │   ├── NoAccessError    403: the token lacks a permission (billing read, org access)
    │   ├── RateLimitedError 429: `retry_after_s` says when to come back
    │   ├── UnavailableError 5xx, or a request that timed out
    │   ├── NetworkError     no connection at all
    │   └── BadResponseError malformed or truncated JSON, or a shape hfmon cannot read
    └── HistoryError         the history database cannot be used (raised by hfmon.store)
"""

from __future__ import annotations

from hfmon.scrub import scrub


class HfmonError(Exception):
    """Base of every error hfmon explains to the user."""

    title = "hfmon error"

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

    def __init__(self, message: str, hint: str | None = None, *, status: int | None = None) -> None:
        super().__init__(message, hint)
        self.status = status


class AuthError(ApiError):
    """401: the token was rejected."""

    title = "Token rejected"


class NoAccessError(ApiError):
    """403: the token lacks a permission for this route."""

    title = "Missing permission"


class RateLimitedError(ApiError):
    """429: the rate limit is exhausted."""

    title = "Rate limited"

    def __init__(self, message: str, hint: str | None = None, *, status: int | None = 429,
                 retry_after_s: float | None = None) -> None:
        super().__init__(message, hint, status=status)
        self.retry_after_s = retry_after_s


class UnavailableError(ApiError):
    """5xx or a timeout: the service did not answer in time."""

    title = "Service unavailable"


class NetworkError(ApiError):
    """The network could not reach the service at all."""

    title = "Network error"


class BadResponseError(ApiError):
    """The response could not be read (malformed, truncated, or an unexpected shape)."""

    title = "Unreadable response"


class HistoryError(HfmonError):
    """The history database cannot be opened or written."""

    title = "History database error"
