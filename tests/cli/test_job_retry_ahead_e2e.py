"""End to end: a Job whose `retry` (the create routes' `attempts`, "Max number of attempts to make") is above 1 can
bill every attempt after this one for its whole timeout: what it costs until the period ends counts them, as a
scheduled Job's bound per run does (audit 6 A6 left a running Job at one attempt; `billing_rules.job_run_time`).

The demo at Nov 18 15:00: ada's l4x1 Job ($0.79998/h) has run 35 min (runningSecs 2100) of its 2 h timeout, so 5,100 s
of this attempt are left: 0.79998 x 5100 / 3600 = $1.133305, ending 16:25. With `retry: 3` two more attempts of
7,200 s each may follow: 19,500 s, 0.79998 x 19500 / 3600 = $4.333225 (it read $1.133305), ending 20:25 at the
latest. ada-labs's a100-large Job ($2.50002/h, 2 h timeout) waits for a machine: a whole run, with `retry: 2`
2 x 2 h x 2.50002 = $10.00008 (it read $5.00004, one attempt)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from hfmon.fakehub.faults import RouteFault
from hfmon.schemas import once_schema
from tests.cli.test_once_e2e import Served, fake

pytestmark = pytest.mark.e2e
__all__ = ["fake"]  # the loopback fake hub fixture, shared with test_once_e2e

RUNNING = "cc9cd021b4815cda4596be7c"  # ada's l4x1
WAITING = "f8ed741feb27f68acb4bdbf7"  # ada-labs's a100-large, SCHEDULING


def _retry(values: dict[str, Any]) -> Callable[[Any], Any]:
    def edit(body: Any) -> Any:
        for job in body if isinstance(body, list) else ():  # the Jobs listing (other routes too)
            if isinstance(job, dict) and job.get("id") in values:
                job["retry"] = values[job["id"]]
        return body
    return edit


def _jobs(served: Served, values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    served.hub.route_faults[:] = [RouteFault("/api/jobs/*", edit=_retry(values))]
    run = served.run("--once", "--json", "--no-history", frozen_clock=True)
    assert run.code == 0, run.stderr
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    return {j["id"]: j for j in doc["jobs"]}


def test_a_jobs_cost_ahead_counts_every_attempt_its_retry_allows(fake: Callable[..., Served]) -> None:
    served = fake()
    jobs = _jobs(served, {RUNNING: 3, WAITING: 2})
    running, waiting = jobs[RUNNING], jobs[WAITING]
    assert (running["stage"], running["running_s"], running["timeout_s"]) == ("RUNNING", 2100, 7200)
    assert running["attempts"] == 3
    assert running["to_period_end_usd"] == 4.333225  # was 1.133305: this attempt only
    assert running["ends_by"] == "2026-11-18T20:25:00Z"  # was 16:25
    assert (waiting["stage"], waiting["attempts"]) == ("SCHEDULING", 2)
    assert waiting["to_period_end_usd"] == 10.00008  # was 5.00004
    # not sent: HF's default, one attempt, as before
    jobs = _jobs(served, {})
    assert (jobs[RUNNING]["attempts"], jobs[RUNNING]["to_period_end_usd"]) == (1, 1.133305)
    assert jobs[RUNNING]["ends_by"] == "2026-11-18T16:25:00Z"
    assert jobs[WAITING]["to_period_end_usd"] == 5.00004
    # no whole number of attempts: what it costs ahead is unknown and says why; the listing is read
    jobs = _jobs(served, {RUNNING: 2.5})
    assert (jobs[RUNNING]["attempts"], jobs[RUNNING]["to_period_end_usd"], jobs[RUNNING]["ends_by"]) == (
        None, None, None)
    assert jobs[RUNNING]["to_period_end_why"] == (
        "how many attempts it makes is unknown (HF sent a retry that is no whole number from 1)")
    assert jobs[RUNNING]["cost_per_hour_usd"] == 0.79998  # what it costs now is known
