"""The store's encodings of times and money round-trip exactly."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from hfmon.store.extract import decode_money, decode_time, encode_money, encode_time

zones = st.sampled_from([UTC, timezone(timedelta(hours=5, minutes=30)), timezone(timedelta(hours=-8))])


@given(st.datetimes(min_value=datetime(1971, 1, 1), max_value=datetime(2200, 1, 1), timezones=zones))
def test_times_round_trip_to_the_microsecond(moment: datetime) -> None:
    back = decode_time(encode_time(moment))
    assert back == moment and back.tzinfo == UTC and back.microsecond == moment.astimezone(UTC).microsecond


@given(st.decimals(allow_nan=False, allow_infinity=False))
def test_money_round_trips_with_every_digit(amount: Decimal) -> None:
    back = decode_money(encode_money(amount))
    assert back == amount and back is not None and back.as_tuple() == amount.as_tuple()


def test_epoch_microseconds_sort_like_the_times() -> None:
    early, late = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 1, 1, 0, 0, 0, 1, tzinfo=UTC)
    assert encode_time(late) - encode_time(early) == 1
