"""A statement is this period's only while its period runs: after a rollover, neither a freshly served statement of
the period that ended nor the dashboard's last good one (kept when a poll fails) is read as this month's bill."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from hfmon.errors import Failure
from hfmon.models import BillingUsage, InferenceUsage, PeriodStatement, SourceResult, SourceStatus
from hfmon.source_results import of_this_period, usage_of_this_period

NOV = PeriodStatement("ada", "p-nov", datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC), ())


def _ok(statement: PeriodStatement) -> SourceResult[PeriodStatement]:
    return SourceResult("statement:ada", SourceStatus.OK, statement, datetime(2026, 11, 30, 23, 59, tzinfo=UTC))


@pytest.mark.parametrize("now", [datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 30, 23, 59, 59, tzinfo=UTC)])
def test_a_statement_is_kept_from_the_first_to_the_last_instant_of_its_period(now: datetime) -> None:
    assert of_this_period(_ok(NOV), now) == _ok(NOV)


@pytest.mark.parametrize(("now", "when"), [(datetime(2026, 12, 1, tzinfo=UTC), "has ended"),
                                           (datetime(2026, 12, 3, 8, tzinfo=UTC), "has ended"),
                                           (datetime(2026, 10, 31, 23, 59, tzinfo=UTC), "has not started")])
def test_outside_its_period_a_statement_is_an_error_without_a_value(now: datetime, when: str) -> None:
    result = of_this_period(_ok(NOV), now)
    assert (result.status, result.value, result.failure) == (SourceStatus.ERROR, None, Failure.BAD_RESPONSE)
    assert result.error is not None and f"Nov 01 00:00 to Dec 01 00:00 UTC, a period that {when}" in result.error
    assert result.name == "statement:ada"


def test_the_last_good_statement_kept_by_a_failed_poll_does_not_cross_the_rollover() -> None:
    stale = SourceResult("statement:ada", SourceStatus.STALE, NOV, datetime(2026, 11, 30, 23, 58, tzinfo=UTC),
                         "no answer within 12.0 s", None, None, Failure.TIMED_OUT)
    assert of_this_period(stale, datetime(2026, 11, 30, 23, 59, tzinfo=UTC)) is stale  # still November: kept
    after = of_this_period(stale, datetime(2026, 12, 1, 0, 1, tzinfo=UTC))
    assert (after.status, after.value) == (SourceStatus.ERROR, None)


def test_an_unread_statement_stays_as_it_was() -> None:
    unread: SourceResult[PeriodStatement] = SourceResult("statement:ada", SourceStatus.NO_ACCESS, None, None, "403",
                                                         None, 403, Failure.NO_ACCESS)
    assert of_this_period(unread, datetime(2026, 12, 5, tzinfo=UTC)) is unread


USAGE_NOV = BillingUsage("ada", InferenceUsage(Decimal("1.85"), Decimal(2), None, 10, NOV.period_start,
                                               NOV.period_end), None)


def _usage(value: BillingUsage) -> SourceResult[BillingUsage]:
    return SourceResult("billing:ada", SourceStatus.OK, value, datetime(2026, 11, 30, 23, 59, tzinfo=UTC))


@pytest.mark.parametrize(("now", "kept"), [(datetime(2026, 11, 1, tzinfo=UTC), True),
                                           (datetime(2026, 11, 30, 23, 59, 59, 999999, tzinfo=UTC), True),
                                           (datetime(2026, 12, 1, tzinfo=UTC), False)])
def test_usage_v2_follows_the_statements_rule_up_to_the_instant_its_period_ends(now: datetime, kept: bool) -> None:
    result = usage_of_this_period(_usage(USAGE_NOV), now)
    if kept:
        assert result == _usage(USAGE_NOV)
    else:  # Dec 1 00:00: November's $1.85 is neither November's whole nor December's: credits unknown, and why
        assert (result.status, result.value, result.failure) == (SourceStatus.ERROR, None, Failure.BAD_RESPONSE)
        assert result.error == ("the usage (usage-v2) of ada is for Nov 01 00:00 to Dec 01 00:00 UTC, a period that "
                                "has ended; this period's credits are unknown until Hugging Face serves it")


def test_usage_v2_without_a_period_counts_over_the_window_asked_and_is_kept() -> None:
    unsaid = replace(USAGE_NOV, inference=replace(USAGE_NOV.inference, period_start=None, period_end=None))
    assert usage_of_this_period(_usage(unsaid), datetime(2026, 12, 1, 0, 5, tzinfo=UTC)) == _usage(unsaid)


def test_usage_v2_counted_from_another_moment_than_its_periods_start_is_not_that_periods_figure() -> None:
    # a period anchored on the 15th asked from Dec 1 (the Collector's second ask, from Nov 15, failed)
    period = {"period_start": datetime(2026, 11, 15, tzinfo=UTC), "period_end": datetime(2026, 12, 15, tzinfo=UTC)}
    anchored = replace(USAGE_NOV, inference=replace(USAGE_NOV.inference, **period),
                       counted_from=datetime(2026, 12, 1, tzinfo=UTC))
    result = usage_of_this_period(_usage(anchored), datetime(2026, 12, 3, 12, tzinfo=UTC))
    assert (result.status, result.value) == (SourceStatus.ERROR, None)
    assert result.error == ("the usage (usage-v2) of ada was counted from Dec 01 00:00 UTC, but its period began "
                            "Nov 15 00:00 UTC: this period's credits are unknown")
    from_its_start = replace(anchored, counted_from=datetime(2026, 11, 15, tzinfo=UTC))
    assert usage_of_this_period(_usage(from_its_start), datetime(2026, 12, 3, 12, tzinfo=UTC)) == _usage(from_its_start)
