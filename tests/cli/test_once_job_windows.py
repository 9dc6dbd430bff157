"""End to end: Jobs that start or run between two polls are in the spend windows history gives, over the span they ran.

The demo account `ada`, polled by `hfmon --once --json --namespace ada` at 13:52, 14:06, 14:20, 14:34, 14:48 and
15:00 with history on (the fake's clock moves from poll to poll; hfmon's runs on from each). Two Jobs bill in the
hour to 15:00:

- an h200 Job ($4.99998/h in the fake's catalog) created 14:21, RUNNING 14:22 -> 14:29: between the 14:20 and
  14:34 polls, so no poll sees it running. 7 min x $4.99998/h = $0.583331.
- the demo's l4x1 Job ($0.79998/h) created 14:23, RUNNING from 14:25 (first seen running at 14:34), still running
  at 15:00: $0.79998/h from 14:25 to the window's end (15:00 and the second or so hfmon's clock ran on), 35 min =
  $0.466655.

The 1 h window (14:00 -> 15:00) prices Jobs at $1.049986 and the same rise is on the statement. Before this fix hfmon
dated each state at the poll that saw it: the window said $0.346658 (the l4x1 Job from 14:34 only, the h200 Job not
at all), as a known figure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.demo import entity_id
from hfmon.fakehub.scenario import JobDef
from hfmon.fakehub.server import serve
from hfmon.fakehub.timeline import Step, fixed

pytestmark = pytest.mark.e2e
HFMON = [sys.executable, str(Path(__file__).parents[1] / "on_fake_clock.py")]  # `python -m hfmon` on the fake's clock
H200_PER_HOUR, L4_PER_HOUR = Decimal("4.99998"), Decimal("0.79998")  # the fake's catalog (`/api/jobs/hardware`)


def once(base_url: str, data_dir: Path, now: datetime) -> dict[str, Any]:
    """`hfmon --once --json --namespace ada` at `now` on the fake's clock, with history in `data_dir`."""
    env = {**os.environ, "HF_ENDPOINT": base_url, "HFMON_ENDPOINTS_URL": f"{base_url}/v2",
           "HFMON_ROUTER_URL": base_url, "HFMON_DATA_DIR": str(data_dir), "HFMON_TEST_FAKE_NOW": now.isoformat(),
           "HFMON_TEST_FAKE_FROZEN": "1",
           "HF_TOKEN": FULL_TOKEN}
    done = subprocess.run([*HFMON, "--once", "--json", "--namespace", "ada"], env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    doc: dict[str, Any] = json.loads(done.stdout)
    return doc


def test_jobs_between_polls_are_in_the_hour_they_ran(tmp_path: Path) -> None:
    base = demo_scenario(seed=7)
    end = base.start  # 15:00
    created = end - timedelta(minutes=39)  # 14:21: scheduling 1 min, running 14:22 -> 14:29
    short = JobDef(entity_id(7, "job/short"), "ada", "h200", "python:3.12", ("python", "x.py"), created,
                   fixed(created, [Step("SCHEDULING", 1), Step("RUNNING", 7), Step("COMPLETED", 0)], "h200"))
    scenario = replace(base, jobs=(*base.jobs, short))
    clock = [end]
    hub = FakeHub(scenario, now=lambda: clock[0])
    with serve(hub, port=0) as server:
        docs = []
        for minutes in (52, 66, 80, 94, 108, 120):  # 13:52, 14:06, 14:20, 14:34, 14:48, 15:00
            clock[0] = end - timedelta(hours=2) + timedelta(minutes=minutes)
            docs.append(once(server.base_url, tmp_path / "data", clock[0]))
    last = docs[-1]
    (ada,) = last["windows"]["1h"]["namespaces"]
    hour = ada["current"]
    window_end = datetime.fromisoformat(hour["end"])  # hfmon's now, to the second below it
    assert window_end - end < timedelta(seconds=30)  # hfmon's clock ran on from 15:00 while it worked

    def jobs_until(moment: datetime) -> Decimal:  # the h200 Job's 7 min, and the l4x1 Job from 14:25 to `moment`
        l4_micros = (moment - (end - timedelta(minutes=35))) // timedelta(microseconds=1)
        return (H200_PER_HOUR * 7 / 60 + L4_PER_HOUR * l4_micros / 3_600_000_000).quantize(Decimal("0.000001"))

    assert jobs_until(end) == Decimal("1.049986")  # $0.583331 + $0.466655
    assert jobs_until(window_end) <= Decimal(str(hour["jobs_usd"])) <= jobs_until(window_end + timedelta(seconds=1))
    assert "history:ada" not in hour["total_usd"]["missing"]  # history covers the hour
    # the statement's jobs rose by the same over the hour (its figures are at the fake's 13:52 and 15:00; no Job
    # ran between 13:52 and 14:00)
    rise = Decimal(str(last["spend"][0]["jobs_usd"])) - Decimal(str(docs[0]["spend"][0]["jobs_usd"]))
    assert rise == Decimal("1.049986")
    # the job table lists both Jobs from their own start
    started = {j["id"]: j["started_at"] for j in last["jobs"]}
    assert started[short.id] == "2026-11-18T14:22:00Z"
