"""A Job's detail view says how many attempts its run may make and counts them in what it costs ahead (the figures
of tests/cli/test_job_retry_ahead_e2e.py: ada's l4x1 Job, 35 min into a 2 h timeout, `retry: 3`)."""

from __future__ import annotations

from typing import Any

from hfmon.fakehub import demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.tui.app import HfmonApp
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle
from tests.tui.test_details import detail_text, open_row

RUNNING = "cc9cd021b4815cda4596be7c"


def _retry(body: Any) -> Any:
    for job in body if isinstance(body, list) else ():
        if isinstance(job, dict) and job.get("id") == RUNNING:
            job["retry"] = 3
    return body


async def test_a_job_detail_counts_every_attempt_ahead() -> None:
    monitor, _clock = frozen_demo(history=False, scenario=demo_scenario(seed=7))
    monitor.collector.client.fake.route_faults.append(RouteFault("/api/jobs/*", edit=_retry))
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(200, 50)) as pilot:
            await settle(app, pilot)
            await open_row(app, pilot, "4", "jobs", RUNNING)
            text = detail_text(app)
            assert "attempts              up to 3: a failed attempt is tried again, each for up to its timeout" in text
            # was "$1.13 more until it stops at its timeout, Nov 18 16:25"
            assert "left as it is         $4.33 more until its last attempt stops at its timeout, Nov 18 20:25" in text
    finally:
        await monitor.aclose()
