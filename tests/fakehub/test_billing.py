"""Billing routes agree with each other and with the timelines, and refuse tokens without billing read."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from hfmon.fakehub import NO_BILLING_TOKEN, NO_ENDPOINTS_TOKEN, FakeHub, Scenario, demo_scenario
from hfmon.fakehub.demo import START
from hfmon.fakehub.scenario import ENDPOINT_BILLED, JOB_BILLED, SPACE_BILLED
from hfmon.fakehub.timeline import Interval
from tests.fakehub.conftest import HUB, IE, Clock, get, get_json, over_its_period

NOV = datetime(2026, 11, 1, tzinfo=START.tzinfo)
BILLING = ["/api/settings/billing/usage-v2", "/api/settings/billing/usage", "/api/settings/billing/usage/jobs",
           "/api/settings/billing/usage-by-inference-session", "/api/spaces/zero-gpu/quota",
           "/api/organizations/ada-labs/billing/usage-v2", "/api/organizations/ada-labs/billing/usage"]


def minute_walk(timeline: tuple[Interval, ...], billed: frozenset[str], lo: datetime, hi: datetime,
                unit: dict[str, int]) -> tuple[int, int]:
    """(replica-minutes, micro-USD) by sampling the state at the start of every whole minute in [lo, hi)."""
    minutes = cost = 0
    i = 0
    t = lo
    while t + timedelta(minutes=1) <= hi:
        while i < len(timeline) and timeline[i].end is not None and timeline[i].end <= t:
            i += 1
        iv = timeline[i] if i < len(timeline) and timeline[i].start <= t else None
        if iv is not None and iv.state in billed:
            minutes += iv.replicas
            cost += iv.replicas * unit[iv.hardware]
        t += timedelta(minutes=1)
    return minutes, cost


def lines(hub: FakeHub, ns_path: str = "/api/settings/billing/usage") -> list[dict]:
    doc = get_json(hub, HUB + ns_path)
    return [line for group in doc["usage"].values() for line in group]


def test_every_billing_route_is_403_without_billing_read(hub: FakeHub) -> None:
    for path in BILLING:
        r = get(hub, HUB + path, NO_BILLING_TOKEN)
        assert r.status_code == 403, path
        assert r.headers["X-Error-Message"] and r.json()["error"]
    r = get(hub, HUB + "/api/settings/billing/usage/live", NO_BILLING_TOKEN, accept="text/event-stream")
    assert r.status_code == 403
    for path in ("/api/whoami-v2", "/api/spaces?author=ada", "/api/jobs/ada", "/api/settings/repositories"):
        assert get(hub, HUB + path, NO_BILLING_TOKEN).status_code == 200


def test_a_token_without_endpoints_permissions_reads_billing_but_gets_401_from_the_endpoints_api(hub: FakeHub) -> None:
    me = get_json(hub, HUB + "/api/whoami-v2", NO_ENDPOINTS_TOKEN)
    (mine,) = [s for s in me["auth"]["accessToken"]["fineGrained"]["scoped"] if s["entity"]["type"] == "user"]
    assert "user.billing.read" in mine["permissions"] and "inference.endpoints.write" not in mine["permissions"]
    for ns in ("ada", "ada-labs"):
        assert get(hub, f"{IE}/endpoint/{ns}", NO_ENDPOINTS_TOKEN).status_code == 401
        assert get(hub, f"{IE}/provider/{ns}", NO_ENDPOINTS_TOKEN).status_code == 401
    for path in ("/api/settings/billing/usage-v2", "/api/settings/billing/usage", "/api/settings/billing/usage/jobs",
                 "/api/spaces/zero-gpu/quota", "/api/organizations/ada-labs/billing/usage"):
        url = over_its_period(hub, HUB + path) if path.endswith("/usage-v2") else HUB + path
        assert get(hub, url, NO_ENDPOINTS_TOKEN).status_code == 200, path
    assert get(hub, HUB + "/api/organizations/northwind/billing/usage", NO_ENDPOINTS_TOKEN).status_code == 403


def test_enterprise_org_billing_is_403_even_with_the_full_token(hub: FakeHub) -> None:
    for route in ("usage-v2", "usage", "usage-by-inference-session"):
        assert get(hub, f"{HUB}/api/organizations/northwind/billing/{route}").status_code == 403
    assert get(hub, over_its_period(hub, f"{HUB}/api/organizations/ada-labs/billing/usage-v2")).status_code == 200


def test_there_is_no_org_jobs_usage_route(hub: FakeHub) -> None:
    """HF publishes only the user's `settings/billing/usage/jobs` (hf-api.md 0.5): orgs get 404, as there."""
    for org in ("ada-labs", "northwind"):
        assert get(hub, f"{HUB}/api/organizations/{org}/billing/usage/jobs").status_code == 404
    assert get(hub, f"{HUB}/api/settings/billing/usage/jobs").status_code == 200


