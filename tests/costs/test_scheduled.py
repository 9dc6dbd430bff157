"""Scheduled Jobs: the most one run can cost is the flavor's price for the run's timeout (30 min by default)."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal as D

from hfmon.config import Config
from hfmon.costs.evaluate import evaluate
from hfmon.history import History
from hfmon.models import ScheduledJob
from tests.costs.builders import at, flavor, namespace, ok, snapshot

NIGHTLY = ScheduledJob("alice", "n" * 24, "0 3 * * *", False, at(21, 3), at(20, 3), "a10g-small", 2 * 3600)
DEFAULTED = replace(NIGHTLY, id="d" * 24, timeout_s=None, next_run_at=at(22, 3))
UNPRICED = replace(NIGHTLY, id="u" * 24, flavor="quantum-xl", next_run_at=at(20, 23))
PAUSED = replace(NIGHTLY, id="p" * 24, suspended=True, next_run_at=at(20, 22))


def test_each_run_costs_at_most_price_times_timeout_and_the_next_run_comes_first() -> None:
    ns = replace(namespace("alice"), scheduled_jobs=ok("scheduled_jobs:alice", (NIGHTLY, DEFAULTED, UNPRICED,
                                                                                 PAUSED)))
    hw = (flavor("a10g-small", "0.0175"),)  # $/minute: $1.05/h
    report = evaluate(snapshot(ns, jobs_hw=hw), History(), Config(), at(20, 12))
    rows = {r.job.id[0]: r for r in report.scheduled_jobs}
    assert [r.job.id[0] for r in report.scheduled_jobs] == ["u", "n", "d", "p"]  # next run first, suspended last
    assert rows["n"].max_run_usd == D("1.05") * 2
    assert rows["d"].max_run_usd == D("1.05") / 2  # HF's default timeout: 30 minutes
    assert rows["u"].price is None and rows["u"].max_run_usd is None  # unpriced, never $0
    assert rows["p"].max_run_usd == D("2.10")
