"""The windows' totals as `window_sums.summed_spend` adds them up in one pass over each resource's sums: the same, to
the digit and to the order of what is missing, as the per-window, per-product pass (`windows.resources`) on generated
histories."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from hfmon.costs.timeline import NOTHING, Bound, HardwarePrice, StateRates, times_bound
from hfmon.costs.window_sums import summed_spend
from hfmon.costs.windows import resources
from hfmon.costs.zero_gpu_windows import OverageLines
from hfmon.history import StateTime, Window, WindowTimes
from hfmon.models import UsageLine

NOW = datetime(2026, 11, 30, 23, tzinfo=UTC)


def a_duration(rnd: random.Random) -> int:
    """Microseconds in a window: any, whole seconds, or multiples of 1,800 µs (half a micro-dollar at $1/h)."""
    shape = rnd.randrange(4)
    if shape == 0:
        return rnd.randrange(1, 31 * 86_400 * 10**6)
    if shape == 1:
        return 10**6 * rnd.randrange(1, 31 * 86_400)
    if shape == 2:
        return 1_800 * rnd.randrange(1, 10**6)
    return 9 * rnd.randrange(1, 10**9)


def generated_times(rnd: random.Random, windows: list[Window]) -> tuple[WindowTimes, dict[str, str]]:
    """Sums for a few dozen resources of three namespaces (some jobs no listing places), in some of the windows."""
    times: dict[tuple[str, str], dict[Window, tuple[StateTime, ...]]] = {}
    job_namespaces: dict[str, str] = {}
    for i in range(rnd.randrange(5, 40)):
        kind = rnd.choice(("endpoint", "space", "job"))
        namespace = rnd.choice(("ada", "ada-labs", "northwind"))
        key = f"job-{i}" if kind == "job" else f"{namespace}/r{i}"
        if kind == "job" and rnd.random() < 0.8:
            job_namespaces[key] = namespace
        state = {"endpoint": "running", "space": "RUNNING", "job": "RUNNING"}[kind]
        times[(kind, key)] = {w: tuple(StateTime(rnd.choice((state, "between_polls")),
                                                 rnd.choice(("cpu", "t4", "zero-a10g", "free")), rnd.randrange(0, 3),
                                                 a_duration(rnd))
                                       for _ in range(rnd.randrange(1, 3)))
                              for w in windows if rnd.random() < 0.7}
    return WindowTimes(tuple(windows), times), job_namespaces


PRICES: dict[str | None, Decimal | None] = {"cpu": Decimal("0.03"), "t4": Decimal("0.6"), "zero-a10g": Decimal(0),
                                            "free": Decimal(0)}


def overage_of(rnd: random.Random, times: WindowTimes) -> dict[str, OverageLines]:
    """ada's statement with one ZeroGPU overage line of each Space, ten minutes some time in the last two days."""
    read_at = NOW - timedelta(minutes=rnd.randrange(0, 90))
    return {"ada": OverageLines(since=NOW - timedelta(days=3), read_at=read_at, lines={
        key: (UsageLine("spaces/zero-a10g/minutes", key, None, Decimal(3), Decimal("0.01"), Decimal("0.0312345"),
                        NOW - timedelta(minutes=m), NOW - timedelta(minutes=m - 10), False),)
        for (kind, key) in times.times if kind == "space" for m in (rnd.randrange(20, 3000),)})}


def both_ways(rnd: random.Random, windows: list[Window]) -> None:
    """One generated history's windows summed both ways: the same totals, the same names missing in the same order."""
    times, job_namespaces = generated_times(rnd, windows)
    unpriced = rnd.choice((None, "t4"))

    def price_of(kind: str, key: str) -> HardwarePrice:
        return lambda hardware: None if hardware == unpriced else PRICES[hardware]

    billed_at_zero = {k for k in times.times if rnd.random() < 0.1}
    overage = overage_of(rnd, times)
    asked = set(rnd.sample(windows, rnd.randrange(1, len(windows) + 1)))
    rates: dict[HardwarePrice, StateRates] = {}

    def costs_of(kind: str, key: str) -> dict[Window, Bound]:
        price = price_of(kind, key)
        costs = {w: times_bound(kind, states, price, rates.setdefault(price, {}))
                 for w, states in times.times[(kind, key)].items() if w in asked}
        return {w: cost for w, cost in costs.items() if cost is not NOTHING}

    plain = resources(times.times, costs_of, job_namespaces, billed_at_zero, overage,
                      [w for w in times.windows if w in asked])
    one_pass = summed_spend(times, asked, price_of, job_namespaces, billed_at_zero, overage)
    for w in asked:
        for namespace in ("ada", "ada-labs", "northwind", "nobody"):
            for kind in ("endpoint", "space", "job"):
                want, got = plain.spend(namespace, kind, *w), one_pass.spend(namespace, kind, *w)
                assert got.known is not None and want.known is not None
                assert (got.known, got.known.as_tuple(), got.missing) == (want.known, want.known.as_tuple(),
                                                                          want.missing)


def test_summed_spend_is_the_per_window_per_product_pass() -> None:
    rnd = random.Random(10)
    windows = [(NOW - timedelta(hours=h), NOW - timedelta(hours=h2)) for h, h2 in ((1, 0), (2, 1), (24, 0), (48, 24))]
    for _ in range(200):
        both_ways(rnd, windows)


def test_a_window_not_summed_is_refused() -> None:
    rnd = random.Random(3)
    windows = [(NOW - timedelta(hours=1), NOW)]
    times, job_namespaces = generated_times(rnd, windows)
    summed = summed_spend(times, windows, lambda kind, key: lambda hardware: PRICES[hardware], job_namespaces)
    with pytest.raises(LookupError):
        summed.spend("ada", "space", NOW - timedelta(hours=2), NOW)
