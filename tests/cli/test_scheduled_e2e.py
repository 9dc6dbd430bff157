"""End to end: `hfmon --once --json` lists each scheduled Job with its next run and the most one run can cost."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from tests.cli.test_once_e2e import Served, fake  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e


def test_scheduled_jobs_next_run_and_most_per_run(fake: Callable[..., Served]) -> None:  # noqa: F811
    served = fake()
    run = served.run("--once", "--json")
    assert run.code == 0, run.stderr
    scn = served.hub.scenario
    rows = {r["id"]: r for r in run.doc()["scheduled_jobs"]}
    assert set(rows) == {j.id for j in scn.scheduled_jobs}
    for job in scn.scheduled_jobs:
        row = rows[job.id]
        # the next run, recomputed from the job's time of day (and weekday) after the frozen start instant
        nxt = scn.start.replace(hour=job.hour, minute=job.minute)
        while nxt <= scn.start or (job.weekday is not None and nxt.weekday() != job.weekday):
            nxt += timedelta(days=1)
        assert row["next_run_at"] == nxt.strftime("%Y-%m-%dT%H:%M:%SZ")
        assert row["suspended"] is job.suspended and row["flavor"] == job.flavor
        flavor = scn.job_flavor(job.flavor)
        assert flavor is not None
        per_hour = Decimal(flavor.unit_micro_usd) * 60 / 10**6
        most = per_hour * (job.timeout_s or 1800) / 3600
        assert abs(Decimal(str(row["max_run_usd"])) - most) < Decimal("0.000001"), job.name
    assert datetime.fromisoformat(run.doc()["scheduled_jobs"][0]["next_run_at"]) > scn.start.astimezone(UTC)
