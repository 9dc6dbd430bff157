"""Budgets the current pace breaks: the spending limit's projection, and resource-group limits at the month's pace."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hfmon.advice.pace import pace_unjudged, pace_warnings
from hfmon.report import GroupLimit, ResourceGroupSpend
from tests.tui.builder import build_report

D = Decimal


def test_the_spending_limit_projected_to_be_hit_in_the_period() -> None:
    report = build_report()  # Nov 21 20:00; acme: $301.40 of a $400 limit, hit around Nov 26 at its rate
    [acme] = [w for w in pace_warnings(report) if w.namespace == "acme"]
    days_left = D((datetime(2026, 12, 1, tzinfo=UTC) - report.generated_at).total_seconds()) / 86400
    assert acme.budget == "Inference Providers spending limit"
    assert acme.within_usd_per_day == ((D("400.00") - D("301.40")) / days_left).quantize(D("0.01")) == D("10.76")
    assert not [w for w in pace_warnings(report) if w.namespace == "alice"]  # alice's pace stays under her $10


def test_a_resource_group_limit_at_the_months_pace() -> None:
    start = datetime(2026, 11, 1, tzinfo=UTC)
    group = ResourceGroupSpend("acme", "g1", "research", start, D(0), D("150"), D(0), D(0), D("150"), None, None,
                               (GroupLimit("total", D("200"), D("150"), D("75"), "ok"),
                                GroupLimit("spaces", D("1000"), D("150"), D("15"), "ok")))
    report = replace(build_report(), resource_groups=(group,))  # 20 days 20 h into a 30-day month
    [warning] = [w for w in pace_warnings(report) if w.budget.startswith("resource group")]
    elapsed_h, month_h = D(20 * 24 + 20), D(30 * 24)
    assert warning.budget == "resource group research total limit"
    assert warning.projected_usd == (D("150") * month_h / elapsed_h).quantize(D("0.01")) == D("216.00")
    # $150 in 500 h is $0.30/h: $200 is reached 666 h 40 min into the month; the spaces limit ($1,000) holds
    assert warning.breaks_at == datetime(2026, 11, 28, 18, 40, tzinfo=UTC)
    days_left = D((datetime(2026, 12, 1, tzinfo=UTC) - report.generated_at).total_seconds()) / 86400
    assert warning.within_usd_per_day == (D(50) / days_left).quantize(D("0.01"))


def test_in_a_months_first_four_hours_a_groups_pace_is_not_judged_and_says_so() -> None:
    # Dec 1 00:10 on the demo: $2.63 in 10 min read as $11,718.08 for December against an $8,570 limit: a false
    # "breaks around Dec 23"; at 02:00 the same group's pace stayed within it
    start = datetime(2026, 11, 1, tzinfo=UTC)
    group = ResourceGroupSpend("acme", "g1", "research", start, D(0), D("10"), D(0), D(0), D("10"), None, None,
                               (GroupLimit("total", D("200"), D("10"), D("5"), "ok"),))
    early = replace(build_report(), resource_groups=(group,), generated_at=start + timedelta(hours=3, minutes=59))
    assert not [w for w in pace_warnings(early) if w.budget.startswith("resource group")]
    assert pace_unjudged(early) == (
        ("acme", "resource group research: spend pace against its limits not judged: too early in the period: "
                 "under 4 h of spend to measure"),)
    at_four = replace(early, generated_at=start + timedelta(hours=4))
    [warning] = [w for w in pace_warnings(at_four) if w.budget.startswith("resource group")]
    assert warning.projected_usd == D("1800.00")  # $10 in 4 h x 720 h in November
    assert warning.breaks_at == start + timedelta(hours=80)  # $200 at $2.50/h
    assert pace_unjudged(at_four) == ()
