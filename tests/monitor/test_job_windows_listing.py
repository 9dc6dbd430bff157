"""A spend window's jobs part is complete only when hfmon has listed every Job that could have run in it.

The Monitor (the dashboard's loop: collect, record, read history, evaluate) polls the demo account every 10 minutes
from 14:00, the fake's clock and hfmon's the same. Between its whole Jobs listings (the first poll, then hourly, or
when a Job seen running has ended) the Collector lists only the running and scheduling Jobs, so a Job that starts
and ends between two polls is not seen until the next whole listing.

ada's Jobs: the demo's l4x1 Job ($0.79998/h) runs 14:25 -> 15:50, and an h200 Job ($4.99998/h) added here runs
15:02 -> 15:07 (created 15:01), between the 15:00 poll (a whole listing: an hour after the first) and 15:10.

- 15:10, the hour from 14:10: ada's Jobs were last all listed at 15:00. The jobs listed so far cost the l4x1 Job's
  45 min = $0.599985; the h200 Job is unknown yet, so the part is null and the total says at least that much with
  `ended_jobs:ada` missing (before: $0.599985 as a known figure in a complete total).
- 15:50, the hour from 14:50: the l4x1 Job has ended, so the Collector lists every Job again and history records the
  h200 Job at its own times: l4x1 60 min $0.79998 + h200 5 min $0.416665 = $1.216645, complete.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema

from hfmon import format as fmt
from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.demo import entity_id
from hfmon.fakehub.scenario import JobDef
from hfmon.fakehub.timeline import Step, fixed
from hfmon.jsonout import report_document
from hfmon.monitor import Monitor
from hfmon.report import Report
from hfmon.schemas import once_schema
from hfmon.store import HistoryStore
from hfmon.tui.rows_time import window_unread


def hour_of(report: Report, namespace: str) -> dict[str, Any]:
    doc = report_document(report)
    jsonschema.validate(doc, once_schema())
    (row,) = [n for n in doc["windows"]["1h"]["namespaces"] if n["namespace"] == namespace]
    current: dict[str, Any] = row["current"]
    return current


async def test_a_window_after_the_last_whole_jobs_listing_is_at_least_until_every_job_is_listed(
        tmp_path: Path) -> None:
    base = demo_scenario(seed=7)
    created = base.start + timedelta(minutes=1)  # 15:01: scheduling 1 min, running 15:02 -> 15:07
    short = JobDef(entity_id(7, "job/between"), "ada", "h200", "python:3.12", ("python", "x.py"), created,
                   fixed(created, [Step("SCHEDULING", 1), Step("RUNNING", 5), Step("COMPLETED", 0)], "h200"))
    scenario = replace(base, jobs=(*base.jobs, short))
    clock = FrozenClock(base.start - timedelta(hours=1))  # 14:00
    hub = FakeHub(scenario, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, clock, ["ada"]), clock, Config(), HistoryStore.open(tmp_path / "h.sqlite3"))
    reports: dict[int, Report] = {}
    try:
        for minutes in range(0, 120, 10):  # 14:00 ... 15:50
            reports[minutes] = await monitor.poll()
            clock.advance(timedelta(minutes=10).total_seconds())
    finally:
        await monitor.aclose()

    at_1510 = hour_of(reports[70], "ada")
    assert at_1510["start"] == "2026-11-18T14:10:00Z"
    assert at_1510["jobs_usd"] is None  # not a plain figure: a Job may have run since 15:00 unseen (one did)
    total = at_1510["total_usd"]
    assert "ended_jobs:ada" in total["missing"] and total["value"] is None
    (hour,) = [w.current for w in reports[70].windows if w.window == "1h" and w.namespace == "ada"]
    parts = [hour.part(p, "ada").known for p in ("inference", "endpoints", "spaces")]  # (a Space woke between polls)
    assert Decimal(str(total["at_least"])) == sum((p for p in parts if p is not None), Decimal("0.599985"))
    whole = reports[70].window_total("1h", "ada")
    assert whole is not None and fmt.money_total(whole.product("jobs")).startswith("at least")  # the dashboard
    why = window_unread(reports[70], "ada", "1h")  # the dashboard says why under the window's table
    assert why is not None and ("jobs: a Job may have run between polls; whole listing hourly (ada)"
                                in why)  # was "list of ended Jobs unread (ada)"
    after = window_unread(reports[110], "ada", "1h")  # every Job listed: nothing to say about Jobs
    assert after is None or "jobs:" not in after
    assert window_unread(reports[70], "ada", "period") is None  # the period is billed figures

    at_1550 = hour_of(reports[110], "ada")
    assert at_1550["jobs_usd"] == 1.216645  # 0.79998 + 0.416665: the h200 Job at its own times
    assert not any(m.startswith(("ended_jobs:", "history:")) for m in at_1550["total_usd"]["missing"])
