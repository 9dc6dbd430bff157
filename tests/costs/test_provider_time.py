"""Spend per provider over time from the recorded per-provider sets: each step shows the spend the polls saw
appear in it, steps add up to the window, a namespace without history back to a step's start leaves it partial,
and a new billing period starts from zero."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal as D

from hfmon.costs.provider_time import Covers, provider_spend
from hfmon.costs.timeline import Coverage
from hfmon.history import BILLING, History, PollRun, ProviderPoint

NOV = datetime(2026, 11, 1, tzinfo=UTC)
NOW = datetime(2026, 11, 18, 11, 30, tzinfo=UTC)


def at(h: int, m: int, day: int = 18) -> datetime:
    return datetime(2026, 11, day, h, m, tzinfo=UTC)


def polled(*runs: tuple[datetime, datetime]) -> Covers:
    """What runs of polls (a minute apart) cover, as the Report reads it."""
    history = History(poll_runs=tuple(PollRun(first, last, 60.0) for first, last in runs))
    coverage = Coverage(history, runs[0][0])
    return lambda start, end, namespace: coverage.covers(start, end, (namespace, BILLING))


ALWAYS = polled((at(0, 0, day=1), at(11, 30)))  # hfmon polled all along: only the sets' reach limits the steps


def point(ns: str, when: datetime, provider: str, usd: str, period: datetime = NOV) -> ProviderPoint:
    return ProviderPoint(ns, when, period, provider, D(usd), 0)


POINTS = (
    point("alice", at(10, 0), "together", "1.0"),
    point("alice", at(10, 30), "together", "1.5"), point("alice", at(10, 30), "groq", "0.2"),
    point("acme", at(10, 50), "together", "3"),  # acme's history starts here
    point("alice", at(11, 10), "together", "1.5"), point("alice", at(11, 10), "groq", "0.5"),
    point("acme", at(11, 20), "together", "3.25"),
)


def test_the_last_hour_in_five_minute_steps() -> None:
    hour = next(w for w in provider_spend(POINTS, NOW, NOV, ALWAYS) if w.name == "1h")
    assert hour.start == at(10, 30) and hour.step == timedelta(minutes=5) and len(hour.step_starts) == 12
    assert [s.name for s in hour.providers] == ["groq", "together"]  # the costliest first: +0.3, +0.25
    series = {s.name: s for s in hour.providers}
    groq, together = series["groq"], series["together"]
    # acme has no set at or before 10:30..10:45: those four steps are partial, never $0
    for s in (groq, together):
        assert all(not t.complete and t.known == 0 for t in s.usd[:4])
        assert all(t.complete for t in s.usd[4:])
    # alice's groq went 0.2 -> 0.5 at 11:10: the step (11:05, 11:10]; the change at 10:30 is the window's start
    assert [t.known for t in groq.usd[4:]] == [0, 0, 0, D("0.3"), 0, 0, 0, 0]
    # acme's together went 3 -> 3.25 at 11:20: the step (11:15, 11:20]
    assert [t.known for t in together.usd[4:]] == [0, 0, 0, 0, 0, D("0.25"), 0, 0]
    assert groq.total.known == D("0.3") and not groq.total.complete  # the steps added up, partial


def test_a_fully_known_window_adds_up_to_the_spend_between_its_start_and_now() -> None:
    day = next(w for w in provider_spend(POINTS, NOW, NOV, ALWAYS) if w.name == "24h")
    assert day.step == timedelta(hours=1)
    alice_only = tuple(p for p in POINTS if p.namespace == "alice")
    hour = next(w for w in provider_spend(alice_only, NOW, NOV, ALWAYS) if w.name == "1h")
    groq = next(s for s in hour.providers if s.name == "groq")
    assert groq.total.complete and groq.total.value == D("0.5") - D("0.2")
    assert all(t.complete for t in groq.usd)
    unmoved = [s.name for s in hour.providers]
    assert "together" not in unmoved  # alice's together did not move in the last hour: left out
    assert all(s.total.known is None or not s.total.complete for s in day.providers)  # 24h: no history at its start


def test_a_new_period_starts_from_zero() -> None:
    dec = datetime(2026, 12, 1, tzinfo=UTC)
    points = (point("alice", at(23, 0, day=30), "together", "5"),
              point("alice", datetime(2026, 12, 1, 0, 10, tzinfo=UTC), "together", "0.4", period=dec))
    now = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    hour = next(w for w in provider_spend(points, now, dec, polled((at(22, 0, day=30), now))) if w.name == "1h")
    [together] = hour.providers
    assert together.total.value == D("0.4")  # not 0.4 - 5
    assert [t.value for t in together.usd] == [0] * 7 + [D("0.4")] + [0] * 4


def test_no_points_no_series() -> None:
    assert all(w.providers == () for w in provider_spend((), NOW, NOV, ALWAYS))


def test_spend_in_a_gap_in_the_polling_is_unknown_not_booked_at_the_next_poll() -> None:
    # hfmon polled 09:00-10:00, stopped, and polled again from 11:00; groq spent $2 while nobody polled
    runs = polled((at(9, 0), at(10, 0)), (at(11, 0), NOW))
    points = (point("alice", at(9, 0), "groq", "1.0"), point("alice", at(9, 40), "groq", "1.2"),
              point("alice", at(11, 0), "groq", "3.2"),  # the first poll after the gap sees the burst
              point("alice", at(11, 20), "groq", "3.5"))
    hour = next(w for w in provider_spend(points, NOW, NOV, runs) if w.name == "1h")
    [groq] = hour.providers
    # steps (10:30, 10:35] .. (10:55, 11:00]: no run of polls saw them whole (the $2 shows at 11:00, spent
    # any time from 10:00): unknown, a gap in the line; then 11:00 .. 11:30 known, +0.3 in (11:15, 11:20]
    assert [t.known for t in groq.usd] == [None] * 6 + [0, 0, 0, D("0.3"), 0, 0]
    assert all(not t.complete for t in groq.usd[:6]) and all(t.complete for t in groq.usd[6:])
    assert groq.total.known == D("0.3") and not groq.total.complete  # at least $0.30, not $2.30
    day = next(w for w in provider_spend(points, NOW, NOV, runs) if w.name == "24h")
    [groq] = day.providers
    # 24 h steps of an hour from 11:30 the day before: (09:30, 10:30] and (10:30, 11:30] span the gap
    assert [t.known for t in groq.usd[-3:]] == [None, None, None]  # (08:30, 09:30] starts before the first poll
    assert groq.total.known is None  # nothing of the 24 h is known: not $2.50 in the last hour


def test_a_poll_run_through_the_whole_window_leaves_every_step_known() -> None:
    points = (point("alice", at(9, 0), "groq", "1.0"), point("alice", at(10, 59), "groq", "3.0"))
    hour = next(w for w in provider_spend(points, NOW, NOV, polled((at(9, 0), NOW))) if w.name == "1h")
    [groq] = hour.providers
    assert groq.total.complete and groq.total.value == D("2.0")  # booked in (10:55, 11:00]
    assert [t.value for t in groq.usd] == [0] * 5 + [D("2.0")] + [0] * 6


def test_a_gap_inside_one_step_leaves_it_known_the_running_totals_hold_it() -> None:
    # a gap 09:35 -> 10:20 inside the 24 h window's step (09:30, 10:30]: polls went on at both its edges, so
    # the $2 the 10:20 poll saw was spent inside it; the 1 h window's steps from 10:30 on are all polled
    runs = polled((at(8, 0), at(9, 35)), (at(10, 20), NOW))
    points = (point("alice", at(8, 0), "groq", "1.0"), point("alice", at(9, 35), "groq", "1.0"),
              point("alice", at(10, 20), "groq", "3.0"), point("alice", at(11, 20), "groq", "3.5"))
    day = next(w for w in provider_spend(points, NOW, NOV, runs) if w.name == "24h")
    [groq] = day.providers
    assert [t.known for t in groq.usd[-2:]] == [D("2.0"), D("0.5")] and all(t.complete for t in groq.usd[-2:])
    assert groq.usd[-3].complete and groq.usd[-3].known == 0  # (08:30, 09:30]: polled through, nothing spent
    assert groq.usd[-4].known is None  # (07:30, 08:30]: before the first poll and the first set
    hour = next(w for w in provider_spend(points, NOW, NOV, runs) if w.name == "1h")
    [groq] = hour.providers
    assert groq.total.complete and groq.total.value == D("0.5")


def test_a_period_that_ended_in_a_gap_leaves_its_step_unknown() -> None:
    # polls 18:00-22:50 on Nov 30, none again until 00:10 on Dec 1: the 7 d window's last 6 h step,
    # (18:30, 00:30], has both edges inside a run of polls, but a billing period ended inside its gap
    dec = datetime(2026, 12, 1, tzinfo=UTC)
    now = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)
    runs = polled((at(18, 0, day=30), at(22, 50, day=30)), (datetime(2026, 12, 1, 0, 10, tzinfo=UTC), now))
    points = (point("alice", at(18, 0, day=30), "together", "4"), point("alice", at(22, 50, day=30), "together", "5"),
              point("alice", datetime(2026, 12, 1, 0, 10, tzinfo=UTC), "together", "0.4", period=dec))
    week = next(w for w in provider_spend(points, now, dec, runs) if w.name == "7d")
    [together] = week.providers
    # (18:30, 00:30]: both edges polled, but November's spend after 22:50 is in no set (December starts from
    # zero): the step is unknown, not the $1 + $0.4 that the sets show
    assert week.step_starts[-1] == at(18, 30, day=30)
    assert together.usd[-1].known is None and not together.usd[-1].complete
    # the same with polls all along: November's last set is its total, the step is known
    always = polled((at(18, 0, day=30), now))
    [together] = next(w for w in provider_spend(points, now, dec, always) if w.name == "7d").providers
    assert together.usd[-1].complete and together.usd[-1].known == D("1.4")  # 5 - 4, then 0.4 from zero


def test_a_period_start_relabelled_under_history_is_not_a_new_period() -> None:
    # recorded with the statement's period (Nov 15) before audit 4, with usage-v2's own (Nov 1) since: one total
    mid = datetime(2026, 11, 15, tzinfo=UTC)
    points = (point("alice", at(22, 0, day=30), "together", "5", period=mid),
              point("alice", at(23, 0, day=30), "together", "5.25"))
    now = at(23, 30, day=30)
    hour = next(w for w in provider_spend(points, now, NOV, polled((at(22, 0, day=30), now))) if w.name == "1h")
    [together] = hour.providers
    assert together.total.value == D("0.25")  # 5.25 - 5, never 5.25


def test_a_rollover_that_usage_v2_labels_late_starts_from_zero() -> None:
    # HF still labels 00:03 with November's period ($5.10), then 00:13 with December's ($0.20): spent 0.10 then 0.20
    dec = datetime(2026, 12, 1, tzinfo=UTC)
    late = [(at(23, 15, day=30), NOV, "5.00"), (at(23, 50, day=30), NOV, "5.00"),
            (datetime(2026, 12, 1, 0, 3, tzinfo=UTC), NOV, "5.10"), (datetime(2026, 12, 1, 0, 13, tzinfo=UTC), dec,
                                                                     "0.20")]
    points = tuple(point("ada", when, "groq", usd, period=start) for when, start, usd in late)
    now = datetime(2026, 12, 1, 0, 20, tzinfo=UTC)
    hour = next(w for w in provider_spend(points, now, dec, polled((at(23, 0, day=30), now))) if w.name == "1h")
    [groq] = hour.providers
    assert [t.value for t in groq.usd if t.value] == [D("0.10"), D("0.20")]  # never 0.20 - 5.10 = -4.90
    assert groq.total.value == D("0.30")


def test_a_providers_total_that_fell_with_no_new_period_leaves_its_step_unknown() -> None:
    # $2.00 at 09:00, $1.90 at 10:10 under the same period: placeholders settled lower, what was spent is unknown
    points = (point("alice", at(9, 0), "groq", "2.00"), point("alice", at(10, 10), "groq", "1.90"))
    hour = next(w for w in provider_spend(points, at(10, 30), NOV, ALWAYS) if w.name == "1h")
    [groq] = hour.providers
    assert [t.value for t in groq.usd] == [0] * 7 + [None] + [0] * 4  # (10:05, 10:10]: never -$0.10
    assert groq.usd[7].missing == ("unknown:a provider's total fell with no new billing period for alice",)
    assert groq.total.value is None
