"""Spend in time windows from history: worked out by hand from the recorded states and usage totals."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.costs.window_inference import in_order, period_tail_unseen, usage_between, usage_rises
from hfmon.history import History, PollRun, StateChange, UsagePoint
from hfmon.report import Report
from tests.costs.builders import (
    PERIOD_START,
    D,
    at,
    billing,
    endpoint,
    flavor,
    namespace,
    paid,
    snapshot,
    space,
)

NOW = at(20)  # Nov 20 00:00; the Space costs $0.01/min = $0.60/h


def used(when_: object, usd: str, start: object = PERIOD_START) -> UsagePoint:
    return UsagePoint("alice", when_, start, D(usd), None)  # type: ignore[arg-type]


def report(polls_from: object = at(18), endpoints: tuple[object, ...] = (), statement_read: bool = True) -> Report:
    """alice's Space and endpoints over a day of history; her statement read (its Space's line not granted) unless
    not."""
    changes = (StateChange("space", "alice/chat", at(19, 18), "RUNNING", "t4-small", 1),
               StateChange("space", "alice/chat", at(19, 20), "SLEEPING", "t4-small", 0),
               StateChange("space", "alice/chat", at(19, 22, 30), "RUNNING", "t4-small", 1))
    changes += tuple(StateChange("endpoint", "alice/llm", at(19, 23), "running",
                                 f"aws/{e.instance_type}/x1", 1) for e in endpoints)  # type: ignore[attr-defined]
    usage = (used(at(18), "1.00"), used(at(19, 19), "1.50"), used(at(19, 23, 30), "2.25"), used(NOW, "2.50"))
    runs = (PollRun(polls_from, NOW, 60.0),)  # type: ignore[arg-type]
    chat = space("alice/chat")
    read = {"statement": paid("alice", chat)} if statement_read else {}
    snap = snapshot(namespace("alice", billing=billing("alice", used="2.50"), spaces=(chat,),
                              endpoints=endpoints, **read), spaces_hw=(flavor("t4-small", "0.01", gpu=True),))
    return evaluate(snap, History(usage=usage, changes=changes, poll_runs=runs), Config(), NOW)


def test_the_last_hour_against_the_hour_before_with_its_trend() -> None:
    whole = report().window_total("1h")
    assert whole is not None
    # Space running all hour ($0.60) + inference 2.50 - 1.50; the hour before: 22:30-23:00 running, no inference
    assert (whole.spend_usd.value, whole.previous_usd.value) == (D("1.60"), D("0.30"))
    assert whole.trend_pct == D("433.3")  # (1.60 - 0.30) / 0.30


def test_the_last_24_hours_by_product_and_a_day_before_watched_from_noon_is_a_lower_bound() -> None:
    r = report(polls_from=at(18, 12))
    w = next(w for w in r.windows if w.window == "24h")
    # Space 18:00-20:00 and 22:30-24:00 = 3.5 h x $0.60; inference 2.50 - 1.00
    assert (w.current.spaces_usd, w.current.inference_usd, w.current.endpoints_usd) == (D("2.10"), D("1.50"), 0)
    whole = r.window_total("24h")
    assert whole is not None and whole.spend_usd.value == D("3.60")
    # polls began at noon the day before: that day is watched from noon only, so it is at least what history holds
    # from then (no Space listed, no usage total read before 19:00: $0 known), never a plain $0, and the trend is
    # unknown. Was: unknown, as if history held nothing of it
    assert whole.previous_usd.value is None
    assert whole.previous_usd.known == 0 and whole.previous_usd.missing == ("history:alice",)
    assert whole.trend_pct is None


def test_windows_before_history_began_are_lower_bounds_and_the_period_is_what_was_billed() -> None:
    r = report(statement_read=False)
    seven = r.window_total("7d")  # Nov 13-20, watched from Nov 18: at least the inference since, 2.50 - 1.00
    assert seven is not None and seven.spend_usd.value is None and seven.spend_usd.known == D("1.50")
    assert "history:alice" in seven.spend_usd.missing  # was: known None, unknown as if history held nothing of it
    period = next(w for w in r.windows if w.window == "period")
    assert period.current.start == PERIOD_START and period.current.inference_usd == D("2.50")
    assert period.current.spaces_usd is None  # no statement was read: unknown


def test_a_running_endpoint_is_priced_by_the_bundled_catalog() -> None:
    r = report(endpoints=(endpoint("alice", "llm"),))  # aws nvidia-l4 x1: $0.80/h in the bundled table
    w = next(w for w in r.windows if w.window == "1h")
    assert (w.current.endpoints_usd, w.previous.endpoints_usd) == (D("0.80"), 0)


def test_an_unpriced_endpoint_makes_the_window_partial() -> None:
    r = report(endpoints=(endpoint("alice", "llm", itype="nvidia-zz9"),))  # no catalog prices it
    w = next(w for w in r.windows if w.window == "1h")
    assert w.current.endpoints_usd is None
    total = w.current.total_usd("alice")
    # named for its true reason: the Endpoint unpriced, not history missing (hfmon watched it all along)
    assert total.value is None and total.known == D("1.60") and total.missing == ("unpriced:endpoint alice/llm",)


def test_a_space_s_dollars_per_hour_over_the_last_24_hours() -> None:
    hourly = report(polls_from=at(18, 12)).spaces[0].cost.hourly_usd
    assert len(hourly) == 24
    expected = [D(0)] * 24
    expected[18] = expected[19] = D("0.60")  # 18:00-20:00
    expected[22], expected[23] = D("0.30"), D("0.60")  # from 22:30
    assert list(hourly) == expected


def test_a_new_period_inside_the_window_counts_from_its_start() -> None:
    new = at(19, 12)
    points = (used(at(19), "40.00"), used(at(19, 10), "41.00"), used(at(19, 14), "0.50", start=new),
              used(at(19, 16), "0.75", start=new))
    # 41.00 - 40.00 in the old period, then 0.75 in the new one
    assert usage_between(points, at(19, 6), at(19, 18)) == D("1.75")
    assert usage_between(points, at(18), at(19, 18)) is None  # nothing recorded at or before the start
    assert usage_between(points, at(19, 6), at(19, 6) + timedelta(hours=1)) == 0


def test_points_in_time_order_give_the_same_figures_found_by_bisection() -> None:
    # polls every 10 min, a fall at 19:50 and a new period at 21:00: every window reads as walking all the points
    new = at(19, 21)
    totals = ["1.00", "1.10", "1.25", "1.40", "1.45", "0.90", "1.00", "1.30", "1.35", "1.50", "1.60", "1.62"]
    points = tuple(used(at(19, 19) + timedelta(minutes=10 * i), usd) for i, usd in enumerate(totals))
    points += tuple(used(at(19, 21) + timedelta(minutes=10 * i), usd, start=new)
                    for i, usd in enumerate(["0.05", "0.20", "0.20", "0.35"]))
    assert in_order(points)
    edges = [at(19, 18, 55) + timedelta(minutes=5 * i) for i in range(40)]
    for start in edges:
        for end in edges:
            assert usage_rises(points, start, end, ordered=True) == usage_rises(points, start, end), (start, end)
            assert period_tail_unseen(points, start, end, ordered=True) == period_tail_unseen(points, start, end)
    assert usage_rises(points, at(19, 19), at(19, 20), ordered=True) == (D("0.55"), True)  # 1.00 → 1.45, then 1.00


def test_a_clock_stepped_back_leaves_points_out_of_order_and_read_as_they_are() -> None:
    # a poll at 19:30 after one at 19:40 (the clock stepped back): never bisected, read in the order recorded
    points = (used(at(19, 19), "1.00"), used(at(19, 19, 40), "1.40"), used(at(19, 19, 30), "1.50"))
    assert not in_order(points)
    assert usage_between(points, at(19, 19), at(19, 20)) == D("0.50")


def test_a_total_that_fell_inside_the_window_leaves_its_spend_unknown_never_negative() -> None:
    # 80 requests booked $0.80 of placeholders before 19:00; at 19:20 they settled at $0.01, while $0.30 was spent:
    # the totals' difference, 0.30 - 0.79 = -$0.49, is not what the hour cost (audit 3, finding 10)
    points = (used(at(19, 18, 50), "10.80"), used(at(19, 19, 10), "10.90"), used(at(19, 19, 20), "10.21"),
              used(at(19, 19, 50), "10.31"))
    assert usage_between(points, at(19, 19), at(19, 20)) is None
    assert usage_between(points, at(19, 18, 30), at(19, 19, 15)) is None  # nothing recorded at or before 18:30
    assert usage_between(points, at(19, 18, 50), at(19, 19, 15)) == D("0.10")  # before the fall: known
    assert usage_between(points, at(19, 19, 20), at(19, 20)) == D("0.10")  # from the fall on: known again


def test_a_period_start_relabelled_under_history_is_the_same_total_not_a_new_period() -> None:
    # hfmon up to audit 4 labelled usage-v2's total with the statement's period (Nov 15) where HF counted from
    # Nov 1; the same total read since is labelled Nov 1: $1.80 then $1.85 is $0.05 spent, never $1.85
    points = (used(at(19, 9), "1.70", start=at(15)), used(at(19, 10), "1.80", start=at(15)),
              used(at(19, 11), "1.85"))
    assert usage_between(points, at(19, 9, 30), at(19, 12)) == D("0.15")  # 1.70 → 1.80 → 1.85


def test_a_rollover_that_usage_v2_labels_late_starts_from_zero() -> None:
    # HF labels 00:03 with November's period still ($5.10), 00:13 with December's ($0.20): $0.10 + $0.20 spent
    nov, dec = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    points = (used(datetime(2026, 11, 30, 23, 50, tzinfo=UTC), "5.00", start=nov),
              used(datetime(2026, 12, 1, 0, 3, tzinfo=UTC), "5.10", start=nov),
              used(datetime(2026, 12, 1, 0, 13, tzinfo=UTC), "0.20", start=dec))
    assert usage_between(points, points[0].at, datetime(2026, 12, 1, 0, 20, tzinfo=UTC)) == D("0.30")
    # the 00:03 poll was read after November ended: it saw all of November, nothing of it is unseen
    assert not period_tail_unseen(points, points[0].at, datetime(2026, 12, 1, 0, 20, tzinfo=UTC))


def test_a_period_that_ended_after_its_last_poll_leaves_the_window_at_least() -> None:
    # polled hourly: November's 23:00 -> 24:00 is in no total read, December's 00:00 -> 00:30 is
    nov, dec = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    points = (used(datetime(2026, 11, 30, 22, 30, tzinfo=UTC), "4.90", start=nov),
              used(datetime(2026, 11, 30, 23, tzinfo=UTC), "5.00", start=nov),
              used(datetime(2026, 12, 1, 0, 30, tzinfo=UTC), "0.20", start=dec))
    end = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    assert usage_between(points, end - timedelta(hours=1), end) == D("0.20")
    assert period_tail_unseen(points, end - timedelta(hours=1), end)  # so at least $0.20, not $0.20
    assert not period_tail_unseen(points, points[0].at, points[1].at)  # within November: all seen
