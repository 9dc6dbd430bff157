"""`clock.iso` writes what `strftime("%Y-%m-%dT%H:%M:%SZ")` of the time in UTC writes, for every kind of input."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from hfmon.clock import iso

PARIS = timezone(timedelta(hours=1))
BEHIND = timezone(timedelta(hours=-9, minutes=-30))


@pytest.mark.parametrize("moment", [
    datetime(2026, 11, 30, 23, 59, 59, 999_999, tzinfo=UTC),  # microseconds are dropped, never rounded up
    datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
    datetime(2026, 3, 1, 0, 30, tzinfo=PARIS),  # an offset crossing midnight and a month back
    datetime(2026, 12, 31, 20, 0, tzinfo=BEHIND),  # and a year forward
    datetime(1000, 1, 1, tzinfo=UTC),
    datetime(999, 12, 31, 23, 0, tzinfo=UTC),  # strftime's own (unpadded) year
    datetime(1, 1, 1, 5, tzinfo=UTC),
    datetime(9999, 12, 31, 23, 59, 59, tzinfo=UTC),
])
def test_iso_is_the_utc_time_as_strftime_writes_it(moment: datetime) -> None:
    assert iso(moment) == moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def test_iso_of_known_moments() -> None:
    assert iso(datetime(2026, 11, 30, 23, 59, 59, 999_999, tzinfo=UTC)) == "2026-11-30T23:59:59Z"
    assert iso(datetime(2026, 3, 1, 0, 30, tzinfo=PARIS)) == "2026-02-28T23:30:00Z"
    assert iso(datetime(2026, 12, 31, 20, 0, tzinfo=BEHIND)) == "2027-01-01T05:30:00Z"
