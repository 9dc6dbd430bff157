"""End to end: `/billing/usage/jobs` on its own period anchor (hf-api.md 3.5) against the loopback fake. A charge
of another period is not this period's bill."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import httpx2
import pytest

from hfmon.fakehub import FULL_TOKEN, demo_scenario
from tests.cli import test_once_e2e as e2e
from tests.cli.test_once_e2e import Served

pytestmark = pytest.mark.e2e
fake = e2e.fake
OCT_28_JOB = "8fc1c262f3e9b0d1d202314a"  # ada's cpu-upgrade Job, Oct 28 10:01-10:31: $0.015


def test_usage_jobs_anchored_on_the_25th_adds_no_october_job(fake: Callable[..., Served]) -> None:
    served = fake(replace(demo_scenario(seed=7), jobs_period_day=25))  # Nov 18 15:00: usage/jobs is Oct 25 -> Nov 25
    listed = httpx2.get(f"{served.base_url}/api/settings/billing/usage/jobs",
                        headers={"authorization": f"Bearer {FULL_TOKEN}"}).json()["usage"]
    assert (listed["periodStart"], listed["periodEnd"]) == ("2026-10-25T00:00:00.000Z", "2026-11-25T00:00:00.000Z")
    assert {d["jobId"]: d["totalCostMicroUsd"] for d in listed["jobDetails"]}[OCT_28_JOB] == 15_000
    doc = served.run("--once", "--json", "--no-history", "--namespace", "ada").doc()
    spend = doc["spend"][0]
    # November's statement job lines: 0.002004 (Nov 10) + 0.757485 (Nov 15) + 0.020001 (Nov 17) + 0.466655 (now);
    # the Oct 28 charge (+ 0.015 = 1.261145) is October's
    assert spend["jobs_usd"] == 1.246145
    assert spend["total_usd"]["complete"] is True
    assert {j["id"]: j["billed_usd"] for j in doc["jobs"]}[OCT_28_JOB] == 0.0
    text = served.run("--once", "--no-history", "--namespace", "ada").stdout
    assert "jobs $1.25" in text and "jobs $1.26" not in text
