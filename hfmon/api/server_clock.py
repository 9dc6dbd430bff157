"""Hugging Face's clock as its answers state it: the `Date` header of each response (RFC 9110 §5.6.7, IMF-fixdate).

HF counts usage up to its own time, whatever hfmon's clock says. Each answer's `Date` against hfmon's clock when the
answer came gives one reading of how far HF's clock is ahead of hfmon's; a poll's readings give its median (robust to
one odd answer). An answer served from a cache (an `Age` header, RFC 9111 §5.1) dates when it was made, not now, so
it is no reading. The header is read bounded and strictly: anything but an IMF-fixdate is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

from hfmon.stats import percentile

DATE_CHARS = 40  # "Sun, 06 Nov 1994 08:49:37 GMT" is 29: a longer value is no IMF-fixdate
MAX_READINGS = 512  # per poll; a poll sends a few hundred requests at most, past that the first ones stand
_IMF_FIXDATE = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\d\d) ([A-Z][a-z]{2}) (\d{4}) (\d\d):(\d\d):(\d\d) GMT")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def parse_http_date(value: str | None) -> datetime | None:
    """An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`) as a UTC datetime; None for anything else, including a day
    name that is not that date's (a garbled or made-up header is no clock)."""
    if value is None or len(value) > DATE_CHARS:
        return None
    found = _IMF_FIXDATE.fullmatch(value.strip())
    if found is None or found[3] not in _MONTHS:
        return None
    try:
        at = datetime(int(found[4]), _MONTHS.index(found[3]) + 1, int(found[2]), int(found[5]), int(found[6]),
                      int(found[7]), tzinfo=UTC)
    except ValueError:  # 31 Feb, 25:00: not a date
        return None
    return at if _DAYS[at.weekday()] == found[1] else None


class ServerClock:
    """How far HF's clock is ahead of hfmon's (seconds; negative: behind), from the answers of one poll at a time."""

    def __init__(self) -> None:
        self._readings: list[float] = []
        self._last: float | None = None  # the last finished poll's figure
        self._parsed: tuple[str | None, datetime | None] = (None, None)  # answers within a second share a Date

    def observe(self, headers: Mapping[str, str], local_now: datetime) -> None:
        """Read one answer's `Date` (any status) against hfmon's clock when it came."""
        if len(self._readings) >= MAX_READINGS or "age" in headers:
            return
        value = headers.get("date")
        if value != self._parsed[0]:
            self._parsed = (value, parse_http_date(value))
        at = self._parsed[1]
        if at is not None:  # the header is cut to the second: its middle is the nearest guess
            self._readings.append((at - local_now).total_seconds() + 0.5)

    def poll_done(self) -> float | None:
        """This poll's figure: the median of its readings (None: no answer said its time). `ahead_s` gives it, else
        the last one known, until the next poll ends; the readings start again."""
        found = percentile(self._readings, 50)
        self._readings = []
        if found is not None:
            self._last = found
        return found

    def ahead_s(self) -> float | None:
        """The figure of the last finished poll that read HF's time (None: none has yet)."""
        return self._last


SKEW_S = 120.0
"""How far apart hfmon's clock and HF's may be before hfmon says so and asks usage up to HF's time: an answer's `Date`
is cut to the second and read a round trip late, and a clock kept by NTP is within a second; a few minutes apart is a
clock that was set wrong or stepped (a VM resumed)."""


def skewed(ahead_s: float | None) -> bool:
    """Whether HF's clock is more than SKEW_S ahead of hfmon's or behind it (None: unknown, so not said)."""
    return ahead_s is not None and abs(ahead_s) > SKEW_S


def hf_time(now: datetime, ahead_s: float | None) -> datetime | None:
    """HF's time at hfmon's `now`, when its clock is `skewed` from hfmon's (None: not skewed, or unknown)."""
    return now + timedelta(seconds=ahead_s) if ahead_s is not None and skewed(ahead_s) else None
