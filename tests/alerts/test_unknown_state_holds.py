"""One poll that leaves a running resource's state unknown (a Space listed without its runtime, an Endpoint without
its ready replicas, a Job without its start) changes no alert: no reset, no fire (audit 6 A10, A2). A running
stretch after it is a lower bound ("at least"), and for the idle measure that poll is no change. Run by the
dashboard's Monitor against the fake Hub on the fake's clock, every 10 minutes, one history file."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

from hfmon.alerts.engine import FIRED
from hfmon.alerts.rules import up_too_long
from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import parse_config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.monitor import Monitor
from hfmon.report import Report
from hfmon.store import HistoryStore

Edit = Callable[[Any], Any]


def _drop_runtime(space: str) -> Edit:
    def edit(body: Any) -> Any:
        for s in body:
            if s["id"] == space:
                s.pop("runtime", None)
        return body
    return edit


def _drop_ready(name: str) -> Edit:
    def edit(body: Any) -> Any:
        for e in body["items"]:
            if e["name"] == name:
                e["status"].pop("readyReplica", None)
        return body
    return edit


def _drop_start(job: str) -> Edit:
    def edit(body: Any) -> Any:
        for j in body:
            if j["id"] == job:
                j.pop("startedAt", None)
                j.pop("durations", None)
        return body
    return edit


async def _polls(tmp_path: Path, alerts: dict[str, Any], count: int, unknown_at: int, path: str,
                 edit: Edit, *always: RouteFault) -> tuple[list[tuple[str, str, str, str]], list[Report]]:
    """`count` polls 10 minutes apart from the demo's 15:00; poll `unknown_at` (0-based) gets `edit` on `path`, every
    poll the `always` faults. The alert events of every poll as (time, kind, subject, message), and each Report."""
    scenario = demo_scenario(seed=7)
    clock = FrozenClock(scenario.start)
    hub = FakeHub(scenario, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, clock), clock, parse_config({"alerts": alerts}),
                      HistoryStore.open(tmp_path / "history.sqlite3"))
    events: list[tuple[str, str, str, str]] = []
    reports: list[Report] = []
    try:
        for i in range(count):
            hub.route_faults[:] = [*always, *([RouteFault(path, edit=edit)] if i == unknown_at else [])]
            reports.append(await monitor.poll())
            events += [(f"{clock.now():%H:%M}", e.kind, e.subject, e.message) for e in monitor.alert_events]
            clock.advance(600)
    finally:
        await monitor.aclose()
    return events, reports


async def test_a_space_listed_once_without_its_runtime_neither_resets_nor_restarts_long_running_hours(
        tmp_path: Path) -> None:
    space = "ada/forgotten-finetune"  # a10g-large, billed every minute since Nov 3 09:12 (its statement line)
    subject = f"space {space}"
    events, reports = await _polls(tmp_path, {"long_running_hours": 0.5}, 11, 5, "/api/spaces",
                                   _drop_runtime(space))
    # 15:00: up at least since its line's start, 15 d 5 h 48 min. 15:50 lists it without its runtime. Was: reset at
    # 15:50 "not billed now (limit 30m) (back within the limit)", fired again later
    assert [e for e in events if e[2] == subject] == [("15:00", FIRED, subject, (
        f"Endpoint or Space up without a break ({subject}): up at least 15d 05h, above the limit 30m"))]
    unknown = next(r for r in up_too_long(reports[5], Decimal("0.5")) if r.subject == subject)
    assert (unknown.outcome.value, unknown.why) == (
        "unknown", f"Space {space} was listed without its runtime: whether it runs, and what it costs now, is unknown")
    last = next(r for r in up_too_long(reports[-1], Decimal("0.5")) if r.subject == subject)
    assert (last.outcome.value, last.figure) == ("crossed", "up at least 15d 07h")  # 16:40, since Nov 3 09:12


def _sparse_line(space: str) -> Edit:
    """The Space's statement line billing 1 minute over its days-long span: it still says the Space is paid (not
    granted), but no longer that it billed every minute since it started (`resources.dense`)."""
    def edit(body: Any) -> Any:
        for lines in body["usage"].values():
            for line in lines:
                if line.get("label") == space:
                    line.update(quantity=1, totalCostMicroUSD=25000)
        return body
    return edit


async def test_without_the_statement_bound_a_stretch_after_an_unknown_poll_is_a_lower_bound(tmp_path: Path) -> None:
    space = "ada/forgotten-finetune"
    subject = f"space {space}"
    # its line says nothing of when it was up (was: the statement failed, which now leaves its grant unknown too)
    events, reports = await _polls(tmp_path, {"long_running_hours": 0.5}, 11, 5, "/api/spaces", _drop_runtime(space),
                                   RouteFault("/api/settings/billing/usage", edit=_sparse_line(space)))
    # history begins at 15:00: at 15:40 up at least 40 min, past 30 min. Was: reset at 15:50, fired again at 16:40
    # "up 40m" as an exact figure
    assert [e for e in events if e[2] == subject] == [
        ("15:40", FIRED, subject, f"Endpoint or Space up without a break ({subject}): up at least 40m, above the limit "
                                  "30m")]
    between = next(r for r in up_too_long(reports[8], Decimal("0.5")) if r.subject == subject)
    assert (between.outcome.value, between.figure, between.why) == (  # 16:20: 20 min at least, at most unknown
        "unknown", "up at least 20m", "before that it was listed without its runtime, so whether it was up then is "
                                      "unknown")
    # 16:40: counted from 16:00, the first poll after the unknown one: a lower bound, never exact
    last = next(r for r in up_too_long(reports[-1], Decimal("0.5")) if r.subject == subject)
    assert (last.outcome.value, last.figure, last.value, last.at_least) == (
        "crossed", "up at least 40m", None, Decimal(2400))


async def test_a_space_listed_once_without_its_runtime_is_not_priced_now(tmp_path: Path) -> None:
    subject = "space ada-labs/video-gen (h100)"  # running on h100, which no catalog prices
    events, _ = await _polls(tmp_path, {"unpriced": True}, 3, 1, "/api/spaces", _drop_runtime("ada-labs/video-gen"))
    # was: reset 15:10 "priced now" (h100 had no price then either), fired again 15:20
    assert [e for e in events if e[2] == subject] == [
        ("15:00", FIRED, subject,
         f"unpriced resource ({subject}): billed now and no catalog prices it: the running cost is partial")]


async def test_an_endpoint_listed_once_without_its_ready_replicas_is_no_change_for_idle_gpu(tmp_path: Path) -> None:
    endpoint = "ada-labs/qwen-prod"  # at its 2 min replicas all along
    events, reports = await _polls(tmp_path, {"long_running": True, "idle_gpu_hours": 0.5}, 9, 4,
                                   "/v2/endpoint/ada-labs", _drop_ready("qwen-prod"))
    # watched from 15:00 (hfmon's first poll): 30 min at 15:30. Was: reset 15:40 "no longer so", fired 16:10 for
    # "no change for 0.5 h" again (the unknown count recorded as a change)
    assert [e for e in events if e[2] == endpoint] == [
        ("15:30", FIRED, endpoint, f"long-running resource ({endpoint}): GPU Endpoint {endpoint} has sat at its 2 min "
                                   "replicas with no change for 0.5 h")]
    assert f"idle_gpu:{endpoint} (its ready replicas were not sent this poll)" in reports[4].flags_unchecked
    # 16:20: unchanged since 15:00, 80 min = 1.3 h (was 0.7 h, from 15:50)
    [idle] = [f.message for f in reports[-1].flags if f.kind == "idle_gpu" and f.subject == endpoint]
    assert idle.endswith("with no change for 1.3 h")


async def test_a_job_listed_once_without_its_start_keeps_its_long_running_alert(tmp_path: Path) -> None:
    job = "cc9cd021b4815cda4596be7c"  # ada's l4x1 Job, started 14:25
    events, reports = await _polls(tmp_path, {"long_running": True, "long_job_hours": 0.5}, 3, 1, "/api/jobs/ada",
                                   _drop_start(job))
    # 15:00: 35 min, past 30. 15:10: neither startedAt nor runningSecs. Was: reset 15:10 "no longer so", fired 15:20
    assert [e for e in events if e[2] == job] == [
        ("15:00", FIRED, job, f"long-running resource ({job}): Job {job} (l4x1) has been running for 0.6 h")]
    assert f"long_running_job:{job} (HF sent neither its start nor its running time)" in reports[1].flags_unchecked


async def test_without_the_statement_a_paid_space_may_be_granted_so_its_alert_holds(tmp_path: Path) -> None:
    space = "ada/forgotten-finetune"  # a10g-large: on paid hardware, unless it is granted (no statement line says)
    subject = f"space {space}"
    events, reports = await _polls(tmp_path, {"long_running_hours": 0.5}, 6, -1, "/api/spaces", _drop_runtime(space),
                                   RouteFault("/api/settings/billing/usage", status=500))
    # was: fired at 15:40 "up at least 40m, above the limit 30m" on a Space that may cost nothing (granted)
    assert [e for e in events if e[2] == subject] == []
    reading = next(r for r in up_too_long(reports[4], Decimal("0.5")) if r.subject == subject)
    assert (reading.outcome.value, reading.figure, reading.why) == (
        "unknown", "up at least 40m", "no statement line for its hardware was read: whether it is granted, so "
                                      "whether it costs money now, is unknown")
