"""The projection's rate in a period's first hours: a window from the period start needs 4 h of spend, because its
last 30 min are placeholders HF settles later (often lower) and nothing at its start offsets them. Under that the rate
is unknown, never $0/day nor an hour or two of placeholders scaled to a month. The figures are the demo fake's (ada,
seed 7) at each instant of December 2026; every expected value is worked out by hand in the comments."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from hfmon.costs.credits import MIN_PROJECTION_SPAN, TOO_EARLY, Period, credits_for
from hfmon.history import History, UsagePoint
from hfmon.models import InferenceUsage
from tests.costs.builders import PERIOD_START, inference

D = Decimal
DEC_1 = datetime(2026, 12, 1, tzinfo=UTC)
DECEMBER = Period(DEC_1, datetime(2027, 1, 1, tzinfo=UTC))


def december(used: str, limit: str | None = None) -> InferenceUsage:
    """usage-v2's inference block for December: $2 included."""
    return InferenceUsage(D(used), D(2), None if limit is None else D(limit), None, DECEMBER.start, DECEMBER.end)


def test_at_the_first_instant_the_rate_and_projection_are_unknown() -> None:
    c = credits_for("alice", inference("0", "2"), History(), PERIOD_START)
    assert (c.rate_usd_per_day, c.projected_period_usd, c.exhausts_at, c.limit_hit_at) == (None, None, None, None)
    assert c.rate_unknown_why == TOO_EARLY
    assert (c.rate_from, c.rate_to) == (PERIOD_START, PERIOD_START)
    assert (c.used_usd, c.remaining_usd) == (D(0), D(2))  # what was read is still shown


@pytest.mark.parametrize(("after", "used", "was"), [
    (timedelta(minutes=59), "0.0555794", None),  # under an hour: unknown already
    (timedelta(hours=1), "0.05720124", D("42.557723")),  # was 0.05720124 x 24/day: x (1 + 24 x (31 - 1/24)) = x 744
    (timedelta(hours=2), "0.09482566", D("35.275146")),  # was x 12/day: x (1 + 12 x (31 - 1/12)) = x 372
    (timedelta(hours=3, minutes=59, seconds=59), "0.18452677", None),  # two $0.01 placeholders in it
])
def test_under_four_hours_from_the_period_start_there_is_no_rate(after: timedelta, used: str,
                                                                  was: Decimal | None) -> None:
    # the demo settles its $0.01 placeholders to about $0.0015: at 02:00, $0.01 of the $0.0948 is one placeholder,
    # and December ends at $31.62 (settled), not $35.28
    c = credits_for("ada", december(used, limit="30"), History(), DEC_1 + after, DECEMBER)
    assert (c.rate_usd_per_day, c.projected_period_usd, c.exhausts_at, c.limit_hit_at) == (None, None, None, None)
    assert (c.rate_unknown_why, c.rate_from, c.rate_to, c.rate_settled) == (TOO_EARLY, DEC_1, DEC_1 + after, False)
    assert was is None or was != c.projected_period_usd


def test_at_four_hours_the_rate_is_measured_on_the_spend_so_far() -> None:
    now = DEC_1 + MIN_PROJECTION_SPAN
    c = credits_for("ada", december("0.17573133"), History(), now, DECEMBER)
    assert c.rate_unknown_why is None
    assert (c.rate_from, c.rate_to, c.rate_settled) == (DEC_1, now, False)
    assert c.rate_usd_per_day == D("1.054388")  # 0.17573133 in a sixth of a day: x 6 = 1.05438798
    assert c.projected_period_usd == D("32.686027")  # 0.17573133 + 1.05438798 x (31 - 1/6) = 0.17573133 x 186
    assert c.exhausts_at == datetime(2026, 12, 2, 21, 31, 27, tzinfo=UTC)  # (2 - 0.17573133) / 1.05438798 = 1.73017 d


def test_on_day_two_without_history_the_whole_first_day_is_the_window() -> None:
    now = DEC_1 + timedelta(days=1)
    c = credits_for("ada", december("1.04635282"), History(), now, DECEMBER)
    assert (c.rate_from, c.rate_to, c.rate_settled, c.rate_unknown_why) == (DEC_1, now, False, None)
    assert c.rate_usd_per_day == D("1.046353")  # in one day
    assert c.projected_period_usd == D("32.436937")  # 1.04635282 x (1 + 30 days left) = 32.43693742


def points(*figures: tuple[timedelta, str]) -> History:
    """ada's December history: (time after Dec 1 00:00, used then)."""
    return History(usage=tuple(UsagePoint("ada", DEC_1 + t, DEC_1, D(used), None) for t, used in figures))


def test_with_history_the_window_ends_on_a_settled_point_and_still_needs_four_hours() -> None:
    history = points((timedelta(hours=1), "0.05720124"), (timedelta(hours=1, minutes=30), "0.07638814"),
                     (timedelta(hours=2), "0.09482566"), (timedelta(hours=4), "0.17573133"))
    at_two = credits_for("ada", december("0.09482566"), history, DEC_1 + timedelta(hours=2), DECEMBER)
    assert (at_two.rate_from, at_two.rate_to) == (DEC_1, DEC_1 + timedelta(hours=1, minutes=30))  # 30 min old
    assert (at_two.rate_usd_per_day, at_two.projected_period_usd, at_two.rate_unknown_why) == (None, None, TOO_EARLY)
    now = DEC_1 + timedelta(hours=4, minutes=30)
    c = credits_for("ada", december("0.19978693"), history, now, DECEMBER)
    assert (c.rate_from, c.rate_to, c.rate_settled) == (DEC_1, DEC_1 + timedelta(hours=4), True)
    assert c.rate_usd_per_day == D("1.054388")  # the 04:00 point: 0.17573133 x 6
    assert c.projected_period_usd == D("32.688117")  # 0.19978693 + 1.05438798 x (31 - 4.5/24) = 32.6881165...