def test_usage_lines_match_an_independent_minute_walk_of_the_timelines(scenario: Scenario, hub: FakeHub,
                                                                       clock: Clock) -> None:
    clock.advance(minutes=7, seconds=42)  # mid-minute: the minute in progress is not billed yet
    now = clock()
    got: dict[str, tuple[int, int]] = {}
    for path in ("/api/settings/billing/usage", "/api/organizations/ada-labs/billing/usage"):
        for line in lines(hub, path):
            q, c = got.get(line["label"], (0, 0))
            # A granted line (freeGrant) costs the account nothing; any other is quantity x unit price.
            paid = 0 if line["freeGrant"] else line["quantity"] * line["unitCostMicroUSD"]
            assert line["totalCostMicroUSD"] == paid
            got[line["label"]] = (q + line["quantity"], c + line["totalCostMicroUSD"])
    space_units = {f.name: f.unit_micro_usd for f in scenario.space_flavors}
    # ZeroGPU hosts for free (no line for its time); what it bills is GPU time over the daily quota at $1 per 10
    # minutes: chat-demo went 12 + 18 = 30 minutes over before the demo's start, 30 x 100,000 micro-USD = $3.00
    overage = {"ada/chat-demo": (30, 3_000_000)}
    for sp in scenario.spaces:
        if sp.namespace in ("ada", "ada-labs"):
            hosted = tuple(iv for iv in sp.timeline if not iv.hardware.startswith("zero-"))
            minutes, cost = minute_walk(hosted, SPACE_BILLED, NOV, now, space_units)
            over_minutes, over_cost = overage.get(sp.id, (0, 0))
            assert got.get(sp.id, (0, 0)) == (minutes + over_minutes, 0 if sp.granted else cost + over_cost), sp.id
    for ep in scenario.endpoints:
        if ep.namespace in ("ada", "ada-labs"):
            want = minute_walk(ep.timeline, ENDPOINT_BILLED, NOV, now, {ep.compute.id: ep.compute.unit_micro_usd})
            assert got.get(ep.id, (0, 0)) == want, ep.id
    job_units = {f.name: f.unit_micro_usd for f in scenario.job_flavors}
    # a job exposing ports bills $0.01/h more (per job): a per-minute unit of its whole hourly price, rounded half up
    exposed_units = {f.name: int((f.hourly_usd * 10**6 + 10**4) / 60 + Decimal("0.5")) for f in scenario.job_flavors}
    assert exposed_units["a10g-small"] == 16833 and job_units["a10g-small"] == 16667  # $1.01/h, $1.00/h
    assert sum(1 for job in scenario.jobs if job.exposed_ports) == 2
    for job in scenario.jobs:
        if job.namespace in ("ada", "ada-labs"):
            units = exposed_units if job.exposed_ports else job_units
            assert got.get(job.id, (0, 0)) == minute_walk(job.timeline, JOB_BILLED, NOV, now, units), job.id
    assert got["ada/forgotten-finetune"][1] > 0
    granted = [line for line in lines(hub) if line["label"] == "ada/community-gpu"]
    assert granted and all(line["freeGrant"] and line["totalCostMicroUSD"] == 0 < line["quantity"]
                           for line in granted)


def test_jobs_spend_agrees_across_usage_v2_usage_jobs_statement_and_live(hub: FakeHub, clock: Clock) -> None:
    clock.advance(minutes=30)
    v2 = get_json(hub, over_its_period(hub, f"{HUB}/api/settings/billing/usage-v2"))["usage"]["jobs"]
    uj = get_json(hub, f"{HUB}/api/settings/billing/usage/jobs")["usage"]
    stmt = [x for x in lines(hub) if x["product"].startswith("jobs/")]
    live = get(hub, f"{HUB}/api/settings/billing/usage/live", accept="text/event-stream")
    assert live.headers["content-type"].startswith("text/event-stream")
    live_doc = usage_event(live.text)
    total = sum(x["totalCostMicroUSD"] for x in stmt)
    assert v2["usedMicroUsd"] == uj["usedMicroUsd"] == live_doc["jobs"]["usedMicroUsd"] == total > 0
    assert v2["totalMinutes"] == uj["totalMinutes"] == sum(x["quantity"] for x in stmt)
    assert sum(d["totalCostMicroUsd"] for d in uj["jobDetails"]) == total
    running = [x for x in stmt if x["active"]]
    assert len(running) == 1 and running[0]["stoppedAt"] is None


