"""A running Job's cost ahead stops at its timeout: HF stops a Job there (30 min when it sets none)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from hfmon.costs.billing_rules import job_time_left
from hfmon.costs.credits import Period
from hfmon.costs.resources import resource_cost
from hfmon.models import Job
from hfmon.report import Price, PriceSource
from tests.costs.builders import job

NOW = datetime(2026, 12, 1, 6, 5, tzinfo=UTC)
PERIOD = Period(datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC))
L4 = Price(Decimal("0.79998"), PriceSource.LIVE)


def running(running_s: int | None, timeout_s: int | None, started: datetime | None = None) -> Job:
    return replace(job("j1", started=started or NOW - timedelta(seconds=running_s or 0)),
                   running_s=running_s, timeout_s=timeout_s)


@pytest.mark.parametrize(("running_s", "timeout_s", "left_s"), [
    (2119, 3600, 1481),   # the audit's job with a 1 h timeout: 3600 - 2119
    (600, None, 1200),    # HF's default 30 min
    (1800, None, 0),      # exactly at its timeout: nothing more
    (2119, None, None),   # past the default: the timeout hfmon assumes is not HF's, so how long is unknown
])
def test_time_left_is_the_timeout_less_the_running_time(running_s: int, timeout_s: int | None,
                                                        left_s: int | None) -> None:
    left = job_time_left(running(running_s, timeout_s), NOW)
    assert left == (None if left_s is None else timedelta(seconds=left_s))


def test_without_running_time_the_start_says_how_long_it_ran() -> None:
    j = running(None, 3600, started=NOW - timedelta(minutes=50))
    assert job_time_left(j, NOW) == timedelta(minutes=10)


def test_a_job_not_started_can_run_its_whole_timeout_and_one_without_any_start_is_unknown() -> None:
    waiting = replace(job("j2", stage="SCHEDULING"), started_at=None, running_s=None, timeout_s=900)
    assert job_time_left(waiting, NOW) == timedelta(seconds=900)
    lost = replace(job("j3"), started_at=None, running_s=None)
    assert job_time_left(lost, NOW) is None


def cost(time_left: timedelta | None) -> tuple[Decimal | None, datetime | None, str | None]:
    c = resource_cost("job", L4, 1, True, (), (), [], PERIOD, NOW, time_left=time_left)
    return c.to_period_end_usd, c.ends_by, c.to_period_end_why


def test_cost_ahead_stops_at_the_timeout() -> None:
    # 0.79998 $/h x 1481 s / 3600 = 0.329102... -> $0.329103, and it ends 1481 s from now
    assert cost(timedelta(seconds=1481)) == (Decimal("0.329103"), NOW + timedelta(seconds=1481), None)


def test_a_timeout_after_the_period_end_counts_to_the_period_end() -> None:
    # 30 days 17 h 55 min left in December: 737.9166... h x 0.79998 = $590.318... (the audit's figure before the fix)
    hours = Decimal((PERIOD.end - NOW) // timedelta(seconds=1)) / 3600
    assert cost(timedelta(days=40)) == ((Decimal("0.79998") * hours).quantize(Decimal("0.000001")), None, None)


def test_a_job_past_the_timeout_hfmon_reads_costs_an_unknown_amount_ahead_and_says_why() -> None:
    ahead, ends, why = cost(None)
    assert ahead is None and ends is None
    assert why is not None and "timeout" in why


def ahead_of(j: Job) -> tuple[Decimal | None, datetime | None, str | None]:
    replicas = 1 if j.stage == "RUNNING" else 0
    c = resource_cost("job", L4, replicas, True, (), (), [], PERIOD, NOW, time_left=job_time_left(j, NOW))
    return c.to_period_end_usd, c.ends_by, c.to_period_end_why


@pytest.mark.parametrize("stage", ["COMPLETED", "ERROR", "CANCELED"])
def test_a_job_that_has_ended_costs_nothing_ahead_whatever_its_times_say(stage: str) -> None:
    """Review finding 2: without runningSecs and started over 30 min ago (or never started), an ended Job read
    "unknown ahead, it runs past its timeout"; it bills nothing more."""
    long_ago = replace(job("j4", stage=stage, started=NOW - timedelta(hours=2)), running_s=None)
    never = replace(job("j5", stage=stage), started_at=None, running_s=None)
    assert ahead_of(long_ago) == ahead_of(never) == (Decimal(0), None, None)


def test_a_job_not_started_yet_costs_up_to_its_timeout_at_its_price_once_it_starts() -> None:
    """Review finding 3: a SCHEDULING Job read $0.00 ahead (its $/h now) and ended "now + timeout"; it bills its price
    for up to its timeout once it starts, when unknown: 0.79998 x 2 h = $1.59996."""
    waiting = replace(job("j6", stage="SCHEDULING"), started_at=None, running_s=None, timeout_s=7200)
    assert ahead_of(waiting) == (Decimal("1.59996"), None, None)
