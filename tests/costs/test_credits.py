"""Credits burn-down at several moments, with figures worked out by hand from the inputs."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hfmon.costs.credits import SHORT_HISTORY, Period, credits_for, credits_period, statement_period
from hfmon.history import History, UsagePoint
from hfmon.models import InferenceUsage
from tests.costs.builders import PERIOD_END, PERIOD_START, at, inference, statement

D = Decimal


def point(moment: datetime, used: str, period_start: datetime = PERIOD_START, ns: str = "alice") -> UsagePoint:
    return UsagePoint(ns, moment, period_start, D(used), None)


def test_mid_period_with_a_day_of_history() -> None:
    # 15 days into a 30-day period, $1.50 used; 24 h ago $1.20 had been used.
    history = History(usage=(point(at(14), "0.9"), point(at(15), "1.2"), point(at(15, 23, 45), "1.49"),
                             point(at(15), "7", ns="acme")))
    c = credits_for("alice", inference("1.5", "2", limit="5"), history, at(16))
    assert (c.used_usd, c.included_usd, c.remaining_usd, c.overage_usd) == (D("1.5"), D(2), D("0.5"), D(0))
    assert c.burn_rate_usd_per_day == D("0.1")  # 1.5 / 15 days
    assert c.burn_rate_24h_usd_per_day == D("0.3")  # (1.5 - 1.2) / 1 day
    assert c.days_left == 15
    # The latest settled point (Nov 15 00:00) is a day old: the rate is measured up to now, from the point 24 h
    # before: (1.5 - 1.2) / 1 day, and says it includes unsettled spend.
    assert (c.rate_usd_per_day, c.rate_from, c.rate_to, c.rate_settled) == (D("0.3"), at(15), at(16), False)
    assert c.projected_period_usd == D("5")  # 1.5 + 0.3 x 15 = 6.0, stopped by the $5 limit
    assert c.exhausts_at == at(17, 16)  # 0.5 / 0.3 per day = 40 h
    assert c.limit_hit_at == at(27, 16)  # 3.5 / 0.3 per day = 280 h
    assert c.provisional_usd == D("0.3")  # since the last point at least 30 min old (Nov 15 00:00)
    assert [v for _, v in c.series] == [D("0.9"), D("1.2"), D("1.49")]


def test_history_shorter_than_a_day_uses_what_there_is() -> None:
    history = History(usage=(point(at(15, 20), "1.4"), point(at(15, 23, 50), "1.45")))
    c = credits_for("alice", inference("1.5", "2"), history, at(16))
    # no total from 24 h ago: no 24 h rate, and why (was 0.6: $0.10 over 4 h x 6, a 4 h rate under the 24 h name)
    assert (c.burn_rate_24h_usd_per_day, c.burn_rate_24h_why) == (None, SHORT_HISTORY)
    assert c.provisional_usd == D("0.1")
    # no point 24 h before: the window starts at the period start, at $0
    assert (c.rate_usd_per_day, c.rate_from, c.rate_to) == (D("0.1"), PERIOD_START, at(16))


def test_without_history_the_period_rate_projects() -> None:
    c = credits_for("alice", inference("1.5", "2"), History(), at(16))
    assert c.burn_rate_24h_usd_per_day is None
    assert c.projected_period_usd == D("3.0")  # 1.5 + 0.1 x 15
    assert c.exhausts_at == at(21)  # 0.5 / 0.1 per day = 5 days
    assert c.provisional_usd is None  # nothing says how much of the $1.50 is younger than 30 min: unknown, not 0
    assert (c.rate_from, c.rate_to, c.rate_settled) == (PERIOD_START, at(16), False)
    assert c.series == ()


def test_already_exhausted_credits_and_overage() -> None:
    history = History(usage=(point(at(10), "1.0"), point(at(12, 6), "2.1"), point(at(14), "2.4")))
    c = credits_for("alice", inference("2.5", "2"), history, at(15))
    assert (c.remaining_usd, c.overage_usd) == (D(0), D("0.5"))
    assert c.exhausts_at == at(12, 6)  # the first observation at or over the included credits


def test_credits_used_up_before_any_history_ran_out_at_an_unknown_time() -> None:
    # $2.50 of $2 used, and no history point: they ran out at some moment before now, not now.
    c = credits_for("alice", inference("2.5", "2", limit="2.4"), History(), at(15))
    assert (c.remaining_usd, c.overage_usd) == (D(0), D("0.5"))
    assert c.exhausts_at is None and c.limit_hit_at is None
    assert c.alarming  # used up and past the limit all the same: the card warns


def test_no_limit_and_no_spend_project_nothing() -> None:
    c = credits_for("alice", inference("0", "2"), History(), at(16))
    assert c.burn_rate_usd_per_day == 0
    assert c.projected_period_usd == 0
    assert c.exhausts_at is None and c.limit_hit_at is None


def test_exhaustion_beyond_the_period_end_is_null() -> None:
    c = credits_for("alice", inference("0.15", "2"), History(), at(16))  # 0.01/day: 185 days to go
    assert c.exhausts_at is None
    assert not c.alarming


def test_a_sub_cent_spend_projects_no_crossing_instead_of_overflowing() -> None:
    # $0.000001 over 15 days: $2 would take ~82 million years, far beyond any date; the period ends first.
    c = credits_for("alice", inference("0.000001", "2", limit="5"), History(), at(16))
    assert c.exhausts_at is None and c.limit_hit_at is None
    assert c.remaining_usd == D("1.999999")


def test_a_crossing_exactly_at_the_period_end_counts() -> None:
    # $1 used over 15 days ($1/15 per day); the remaining $1 takes exactly the 15 days left.
    c = credits_for("alice", inference("1", "2"), History(), at(16))
    assert c.exhausts_at == PERIOD_END


def test_org_with_no_included_credits_never_exhausts() -> None:
    c = credits_for("acme", inference("3", "0"), History(), at(16))
    assert c.overage_usd == D(3) and c.exhausts_at is None


def test_across_a_period_boundary() -> None:
    # A new period began at Dec 1 00:00; the Nov points must not leak into December's rates.
    dec = datetime(2026, 12, 1, tzinfo=UTC)
    jan = datetime(2027, 1, 1, tzinfo=UTC)
    usage = InferenceUsage(D("0.25"), D(2), None, 3, dec, jan)
    history = History(usage=(point(at(30, 12), "1.9"), point(at(30, 23, 59), "1.95"),
                             point(at(1, 3, month=12), "0.1", period_start=dec)))
    c = credits_for("alice", usage, history, at(1, 6, month=12))
    assert (c.period_start, c.period_end) == (dec, jan)
    assert c.burn_rate_usd_per_day == D("1")  # 0.25 in a quarter of a day
    assert c.burn_rate_24h_usd_per_day == D("1")  # baseline: the period start at $0
    assert (c.rate_usd_per_day, c.rate_from, c.rate_to) == (D("1"), dec, at(1, 6, month=12))  # 03:00 is too old
    assert c.days_left == D("30.75")
    assert c.projected_period_usd == D("31.00")
    assert c.exhausts_at == at(3, 0, month=12)  # 1.75 / 1.0 per day = 42 h after 06:00
    assert c.provisional_usd == D("0.15")  # since Dec 1 03:00
    assert [v for _, v in c.series] == [D("0.1")]


def test_the_rate_counts_points_written_under_the_statements_label() -> None:
    # hfmon up to audit 4 labelled usage-v2's Nov 1 total with the statement's period (Nov 15): the same total,
    # so the 24 h rate is (1.5 - 1.2) / 1 day from those points, not the period average 1.5 / 15 days = 0.1
    relabelled = at(15)
    history = History(usage=(point(at(15), "1.2", period_start=relabelled),
                             point(at(15, 12), "1.3", period_start=relabelled), point(at(15, 23, 45), "1.49")))
    c = credits_for("alice", inference("1.5", "2"), history, at(16))
    assert c.burn_rate_24h_usd_per_day == D("0.3")
    assert [v for _, v in c.series] == [D("1.2"), D("1.3"), D("1.49")]


def test_a_rollover_that_usage_v2_labels_late_is_a_new_period() -> None:
    # HF still labels Dec 1 00:03 with November ($1.96); 00:13 reads $0.02 under December's label: December's points
    # are 00:13's only, November's never count in its rate
    dec = datetime(2026, 12, 1, tzinfo=UTC)
    usage = InferenceUsage(D("0.25"), D(2), None, 3, dec, datetime(2027, 1, 1, tzinfo=UTC))
    history = History(usage=(point(at(30, 23, 50), "1.95"), point(at(1, 0, 3, month=12), "1.96"),
                             point(at(1, 0, 13, month=12), "0.02", period_start=dec)))
    c = credits_for("alice", usage, history, at(1, 6, month=12))
    assert [v for _, v in c.series] == [D("0.02")]
    assert c.burn_rate_24h_usd_per_day == D("1")  # baseline: the period start at $0, 0.25 in a quarter of a day


def test_minutes_after_a_period_start_everything_is_provisional() -> None:
    dec = datetime(2026, 12, 1, tzinfo=UTC)
    usage = InferenceUsage(D("0.05"), D(2), None, 3, dec, datetime(2027, 1, 1, tzinfo=UTC))
    c = credits_for("alice", usage, History(), at(1, 0, 20, month=12))
    assert c.provisional_usd == D("0.05")


def test_at_the_very_end_of_the_period() -> None:
    c = credits_for("alice", inference("1.5", "2"), History(), PERIOD_END)
    assert c.days_left == 0
    assert c.projected_period_usd == D("1.5")


def linear(moment: datetime) -> str:
    """$0.02 an hour since the period start ($0.48/day), as text."""
    return str(D("0.02") * D((moment - PERIOD_START) // timedelta(minutes=1)) / 60)


def every_ten_minutes(first: datetime, last: datetime) -> tuple[UsagePoint, ...]:
    out, t = [], first
    while t <= last:
        out.append(point(t, linear(t)))
        t += timedelta(minutes=10)
    return tuple(out)


def test_the_rate_is_measured_on_settled_spend_over_24_hours() -> None:
    history = History(usage=every_ten_minutes(at(14, 20), at(15, 23, 50)))
    used = D(linear(at(16))) + D("0.05")  # placeholders booked high in the last minutes
    c = credits_for("alice", inference(str(used), "20"), History(usage=history.usage), at(16))
    # window: Nov 14 23:30 ($6.71) to Nov 15 23:30 ($7.19), the latest point at least 30 min old
    assert (c.rate_from, c.rate_to, c.rate_settled) == (at(14, 23, 30), at(15, 23, 30), True)
    assert c.rate_usd_per_day == D("0.48")
    assert c.projected_period_usd == used + D("0.48") * 15  # 15 days left
    assert c.provisional_usd == used - D("7.19")
    assert c.fell_usd == 0 and c.fell_since is None


def test_the_projection_is_stable_across_polls_of_the_same_data() -> None:
    history = every_ten_minutes(at(14, 20), at(15, 23, 50))
    used = D(linear(at(16))) + D("0.05")
    first = credits_for("alice", inference(str(used), "20"), History(usage=history), at(16))
    # a minute later, one more (unsettled, over-booked) point: the window and the rate do not move
    later = credits_for("alice", inference(str(used), "20"), History(usage=(*history, point(at(16), str(used)))),
                        at(16, 0, 1))
    assert (later.rate_from, later.rate_to, later.rate_usd_per_day) == (
        first.rate_from, first.rate_to, first.rate_usd_per_day)
    assert first.projected_period_usd - later.projected_period_usd == (D("0.48") / 1440).quantize(D("0.000001"))


def test_used_going_down_is_settlement_and_is_reported() -> None:
    history = History(usage=(point(at(15, 23), "2.00"), point(at(15, 23, 20), "2.02"), point(at(15, 23, 40), "2.04")))
    c = credits_for("alice", inference("2.03", "20"), history, at(16))
    assert (c.fell_usd, c.fell_since) == (D("0.01"), at(15, 23, 40))  # $2.04 -> $2.03
    assert c.provisional_usd == D("0.01")  # 2.03 - 2.02 (Nov 15 23:20, the latest point 30 min old)
    assert c.rate_to == at(15, 23, 20)


def test_settlement_window_boundaries() -> None:
    exactly = History(usage=(point(at(15, 23, 30), "1.0"),))
    c = credits_for("alice", inference("1.1", "20"), exactly, at(16))
    assert (c.rate_to, c.rate_settled, c.provisional_usd) == (at(15, 23, 30), True, D("0.1"))  # exactly 30 min
    younger = History(usage=(point(at(15, 23, 31), "1.0"),))
    c = credits_for("alice", inference("1.1", "20"), younger, at(16))
    assert (c.rate_to, c.rate_settled, c.provisional_usd) == (at(16), False, None)  # 29 min: not settled yet
    hour = History(usage=(point(at(15, 23), "1.0"),))
    assert credits_for("alice", inference("1.1", "20"), hour, at(16)).rate_to == at(15, 23)  # 1 h: still fresh
    older = History(usage=(point(at(15, 22, 59), "1.0"),))
    c = credits_for("alice", inference("1.1", "20"), older, at(16))
    assert (c.rate_to, c.rate_settled, c.provisional_usd) == (at(16), False, D("0.1"))  # too old to stand for now
    # the window starts at the point exactly 24 h before its end
    day = History(usage=(point(at(14, 23, 30), "0.5"), point(at(15, 23, 30), "1.0")))
    c = credits_for("alice", inference("1.1", "20"), day, at(16))
    assert (c.rate_from, c.rate_usd_per_day) == (at(14, 23, 30), D("0.5"))
    old_fall = History(usage=(point(at(14, 23, 59), "1.2"),))  # higher, but more than 24 h ago
    assert credits_for("alice", inference("1.1", "20"), old_fall, at(16)).fell_usd == 0
def test_the_credits_period_is_usage_v2s_else_the_window_asked_and_never_the_statements() -> None:
    dec = Period(datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
    stated = replace(statement("alice"), period_start=at(5), period_end=at(5, month=12))
    with_period, without = inference("1"), replace(inference("1"), period_start=None, period_end=None)
    assert credits_period(with_period, at(16)) == Period(PERIOD_START, PERIOD_END)
    assert credits_period(without, at(3, month=12)) == dec
    assert credits_period(None, at(3, month=12)) == dec
    # the statement's products keep the statement's period; without a statement, the credits'
    assert statement_period(stated, with_period, at(16)) == Period(at(5), at(5, month=12))
    assert statement_period(None, with_period, at(16)) == Period(PERIOD_START, PERIOD_END)
    assert statement_period(None, without, at(3, month=12)) == dec


def test_credits_without_a_period_from_usage_v2_use_the_calendar_month() -> None:
    usage = replace(inference("1.5", "2"), period_start=None, period_end=None)
    c = credits_for("acme", usage, History(), at(16))
    assert (c.period_start, c.period_end) == (PERIOD_START, PERIOD_END)
    assert c.burn_rate_usd_per_day == D("0.1")  # $1.50 over 15 days