def events(stream: str) -> list[tuple[str, Any]]:
    """(event name, decoded data) of every Server-Sent Event in a body."""
    out = []
    for block in stream.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines() if ": " in line)
        if "event" in fields:
            out.append((fields["event"], json.loads(fields["data"])))
    return out


def usage_event(stream: str) -> Any:
    """The first `usage` event that carries `inference` (what a client waits for)."""
    return next(data for name, data in events(stream) if name == "usage" and "inference" in data)


def test_live_usage_sends_keepalives_and_a_partial_first_event(hub: FakeHub) -> None:
    """As third parties observe (hf-api.md 0.5): `count` keep-alives, and a first `usage` event without usage."""
    body = get(hub, f"{HUB}/api/settings/billing/usage/live", accept="text/event-stream").text
    names = [(name, "inference" in data) for name, data in events(body)]
    assert names == [("count", False), ("usage", False), ("count", False), ("usage", True)]


def test_live_usage_needs_the_event_stream_accept_header(hub: FakeHub) -> None:
    r = get(hub, f"{HUB}/api/settings/billing/usage/live")
    assert r.status_code == 400 and "error" in r.json()


def test_inference_spend_agrees_between_usage_v2_and_live_provider_details(hub: FakeHub) -> None:
    inf = get_json(hub, over_its_period(hub, f"{HUB}/api/settings/billing/usage-v2"))["usage"]["inferenceProviders"]
    live = get(hub, f"{HUB}/api/settings/billing/usage/live", accept="text/event-stream").text
    doc = usage_event(live)["inference"]
    assert doc["usedNanoUsd"] == inf["usedNanoUsd"]
    assert sum(p["totalCostNanoUsd"] for p in doc["providerDetails"]) == inf["usedNanoUsd"]
    assert sum(p["numRequests"] for p in doc["providerDetails"]) == inf["numRequests"]
    assert inf["includedNanoUsd"] == 2_000_000_000
    assert 1_500_000_000 < inf["usedNanoUsd"] < 2_000_000_000  # most of the PRO credits used at the start


def test_usage_v2_window_is_in_unix_seconds(hub: FakeHub) -> None:
    start = int(datetime(2026, 11, 18, tzinfo=START.tzinfo).timestamp())
    day = get_json(hub, f"{HUB}/api/settings/billing/usage-v2?startDate={start}&endDate={start + 86400}")
    month = get_json(hub, over_its_period(hub, f"{HUB}/api/settings/billing/usage-v2"))
    assert 0 < day["usage"]["inferenceProviders"]["numRequests"] < month["usage"]["inferenceProviders"]["numRequests"]
    assert get(hub, f"{HUB}/api/settings/billing/usage-v2?startDate={start * 1000}&endDate={start}").status_code == 400


@pytest.mark.parametrize("query", ["", "?startDate=1763424000", "?endDate=1763510400"])
def test_usage_v2_without_both_bounds_is_a_400_as_hfs_spec_requires_them(hub: FakeHub, query: str) -> None:
    """HF's spec (hf-openapi.json) marks `startDate` and `endDate` required: an ask missing one is refused in HF's
    error shape, never answered over a default window (the fake used to answer the current period)."""
    for path in ("/api/settings/billing/usage-v2", "/api/organizations/ada-labs/billing/usage-v2"):
        r = get(hub, f"{HUB}{path}{query}")
        assert r.status_code == 400, path
        assert "Date is required" in r.json()["error"] and "Date is required" in r.headers["X-Error-Message"]


def test_included_credits_run_out_within_hours_of_scenario_time(hub: FakeHub, clock: Clock) -> None:
    def used() -> int:
        usage = get_json(hub, over_its_period(hub, f"{HUB}/api/settings/billing/usage-v2"))
        return int(usage["usage"]["inferenceProviders"]["usedNanoUsd"])

    assert used() < 2_000_000_000
    clock.advance(hours=8)
    assert used() > 2_000_000_000


