"""Jobs are polled with one listing per poll: only RUNNING and SCHEDULING ones (the spec's `stage` filter), plus
the finished ones from a whole listing read hourly or as soon as a job seen active has ended. The table a user
sees must be the same as if every job were listed every poll."""

from __future__ import annotations

from datetime import datetime, timedelta

import httpx2

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.models import Snapshot
from hfmon.poll_timing import CollectorSettings


class Recorded:
    """The fake hub at a settable instant, with the query of every jobs listing request kept."""

    def __init__(self) -> None:
        self.scn = demo_scenario()
        self.at = self.scn.start
        self.hub = FakeHub(self.scn, now=lambda: self.at)
        self.listings: list[tuple[str, tuple[str, ...]]] = []
        inner = self.hub.transport()

        def handle(request: httpx2.Request) -> httpx2.Response:
            parts = request.url.path.strip("/").split("/")
            if parts[:2] == ["api", "jobs"] and len(parts) == 3 and parts[2] != "hardware":
                self.listings.append((parts[2], tuple(request.url.params.get_list("stage"))))
            return inner.handle_request(request)

        self.clock = FrozenClock(self.at)
        client = HubClient(FULL_TOKEN, BaseUrls(), transport=httpx2.MockTransport(handle), clock=self.clock,
                           governor=Governor(backoff_base_s=0.001), live_timeout_s=3.0)
        self.collector = Collector(client, self.clock, ["ada", "ada-labs"],
                                   settings=CollectorSettings(deadline_s=10.0, source_timeout_s=10.0))
        self.previous: Snapshot | None = None

    async def poll_at(self, at: datetime) -> dict[str, set[tuple[str, str]]]:
        """Poll at `at`; the (id, stage) of the jobs each namespace shows."""
        self.at = at
        self.clock.advance((at - self.clock.now()).total_seconds())
        self.listings.clear()
        self.previous = await self.collector.poll(self.previous)
        return {ns.namespace: {(j.id, j.stage) for j in ns.jobs.value or ()} for ns in self.previous.namespaces}

    def truth(self, ns: str) -> set[tuple[str, str]]:
        """Every job of `ns` and its stage at the current instant, read off the scenario's timelines."""
        return {(j.id, next(iv.state for iv in j.timeline if iv.start <= self.at and (iv.end is None
                                                                                 or self.at < iv.end)))
                for j in self.scn.jobs if j.namespace == ns and j.created_at <= self.at}


ACTIVE = ("RUNNING", "SCHEDULING")


async def test_one_whole_listing_then_only_active_jobs_until_one_ends_or_an_hour_passes() -> None:
    rec = Recorded()
    start = rec.scn.start  # 15:00; ada's l4x1 job runs until 15:50, ada-labs' a100 job schedules until 15:06
    shown = await rec.poll_at(start)
    assert sorted(rec.listings) == [("ada", ()), ("ada-labs", ())]  # first poll: the whole listing
    assert shown == {"ada": rec.truth("ada"), "ada-labs": rec.truth("ada-labs")}

    shown = await rec.poll_at(start + timedelta(minutes=10))  # the a100 job went SCHEDULING -> RUNNING
    assert sorted(rec.listings) == [("ada", ACTIVE), ("ada-labs", ACTIVE)]
    assert shown == {"ada": rec.truth("ada"), "ada-labs": rec.truth("ada-labs")}
    assert any(stage == "RUNNING" for _, stage in shown["ada-labs"])

    shown = await rec.poll_at(start + timedelta(minutes=51))  # ada's l4x1 job has just COMPLETED
    assert sorted(rec.listings) == sorted([("ada", ACTIVE), ("ada", ()), ("ada-labs", ACTIVE)])
    assert shown == {"ada": rec.truth("ada"), "ada-labs": rec.truth("ada-labs")}
    assert ("RUNNING" not in {stage for _, stage in shown["ada"]})

    shown = await rec.poll_at(start + timedelta(minutes=61))  # ada-labs' whole listing is an hour old
    assert ("ada-labs", ()) in rec.listings and ("ada", ACTIVE) in rec.listings
    assert shown == {"ada": rec.truth("ada"), "ada-labs": rec.truth("ada-labs")}


async def test_the_fake_filters_by_stage_and_refuses_an_unknown_one() -> None:
    rec = Recorded()
    async with httpx2.AsyncClient(transport=rec.hub.transport(), base_url="http://hub") as http:
        auth = {"Authorization": f"Bearer {FULL_TOKEN}"}
        both = await http.get("/api/jobs/ada", params={"stage": ["RUNNING", "ERROR"]}, headers=auth)
        bad = await http.get("/api/jobs/ada", params={"stage": "FINISHED"}, headers=auth)
    assert both.status_code == 200
    assert {j["status"]["stage"] for j in both.json()} == {"RUNNING", "ERROR"}
    assert bad.status_code == 400 and "Invalid stage" in bad.text
