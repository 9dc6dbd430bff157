"""A figure is compared exactly and never shown rounded onto the limit it crossed (audit 3, findings 17a, 17g).

alice (tests/tui/builder.py) has $2.00 of included credits; endpoints:acme is stale, its last good answer taken
`stale_s` seconds before the poll.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal as D

from hfmon.alerts import checks
from hfmon.alerts.engine import FIRED, RESET, AlertState, evaluate_alerts
from hfmon.config import Alerts
from hfmon.figures import Total
from hfmon.format import duration_against, money_against, money_total, percent_against
from hfmon.report import Report
from tests.tui.builder import NOW, build_report


def alice_used(used: str, minutes: int) -> Report:
    report = build_report(NOW + timedelta(minutes=minutes))
    return replace(report, credits=(replace(report.credits[0], used_usd=D(used)), *report.credits[1:]))


def test_credits_used_a_hair_above_the_limit_crosses_and_a_hair_inside_the_band_does_not_reset(
        state: AlertState) -> None:
    alerts = Alerts(max_credits_used_pct=D(80))  # resets at 80 - 5% of 80 = 76% or less
    # $1.6008 of $2.00 = 80.04%: above 80 (it read 80.0 after rounding, and never fired)
    (event,) = evaluate_alerts(alice_used("1.6008", 0), alerts, state)
    assert (event.kind, event.subject, event.figure, event.threshold) == (FIRED, "alice", "80.04%", "80%")
    assert event.message == "included credits used (alice): 80.04%, above the limit 80%"
    assert evaluate_alerts(alice_used("1.5202", 1), alerts, state) == []  # 76.01%: inside the band (read 76.0)
    assert [(e.kind, e.figure) for e in evaluate_alerts(alice_used("1.52", 2), alerts, state)] == [(RESET, "76%")]


def stale_for(seconds: int) -> Report:
    report = build_report(NOW)
    return replace(report, sources=tuple(replace(s, fetched_at=NOW - timedelta(seconds=seconds))
                                         if s.name == "endpoints:acme" else s for s in report.sources))


def test_a_source_failing_a_few_seconds_past_the_limit_says_so_to_the_second(state: AlertState) -> None:
    (event,) = evaluate_alerts(stale_for(7 * 60 + 5), Alerts(source_failing_minutes=D(7)), state)
    assert event.message == "source failing (endpoints:acme): 7m 05s, above the limit 7m"  # was "7m, above … 7m"
    assert (event.figure, event.threshold) == ("7m 05s", "7m")


def test_figures_are_shown_finer_only_where_they_would_read_as_the_limit() -> None:
    assert duration_against(65, 60) == "1m 05s"
    assert duration_against(3605, 3600) == "1h 00m 05s"  # 1 h and 5 s
    assert duration_against(25 * 3600 + 5, 25 * 3600) == "1d 01h 00m 05s"
    assert duration_against(125, 60) == "2m" and duration_against(60, 60) == "1m" and duration_against(59, 60) == "59s"
    assert percent_against(D("80.04"), D(80)) == ("80.04%", "80%")  # one more decimal still read 80.0%
    assert percent_against(D("79.999"), D(80)) == ("79.999%", "80%")


def test_money_is_shown_finer_only_where_it_would_read_as_the_limit() -> None:
    assert money_against(D("3.000606"), D(3)) == "$3.001"  # audit 7 D5: '$3.00, above the limit $3.00'
    assert money_against(D("3.0000606"), D(3)) == "$3.0001"
    assert money_against(D("2.999999"), D(3)) == "$2.999999"  # $3.00000 to five places: still the limit
    assert money_against(D("3.01"), D(3)) == "$3.01" and money_against(D(3), D(3)) == "$3.00"
    assert money_against(D("1234.5678"), D("1234.57")) == "$1,234.568"


def test_guard_never_prints_a_crossing_figure_equal_to_its_limit() -> None:
    crossed = checks.above("max_projected_usd", "ada", Total(D("3.000606"), ()), D(3), money_total, "$3.00")
    assert crossed.message == "projected Inference Providers usage this period (ada): $3.001, above the limit $3.00"
    partial = checks.above("max_projected_usd", "ada", Total(D("3.000606"), ("billing:x",)), D(3), money_total, "$3.00")
    assert partial.figure == "at least $3.001"
    short = checks.below("min_remaining_credits_usd", "ada", D("0.4999"), D("0.5"), "")
    assert short.message == "included credits remaining (ada): $0.4999, below the minimum $0.50"
