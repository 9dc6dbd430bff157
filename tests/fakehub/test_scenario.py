"""Scenario knobs: scale, plan, async clients."""

from __future__ import annotations

import httpx2

from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.demo import START
from tests.fakehub.conftest import HUB, IE, get, get_json, over_its_period


def all_pages(hub: FakeHub, url: str) -> list[dict]:
    items: list[dict] = []
    while url:
        r = get(hub, url)
        assert r.status_code == 200
        items += r.json()
        link = r.headers.get("Link", "")
        url = link[1:link.index(">")] if link else ""
    return items


def test_scale_knobs_add_resources_that_listings_page_through() -> None:
    scn = demo_scenario(5, spaces=40, endpoints=14, jobs=20, repos=30, orgs=3, page_size=7, discrepancies=False)
    assert (len(scn.spaces), len(scn.endpoints), len(scn.jobs), len(scn.repos), len(scn.orgs)) == (40, 14, 20, 30, 3)
    hub = FakeHub(scn, now=lambda: START)
    me = get_json(hub, f"{HUB}/api/whoami-v2")
    assert [o["name"] for o in me["orgs"]][2] == "guild-2"
    spaces = all_pages(hub, f"{HUB}/api/spaces?expand=runtime")
    assert sorted(s["id"] for s in spaces) == sorted(s.id for s in scn.spaces if s.created_at <= START)
    eps = sum(len(get_json(hub, f"{IE}/endpoint/{ns}")["items"]) for ns in scn.namespaces())
    assert eps == sum(1 for e in scn.endpoints if e.created_at <= START)
    assert get(hub, f"{HUB}/api/organizations/guild-2/billing/usage").status_code == 403  # write role only


def test_small_scale_cuts_the_hand_made_lists() -> None:
    scn = demo_scenario(0, spaces=2, endpoints=1, jobs=0, repos=1, orgs=1)
    assert [s.id for s in scn.spaces] == ["ada/chat-demo", "ada/forgotten-finetune"]
    assert len(scn.endpoints) == 1 and scn.jobs == () and [o.name for o in scn.orgs] == ["ada-labs"]


def test_free_plan_has_ten_cents_and_no_pro_badge() -> None:
    hub = FakeHub(demo_scenario(0, plan="free"), now=lambda: START)
    me = get_json(hub, f"{HUB}/api/whoami-v2")
    assert (me["isPro"], me["canPay"], me["periodEnd"]) == (False, False, None)
    inf = get_json(hub, over_its_period(hub, f"{HUB}/api/settings/billing/usage-v2"))["usage"]["inferenceProviders"]
    assert inf["includedNanoUsd"] == 100_000_000 and inf["usedNanoUsd"] < 100_000_000
    assert get(hub, f"{HUB}/api/whoami-v2").headers["RateLimit-Policy"].endswith("q=1000;w=300")


async def test_the_transport_serves_async_clients() -> None:
    hub = FakeHub(demo_scenario(0, latency_ms=5), now=lambda: START)
    async with httpx2.AsyncClient(transport=hub.transport(), headers={"authorization": f"Bearer {FULL_TOKEN}"}) as c:
        r = await c.get(f"{IE}/endpoint/ada")
    assert r.status_code == 200 and len(r.json()["items"]) == 3


def test_speed_runs_the_scenario_clock_faster() -> None:
    hub = FakeHub(demo_scenario(0), speed=3600.0)
    first = hub.now()
    assert first >= START
    import time
    time.sleep(0.01)
    assert (hub.now() - first).total_seconds() >= 30  # 10 ms of real time at x3600