def test_discrepancies_are_injected_only_when_asked(clock: Clock) -> None:
    odd = FakeHub(demo_scenario(0, discrepancies=True), now=clock)
    catalog = {f["name"] for f in get_json(odd, f"{HUB}/api/spaces/hardware", None)}
    team = {x["label"]: x for x in lines(odd, "/api/organizations/ada-labs/billing/usage")}
    mine = {x["label"]: x for x in lines(odd)}
    assert mine["ada/whisper-api"]["unitCostMicroUSD"] == 7000  # catalog says 6667
    assert team["ada-labs/video-gen"]["product"] == "spaces/h100/minutes" and "h100" not in catalog
    honest = FakeHub(demo_scenario(0, discrepancies=False), now=clock)
    fair = [x for x in lines(honest, "/api/organizations/ada-labs/billing/usage") if x["label"] == "ada-labs/qwen-prod"]
    bent = [x for x in team.values() if x["label"] == "ada-labs/qwen-prod"]
    assert bent[-1]["quantity"] - fair[-1]["quantity"] == 37


def test_statement_by_period_id(hub: FakeHub) -> None:
    cur = get_json(hub, f"{HUB}/api/settings/billing/usage")["period"]
    assert cur["periodStart"] == "2026-11-01T00:00:00.000Z" and cur["invoice"]["type"] == "no-invoice"
    assert get_json(hub, f"{HUB}/api/settings/billing/usage?periodId={cur['_id']}")["period"] == cur
    assert get(hub, f"{HUB}/api/settings/billing/usage?periodId={'0' * 24}").status_code == 404


def test_zero_gpu_quota(hub: FakeHub) -> None:
    q = get_json(hub, f"{HUB}/api/spaces/zero-gpu/quota")
    assert q["base"] == 2400 and 0 <= q["current"] <= 2400 and q["resetsAt"].endswith("Z")


def test_a_free_accounts_zero_gpu_quota_has_fractional_seconds_and_runs(clock: Clock) -> None:
    free = FakeHub(demo_scenario(0, plan="free"), now=clock)
    q = get_json(free, f"{HUB}/api/spaces/zero-gpu/quota")
    # 15:00 is 5 h 48 min after the 09:12 window start: 20,880 s x 90/3600 = 522 s used, 8 runs, one per 170 min
    assert (q["base"], q["current"]) == (300, 0)  # 522 s is past the 300 s base: none left
    assert q["runs"] == {"used": 3, "limit": 8, "remaining": 5, "resetsAt": "2026-11-19T09:12:00.000Z"}
    clock.advance(minutes=-300)  # 10:00: 48 min = 2,880 s in, 72 s used
    q = get_json(free, f"{HUB}/api/spaces/zero-gpu/quota")
    assert q["current"] == 228 and q["runs"]["used"] == 1
    clock.advance(minutes=1, seconds=7)  # 10:01:07: 2,947 s in, 73.675 s used, to the tenth: 73.6
    assert get_json(free, f"{HUB}/api/spaces/zero-gpu/quota")["current"] == 226.4


def test_a_zero_gpu_space_is_billed_its_gpu_minutes_over_the_quota_not_its_hosting(hub: FakeHub, clock: Clock) -> None:
    """hf-api.md 0.5: a `spaces/zero-a10g/minutes` line is quota overage at $1 per 10 GPU-minutes, not hosting.
    chat-demo runs on ZeroGPU all month; it went 12 min over the quota on Nov 6 at 10:00, 18 min on Nov 13 at 16:30."""
    (line,) = [line for line in lines(hub) if line["label"] == "ada/chat-demo"]
    assert line["product"] == "spaces/zero-a10g/minutes"
    assert (line["quantity"], line["unitCostMicroUSD"], line["totalCostMicroUSD"]) == (30, 100_000, 3_000_000)
    assert (line["startedAt"], line["stoppedAt"], line["active"]) == (
        "2026-11-06T10:00:00.000Z", "2026-11-13T16:48:00.000Z", False)
    clock.at = datetime(2026, 11, 13, 16, 35, 30, tzinfo=START.tzinfo)  # 5 whole minutes into the 18
    (line,) = [line for line in lines(hub) if line["label"] == "ada/chat-demo"]
    assert (line["quantity"], line["totalCostMicroUSD"], line["stoppedAt"], line["active"]) == (17, 1_700_000,
                                                                                                None, True)
