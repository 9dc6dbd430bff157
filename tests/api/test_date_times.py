"""Every date-time RFC 3339 allows (what the spec's `format: date-time` means) reads as the instant it names: a
lowercase `t` or `z`, offsets, fractions of any length, and a leap second (`:60`, read as the minute's last
microsecond: it stays in the minute, day and billing period it is written in)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hfmon.api.parse_common import moment
from hfmon.errors import BadResponseError

LAST_MICROSECOND = timedelta(seconds=59, microseconds=999_999)


@st.composite
def rfc3339(draw: st.DrawFn, leap: bool | None = None) -> tuple[str, datetime]:
    """An RFC 3339 date-time in any of its allowed spellings, and the UTC instant it names (worked out apart from
    hfmon's parser: fields, then minus the offset)."""
    local = draw(st.datetimes(datetime(1971, 1, 1), datetime(2100, 1, 1))).replace(microsecond=0)
    leap = draw(st.booleans()) if leap is None else leap
    digits = draw(st.text("0123456789", max_size=9))
    fraction = f".{digits}" if digits else ""
    offset_minutes = draw(st.sampled_from([None, 0]) | st.integers(-(23 * 60 + 59), 23 * 60 + 59))
    if offset_minutes is None:
        zone = draw(st.sampled_from(["Z", "z"]))
    else:
        sign = "-" if offset_minutes < 0 else "+"
        zone = f"{sign}{abs(offset_minutes) // 60:02d}:{abs(offset_minutes) % 60:02d}"
    second = 60 if leap else local.second
    text = (f"{local:%Y-%m-%d}{draw(st.sampled_from('Tt'))}{local:%H:%M}:{second:02d}{fraction}{zone}")
    start_of_minute = local.replace(second=0)
    if leap:
        wall = start_of_minute + LAST_MICROSECOND
    else:
        wall = local + timedelta(microseconds=int((digits + "000000")[:6]))  # beyond microseconds: cut, not rounded
    return text, (wall - timedelta(minutes=offset_minutes or 0)).replace(tzinfo=UTC)


@given(rfc3339())
def test_every_rfc3339_spelling_reads_as_its_instant(case: tuple[str, datetime]) -> None:
    text, instant = case
    assert moment(text, "t") == instant
    assert moment(text.upper(), "t") == instant  # the same instant whatever the case of `t` and `z`


@given(rfc3339(leap=True))
def test_a_leap_second_sits_between_its_minutes_59th_second_and_the_next_minute(case: tuple[str, datetime]) -> None:
    text, _ = case
    assert text[16:19] == ":60"
    before = moment(text[:17] + "59" + text[19:], "t")
    assert before <= moment(text, "t") < before.replace(microsecond=0) + timedelta(seconds=1)


@pytest.mark.parametrize(("text", "instant"), [
    ("2026-11-30T23:59:60Z", datetime(2026, 11, 30, 23, 59, 59, 999_999, tzinfo=UTC)),  # still November
    ("2026-12-01t00:59:60.25+01:00", datetime(2026, 11, 30, 23, 59, 59, 999_999, tzinfo=UTC)),
    ("2026-11-18t15:00:00z", datetime(2026, 11, 18, 15, tzinfo=UTC)),
    ("2026-11-18T15:00:00.123456789z", datetime(2026, 11, 18, 15, 0, 0, 123_456, tzinfo=UTC)),
    ("2026-11-30T23:59:60", datetime(2026, 11, 30, 23, 59, 59, 999_999, tzinfo=UTC)),  # zoneless: UTC, as ever
])
def test_known_spellings(text: str, instant: datetime) -> None:
    assert moment(text, "t") == instant


@pytest.mark.parametrize("text", ["2026-11-30T23:59:61Z", "2026-11-30T23:60:00Z", "2026-11-30T24:00:60Z",
                                  "2026-11-31T00:00:00z", "z", ""])
def test_what_rfc3339_does_not_allow_is_still_refused_by_name(text: str) -> None:
    with pytest.raises(BadResponseError, match="jobs\\[0\\].startedAt"):
        moment(text, "jobs[0].startedAt")
