"""Flags at their thresholds and the history-driven figures at their edges; expected values worked out by hand."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.costs.credits import credits_for
from hfmon.costs.evaluate import history_since
from hfmon.history import History, PollRun, StateChange, UsagePoint
from hfmon.models import PeriodStatement
from hfmon.report import CheckStatus, Report
from tests.costs.builders import (
    PERIOD_START,
    at,
    billing,
    flavor,
    inference,
    job,
    line,
    namespace,
    paid,
    snapshot,
    space,
    statement,
)

D = Decimal
NOW = at(20)


def flagged(report: Report, kind: str) -> list[str]:
    return [f.subject for f in report.flags if f.kind == kind]


def test_the_spending_limit_is_near_from_exactly_90_percent() -> None:
    def near(used: str) -> list[str]:
        snap = snapshot(namespace("alice", billing=billing("alice", used=used, included="2", limit="100")))
        return flagged(evaluate(snap, History(), Config(), NOW), "limit_near")

    assert near("89.99") == []
    assert near("90") == ["alice"]
    message = next(f.message for f in evaluate(snapshot(namespace(
        "alice", billing=billing("alice", used="90", included="2", limit="100"))), History(), Config(), NOW).flags
        if f.kind == "limit_near")
    assert "90%" in message and "$100.00" in message


def test_a_sleep_time_of_zero_never_sleeps() -> None:
    spaces = (space("alice/zero", sleep=0), space("alice/none", sleep=None), space("alice/hour", sleep=3600))
    # each on paid t4-small, as its statement line says (without one, each may be granted: no flag, unchecked)
    snap = snapshot(namespace("alice", spaces=spaces, statement=paid("alice", *spaces)),
                    spaces_hw=(flavor("t4-small", "0.01", gpu=True),))
    assert flagged(evaluate(snap, History(), Config(), NOW), "no_sleep_time") == ["alice/zero", "alice/none"]


def test_a_job_is_long_running_only_past_the_limit() -> None:
    jobs = (job("exactly", started=NOW - timedelta(hours=24)),
            job("over", started=NOW - timedelta(hours=24, seconds=1)),
            job("done", stage="COMPLETED", started=NOW - timedelta(hours=30), finished=NOW - timedelta(hours=1)))
    snap = snapshot(namespace("alice", jobs=jobs), jobs_hw=(flavor("cpu-basic", "0.0005"),))
    report = evaluate(snap, History(), Config(), NOW)
    assert flagged(report, "long_running_job") == ["over"]
    assert [f.message for f in report.flags if f.kind == "long_running_job"] == [
        "Job over (cpu-basic) has been running for 24.0 h"]


def test_a_job_is_up_from_its_start_until_it_finishes_or_now() -> None:
    jobs = (job("running", started=NOW - timedelta(hours=6)),
            job("finished", stage="COMPLETED", started=NOW - timedelta(hours=12), finished=NOW - timedelta(hours=9)),
            job("queued", stage="SCHEDULING"))
    snap = snapshot(namespace("alice", jobs=jobs), jobs_hw=(flavor("cpu-basic", "0.0005"),))
    costs = [row.cost for row in evaluate(snap, History(), Config(), NOW).jobs]
    assert [c.uptime_24h_pct for c in costs] == [D("25.00"), D("12.50"), D("0.00")]  # 6 h, 3 h, 0 h of 24
    assert [c.uptime_pct for c in costs] == [D("1.32"), D("0.66"), D("0.00")]  # of the 456 h since Nov 1


def test_a_running_job_on_hardware_without_a_price_costs_unknown_not_zero() -> None:
    snap = snapshot(namespace("alice", jobs=(job("mystery", flavor="quantum-xl", started=NOW - timedelta(hours=1)),
                                             job("idle", stage="COMPLETED", flavor="quantum-xl"))))
    r = evaluate(snap, History(), Config(), NOW)
    assert [row.cost.cost_per_hour_usd for row in r.jobs] == [None, D(0)]  # a finished job costs nothing now
    assert r.unpriced == ("job mystery (quantum-xl)", "job idle (quantum-xl)")


def test_poll_lag_slack_grows_with_the_square_root_of_transitions() -> None:
    # 16 transitions 10 min apart, alternating RUNNING/SLEEPING from Nov 19 00:00: history sees 8 x 10 = 80 min.
    # Polls every 60 s: slack = 1 min x max(2, sqrt(16)) x 1 replica = 4 min.
    start = at(19)
    changes = tuple(StateChange("space", "alice/chat", start + timedelta(minutes=10 * k),
                                "RUNNING" if k % 2 == 0 else "SLEEPING", "t4-small", 1) for k in range(16))

    def row(billed_minutes: int) -> tuple[CheckStatus, str]:
        total = D(billed_minutes) / 100  # $0.01 a minute
        stmt = statement("alice", line("spaces/t4-small/minutes", "alice/chat", str(billed_minutes), str(total),
                                       unit="0.01", started=start, stopped=start + timedelta(minutes=160)))
        snap = snapshot(namespace("alice", billing=billing("alice"), spaces=(space("alice/chat", "SLEEPING"),),
                                  statement=stmt), spaces_hw=(flavor("t4-small", "0.01", gpu=True),))
        polled = (PollRun(start - timedelta(minutes=1), NOW, 60.0),)  # polls every 60 s all along
        r = evaluate(snap, History(changes=changes, poll_runs=polled), Config(), NOW)
        check = next(c for c in r.crosscheck if c.item == "space alice/chat t4-small minutes vs history")
        assert check.recomputed_usd == D("0.80")
        return check.status, check.note

    assert row(84) == (CheckStatus.OK, "billed 84 min, history shows 80 min (poll lag allows 4)")
    assert row(85)[0] is CheckStatus.DRIFT  # 5 min billed that history never saw


def test_history_is_read_from_at_least_two_days_back() -> None:
    snap = snapshot(namespace("alice", statement=statement("alice")))
    early = PERIOD_START + timedelta(hours=2)  # the 24 h window and the 24 h before it need two days
    assert history_since(snap, early) == PERIOD_START - timedelta(hours=46)
    assert history_since(snap, NOW) == PERIOD_START  # later on, the period start is further back


def test_history_is_read_from_the_oldest_period_of_any_namespace() -> None:
    mid_month = PeriodStatement("acme", "p0", at(15, month=10), at(15), ())  # Oct 15 - Nov 15
    snap = snapshot(namespace("alice", statement=statement("alice")), namespace("acme", "org", statement=mid_month))
    assert history_since(snap, at(10)) == at(15, month=10)
    # Without a statement or usage, a namespace's period is the calendar month; without namespaces, too.
    assert history_since(snapshot(namespace("bob")), at(10)) == PERIOD_START
    assert history_since(snapshot(), at(10)) == PERIOD_START


def test_the_trailing_rate_starts_from_the_newest_point_a_day_old() -> None:
    def point(hours_ago: int, used: str) -> UsagePoint:
        return UsagePoint("alice", NOW - timedelta(hours=hours_ago), PERIOD_START, D(used), None)

    # $0 two days ago, $10 exactly a day ago, $12 now: the last 24 h burned $2, not (12 - 0) / 2 days.
    history = History(usage=(point(48, "0"), point(24, "10"), point(3, "11")))
    c = credits_for("alice", inference("12", "20"), history, NOW)
    assert c.burn_rate_24h_usd_per_day == D("2")
    assert c.burn_rate_usd_per_day == D("0.631579")  # 12 / 19 days
