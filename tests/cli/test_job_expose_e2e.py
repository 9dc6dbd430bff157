"""End to end: a Job that exposes ports bills $0.01 an hour more, per job (audit 25; hf-api.md 0.5 and 7).

The fake lists `expose` and `status.exposeUrls` as the spec has them and bills the surcharge in the job's own
line; hfmon prices it the same way, so its cross-check agrees with HF's figure and its $/h now is not low.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from decimal import Decimal

import httpx2
import pytest

from hfmon.fakehub import FULL_TOKEN, demo_scenario
from tests.cli.test_once_e2e import Served, fake

pytestmark = pytest.mark.e2e
__all__ = ["fake"]  # the loopback fake hub fixture, shared with test_once_e2e

D = Decimal
SURCHARGE = D("0.01")  # $/h per job, whatever the number of ports


def hourly(served: Served, flavor: str) -> Decimal:
    """The live $/h of a Jobs flavor, as `/api/jobs/hardware` states it (per minute, times 60)."""
    found = served.hub.scenario.job_flavor(flavor)
    assert found is not None
    return D(found.unit_micro_usd) * 60 / 10**6


def test_an_exposed_jobs_price_recomputation_and_cross_check_include_the_surcharge(
        fake: Callable[..., Served]) -> None:
    served = fake()
    scn = served.hub.scenario
    exposed = next(j for j in scn.jobs if j.exposed_ports and j.flavor == "a10g-small")  # ran 45 min, Nov 15
    listed = httpx2.get(f"{served.base_url}/api/jobs/{exposed.namespace}",
                        headers={"authorization": f"Bearer {FULL_TOKEN}"}).json()
    raw = next(j for j in listed if j["id"] == exposed.id)
    assert raw["expose"] == {"ports": [7860], "portsPublic": []}
    assert raw["status"]["exposeUrls"] == [f"https://{exposed.id}--7860.hf.jobs"]
    doc = served.run("--once", "--json", "--no-history").doc()
    job = next(j for j in doc["jobs"] if j["id"] == exposed.id)
    assert job["exposed_ports"] == [7860] and job["expose_usd_per_hour"] == 0.01
    price = hourly(served, "a10g-small") + SURCHARGE  # $1.00002 + $0.01
    assert price == D("1.01002") and D(str(job["price_per_hour_usd"])) == price
    # HF's line: 45 minutes at the per-minute unit of $1.01/h, 16,833 micro-USD (rounded half up)
    assert D(str(job["billed_usd"])) == 45 * D(16833) / 10**6 == D("0.757485")
    assert D(str(job["recomputed_usd"])) == (45 * price / 60).quantize(D("0.000001")) == D("0.757515")
    check = next(c for c in doc["crosscheck"] if c["item"] == f"job {exposed.id} a10g-small")
    assert check["status"] == "ok" and D(str(check["delta_usd"])) == D("-0.00003")  # the minute unit's rounding
    unexposed = next(j for j in doc["jobs"] if j["flavor"] == "t4-small")
    assert unexposed["exposed_ports"] == [] and unexposed["expose_usd_per_hour"] == 0
    assert D(str(unexposed["price_per_hour_usd"])) == hourly(served, "t4-small")


def test_a_running_exposed_job_costs_a_cent_an_hour_more_now(fake: Callable[..., Served]) -> None:
    base = demo_scenario(seed=7)
    running = next(j for j in base.jobs if j.flavor == "l4x1")  # the demo's one job RUNNING at the start
    before = fake(base).run("--once", "--json", "--no-history").doc()
    two_ports = replace(base, jobs=tuple(replace(j, exposed_ports=(8000, 8001)) if j is running else j
                                         for j in base.jobs))
    after = fake(two_ports).run("--once", "--json", "--no-history").doc()
    job = next(j for j in after["jobs"] if j["id"] == running.id)
    assert D(str(job["cost_per_hour_usd"])) == D("0.79998") + SURCHARGE  # per job: two ports, one cent
    # the demo's total is "at least" (an unpriced Space): its known part is a cent higher, the same part unknown
    assert before["running_cost_per_hour_usd"]["missing"] == after["running_cost_per_hour_usd"]["missing"]
    was, now = (D(str(d["running_cost_per_hour_usd"]["at_least"])) for d in (before, after))
    assert now - was == SURCHARGE


def test_a_scheduled_job_that_exposes_ports_costs_its_surcharge_on_each_run(fake: Callable[..., Served]) -> None:
    base = demo_scenario(seed=7)
    weekly = next(j for j in base.scheduled_jobs if j.name == "weekly-train")  # a100-large, 4 h timeout, Saturdays
    scn = replace(base, scheduled_jobs=tuple(replace(j, exposed_ports=(6006,)) if j is weekly else j
                                             for j in base.scheduled_jobs))
    served = fake(scn)
    doc = served.run("advise", "--json", "--no-history").doc()
    row = next(s for s in doc["scheduled_next_month"] if s["job_id"] == weekly.id)
    assert row["runs"] == 4  # December 2026: the 5th, 12th, 19th and 26th
    per_run = (hourly(served, "a100-large") + SURCHARGE) * 4  # to its 4-hour timeout
    assert D(str(row["max_usd"])) == 4 * per_run == D("40.16032")
