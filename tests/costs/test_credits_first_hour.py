"""The projection's rate needs an hour of spend to measure: under MIN_RATE_SPAN it is unknown, never $0/day or
minutes of placeholders scaled to a month. Values written out by hand."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hfmon.costs.credits import MIN_RATE_SPAN, TOO_EARLY, credits_for
from hfmon.history import History, UsagePoint
from tests.costs.builders import PERIOD_START, inference

D = Decimal


def test_at_the_first_instant_the_rate_and_projection_are_unknown() -> None:
    c = credits_for("alice", inference("0", "2"), History(), PERIOD_START)
    assert (c.rate_usd_per_day, c.projected_period_usd, c.exhausts_at, c.limit_hit_at) == (None, None, None, None)
    assert c.rate_unknown_why == TOO_EARLY
    assert (c.rate_from, c.rate_to) == (PERIOD_START, PERIOD_START)
    assert (c.used_usd, c.remaining_usd) == (D(0), D(2))  # what was read is still shown


def test_just_under_an_hour_is_too_early_and_exactly_an_hour_is_not() -> None:
    under = credits_for("alice", inference("0.05", "2", limit="1"), History(),
                        PERIOD_START + MIN_RATE_SPAN - timedelta(microseconds=1))
    assert (under.rate_usd_per_day, under.projected_period_usd, under.limit_hit_at) == (None, None, None)
    assert under.rate_unknown_why == TOO_EARLY
    c = credits_for("alice", inference("0.05", "2"), History(), PERIOD_START + MIN_RATE_SPAN)
    assert c.rate_unknown_why is None
    assert c.rate_usd_per_day == D("1.2")  # $0.05 in 1 h
    assert c.projected_period_usd == D(36)  # 0.05 + 1.2 x (30 days - 1 h) = 0.05 + 35.95
    assert c.exhausts_at == PERIOD_START + timedelta(days=1, hours=16)  # (2 - 0.05) / 1.2 = 1.625 d after 01:00


def test_a_settled_history_point_measures_the_window_up_to_it() -> None:
    # a point at 00:40 (30 min old at 01:10): the window 00:00-00:40 is under an hour, so no rate yet
    history = History(usage=(UsagePoint("alice", PERIOD_START + timedelta(minutes=40), PERIOD_START, D("0.02"), None),))
    c = credits_for("alice", inference("0.05", "2"), history, PERIOD_START + timedelta(minutes=70))
    assert (c.rate_from, c.rate_to) == (PERIOD_START, PERIOD_START + timedelta(minutes=40))
    assert (c.rate_usd_per_day, c.projected_period_usd, c.rate_unknown_why) == (None, None, TOO_EARLY)
