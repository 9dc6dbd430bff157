"""Properties of the billing rules: costs never negative, additive over split windows, monotone."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from hfmon.costs.billing_rules import (
    ENDPOINT_BILLED,
    SPACE_BILLED,
    Interval,
    billed_replica_minutes,
    billed_time,
    cost_usd,
    endpoint_replicas,
    intervals,
    is_billed,
    space_replicas,
)
from hfmon.costs.resources import billed_since
from hfmon.history import StateChange
from tests.costs.builders import endpoint, space

EPS = Decimal("1e-18")
T0 = datetime(2026, 11, 1, tzinfo=UTC)
prices = st.decimals(min_value=0, max_value=100, places=6, allow_nan=False, allow_infinity=False)
minutes = st.decimals(min_value=0, max_value=100_000, places=3, allow_nan=False, allow_infinity=False)
replicas = st.integers(min_value=0, max_value=16)
SPACE_STAGES = sorted(SPACE_BILLED | {"BUILDING", "SLEEPING", "STOPPED", "PAUSED", "RUNTIME_ERROR", "NEW_STAGE"})


@st.composite
def timelines(draw: st.DrawFn) -> list[tuple[datetime, str, int]]:
    """Random state changes of a Space, minute-aligned, oldest first."""
    offsets = sorted(set(draw(st.lists(st.integers(0, 60 * 24 * 30), min_size=1, max_size=30))))
    return [(T0 + timedelta(minutes=m), draw(st.sampled_from(SPACE_STAGES)), draw(st.integers(1, 4)))
            for m in offsets]


@given(prices, minutes, replicas)
def test_cost_is_never_negative(price: Decimal, mins: Decimal, n: int) -> None:
    assert cost_usd(price, mins, n) >= 0


@given(prices, minutes, minutes, replicas)
def test_cost_is_additive_over_minutes(price: Decimal, a: Decimal, b: Decimal, n: int) -> None:
    # Dividing by 60 can leave a repeating decimal: Decimal keeps 28 digits, so the sums agree far below
    # the micro-dollar, not to the last digit.
    assert abs(cost_usd(price, a + b, n) - (cost_usd(price, a, n) + cost_usd(price, b, n))) <= EPS


@given(prices, minutes, minutes, replicas, replicas)
def test_cost_is_monotone_in_minutes_and_replicas(price: Decimal, a: Decimal, b: Decimal, n: int, m: int) -> None:
    lo_min, hi_min = sorted((a, b))
    lo_rep, hi_rep = sorted((n, m))
    assert cost_usd(price, lo_min, lo_rep) <= cost_usd(price, hi_min, lo_rep) <= cost_usd(price, hi_min, hi_rep)


def test_whole_minutes_of_hourly_prices_are_exact() -> None:
    # $0.40/h for 90 minutes on 2 replicas is exactly $1.20, not 1.19999...
    assert cost_usd(Decimal("0.40"), Decimal(90), 2) == Decimal("1.2")


@given(timelines(), st.integers(0, 60 * 24 * 31), st.integers(0, 60 * 24 * 31), st.integers(0, 60 * 24 * 31))
def test_billed_minutes_are_additive_over_split_windows(changes: list[tuple[datetime, str, int]],
                                                        a: int, b: int, c: int) -> None:
    start, mid, end = (T0 + timedelta(minutes=x) for x in sorted((a, b, c)))
    spans = intervals(changes, T0 + timedelta(days=31))
    whole = billed_replica_minutes("space", spans, start, end)
    parts = billed_replica_minutes("space", spans, start, mid) + billed_replica_minutes("space", spans, mid, end)
    assert abs(whole - parts) <= EPS
    assert whole >= 0
    assert billed_time("space", spans, start, end) == (billed_time("space", spans, start, mid)
                                                       + billed_time("space", spans, mid, end))


@given(timelines(), st.integers(0, 60 * 24 * 31), st.integers(0, 60 * 24 * 31))
def test_billed_minutes_grow_with_the_window_and_never_exceed_it(changes: list[tuple[datetime, str, int]],
                                                                 a: int, b: int) -> None:
    end = T0 + timedelta(days=31)
    spans = intervals(changes, end)
    early, late = sorted((a, b))
    wide = billed_time("space", spans, T0 + timedelta(minutes=early), end)
    narrow = billed_time("space", spans, T0 + timedelta(minutes=late), end)
    assert timedelta(0) <= narrow <= wide <= end - (T0 + timedelta(minutes=early))


@given(st.integers(1, 8), st.integers(1, 8), st.integers(1, 1000))
def test_more_replicas_bill_more_replica_minutes(n: int, m: int, length: int) -> None:
    lo, hi = sorted((n, m))
    end = T0 + timedelta(minutes=length)
    assert (billed_replica_minutes("space", [Interval(T0, end, "RUNNING", lo)], T0, end)
            <= billed_replica_minutes("space", [Interval(T0, end, "RUNNING", hi)], T0, end))
    assert billed_replica_minutes("space", [Interval(T0, end, "RUNNING", hi)], T0, end) == length * hi


def test_which_states_bill() -> None:
    assert [s for s in ("RUNNING", "RUNNING_BUILDING", "APP_STARTING", "RUNNING_APP_STARTING", "BUILDING",
                        "SLEEPING", "STOPPED", "PAUSED", "RUNTIME_ERROR") if is_billed("space", s)] == [
        "RUNNING", "RUNNING_BUILDING", "APP_STARTING", "RUNNING_APP_STARTING"]
    assert [s for s in ("pending", "initializing", "updating", "running", "paused", "scaledToZero", "failed",
                        "updateFailed") if is_billed("endpoint", s)] == ["initializing", "running"]
    assert [s for s in ("SCHEDULING", "RUNNING", "COMPLETED", "CANCELED", "ERROR") if is_billed("job", s)] == [
        "RUNNING"]
    assert ENDPOINT_BILLED == {"initializing", "running"}


def test_replicas_billed_now() -> None:
    assert space_replicas(space("a/b", replicas=3)) == 3
    assert space_replicas(space("a/b", stage="SLEEPING", replicas=3)) == 0
    assert space_replicas(space("a/b", replicas=None)) is None  # no count at all (the spec requires one): unknown
    assert endpoint_replicas(endpoint("a", "e", ready=2)) == 2
    assert endpoint_replicas(endpoint("a", "e", state="scaledToZero", ready=0)) == 0
    assert endpoint_replicas(endpoint("a", "e", state="initializing", ready=0, min_replica=2)) == 2


@given(timelines(), st.integers(0, 60 * 24 * 31), st.integers(0, 60 * 24 * 31))
def test_uptime_from_recorded_changes_agrees_with_the_intervals(changes: list[tuple[datetime, str, int]],
                                                                a: int, b: int) -> None:
    start, now = (T0 + timedelta(minutes=x) for x in sorted((a, b)))
    recorded = [StateChange("space", "a/b", at, state, "t4-small", n) for at, state, n in changes]
    assert billed_since("space", recorded, start, now) == billed_time("space", intervals(changes, now), start, now)
