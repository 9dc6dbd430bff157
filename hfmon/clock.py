"""Clocks: the one place hfmon reads the time, so tests, demo and screenshots can fix it."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that tells the current UTC time."""

    def now(self) -> datetime:
        """The current time, timezone-aware UTC."""
        ...


class SystemClock:
    """The real wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)


@dataclass
class FrozenClock:
    """A clock that stands still until a test moves it."""

    at: datetime

    def now(self) -> datetime:
        return self.at

    def advance(self, seconds: float) -> None:
        """Move the clock forward."""
        self.at += timedelta(seconds=seconds)


_LEAP_SECOND = re.compile(r"(\d{4}-\d\d-\d\d.\d\d:\d\d):60(?:\.\d+)?")


def utc(text: str) -> datetime:
    """Parse an ISO 8601 time (with `Z`, offsets or nanoseconds) into an aware UTC datetime; RFC 3339's own
    forms too: a lowercase `z` and a leap second (`23:59:60`, read as 23:59:59.999999 of the same minute)."""
    value = text.strip()
    if value[-1:] in ("Z", "z"):
        value = value[:-1] + "+00:00"
    # Python's datetime holds no 60th second. The minute's last microsecond keeps the leap second in the minute, day
    # and billing period it is written in (the next second would move a usage line ending at 23:59:60 on the period's
    # last day into the next period) and after every earlier time of that minute.
    value = _LEAP_SECOND.sub(r"\1:59.999999", value, count=1)
    head, sep, tail = value.partition(".")
    if sep:  # Python parses at most microseconds: trim nanosecond fractions.
        digits = len(tail) - len(tail.lstrip("0123456789"))
        tail = tail[:min(digits, 6)] + tail[digits:]
        value = f"{head}.{tail}"
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def iso(moment: datetime) -> str:
    """Format an aware datetime as ISO 8601 UTC with a `Z` (seconds precision)."""
    if moment.tzinfo is not UTC:
        moment = moment.astimezone(UTC)
    if moment.year < 1000:  # strftime writes such a year unpadded: keep its text
        return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
    # what strftime writes, in half the time (a large account's JSON holds tens of thousands of times); % because
    # an f-string with six format specs is as slow as strftime
    return "%04d-%02d-%02dT%02d:%02d:%02dZ" % (  # noqa: UP031
        moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second)


@dataclass(frozen=True, slots=True)
class FunctionClock:
    """A Clock that asks a function (e.g. the fake hub's scenario time)."""

    source: Callable[[], datetime]

    def now(self) -> datetime:
        """The function's current time."""
        return self.source()
