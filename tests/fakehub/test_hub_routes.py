"""The fake Hub answers identity, listings, runtime, catalogs and endpoints with the documented shapes."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from hfmon.fakehub import FULL_TOKEN, NO_BILLING_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.demo import START
from tests.fakehub.conftest import HUB, IE, ROUTER, Clock, get, get_json


def test_whoami_describes_a_pro_user_with_a_team_and_an_enterprise_org(hub: FakeHub) -> None:
    me = get_json(hub, f"{HUB}/api/whoami-v2")
    assert (me["type"], me["name"], me["isPro"], me["canPay"]) == ("user", "ada", True, True)
    assert me["periodEnd"] == int(datetime(2026, 12, 1, tzinfo=UTC).timestamp())
    assert [(o["name"], o["roleInOrg"]) for o in me["orgs"]] == [("ada-labs", "admin"), ("northwind", "write")]
    assert me["auth"]["accessToken"]["role"] == "write"
    fine = get_json(hub, f"{HUB}/api/whoami-v2", NO_BILLING_TOKEN)["auth"]["accessToken"]
    assert fine["role"] == "fineGrained"
    perms = {p for s in fine["fineGrained"]["scoped"] for p in s["permissions"]}
    assert "user.billing.read" not in perms


def test_unknown_or_missing_token_gets_401_with_hf_error_headers(hub: FakeHub) -> None:
    for token in ("hf_not_a_real_token", None):
        r = get(hub, f"{HUB}/api/whoami-v2", token)
        assert r.status_code == 401
        assert r.headers["X-Error-Message"] == "Invalid credentials in Authorization header"
        assert r.json() == {"error": "Invalid credentials in Authorization header"}
        assert r.headers["X-Request-Id"] and r.headers["RateLimit"] and r.headers["RateLimit-Policy"]


def test_org_overview_carries_the_plan_and_members_paginate(hub: FakeHub) -> None:
    assert get_json(hub, f"{HUB}/api/organizations/ada-labs/overview")["plan"] == "enterprise"
    assert get_json(hub, f"{HUB}/api/organizations/northwind/overview")["plan"] == "enterprise"
    r = get(hub, f"{HUB}/api/organizations/northwind/members")
    assert len(r.json()) == hub.scenario.page_size and 'rel="next"' in r.headers["Link"]
    seats = next(o.seats for o in hub.scenario.orgs if o.name == "northwind")
    # HF's spec allows `limit` up to 10,000 here (hfmon asks for that): every member in one page
    whole = get(hub, f"{HUB}/api/organizations/northwind/members?limit=10000")
    assert len(whole.json()) == seats > hub.scenario.page_size and "Link" not in whole.headers
    assert whole.json()[:hub.scenario.page_size] == r.json()


def test_space_listing_pages_with_absolute_links_that_keep_every_query_param(hub: FakeHub) -> None:
    url = f"{HUB}/api/spaces?author=ada&expand=runtime&expand=usedStorage"
    items: list[dict] = []
    pages = 0
    while url:
        r = get(hub, url)
        items += r.json()
        pages += 1
        link = r.headers.get("Link")
        url = link[1:link.index(">")] if link else ""
        if url:
            assert url.startswith(f"{HUB}/api/spaces?") and "author=ada" in url
            assert url.count("expand=") == 2
    assert pages > 1
    assert all(set(it) == {"_id", "id", "runtime", "usedStorage"} for it in items)
    by_id = {it["id"]: it for it in items}
    assert len(by_id) == sum(1 for s in hub.scenario.spaces if s.namespace == "ada")
    forgotten = by_id["ada/forgotten-finetune"]["runtime"]
    assert forgotten["stage"] == "RUNNING" and forgotten["gcTimeout"] is None
    assert forgotten["hardware"] == {"current": "a10g-large", "requested": "a10g-large"}
    assert by_id["ada/whisper-api"]["runtime"]["stage"] == "SLEEPING"
    assert by_id["ada/whisper-api"]["runtime"]["hardware"]["current"] is None


def test_unknown_expand_key_is_a_400(hub: FakeHub) -> None:
    r = get(hub, f"{HUB}/api/models?author=ada&expand=hardware")
    assert r.status_code == 400 and "error" in r.json()


def test_space_runtime_follows_the_timeline(hub: FakeHub, clock: Clock) -> None:
    assert get_json(hub, f"{HUB}/api/spaces/ada/whisper-api/runtime")["stage"] == "SLEEPING"
    clock.advance(minutes=68)  # the demo Space wakes 67 minutes after the start instant
    rt = get_json(hub, f"{HUB}/api/spaces/ada/whisper-api/runtime")
    assert rt["stage"] == "APP_STARTING" and rt["hardware"]["current"] == "t4-small"


def test_endpoints_cover_every_state_and_change_over_time(hub: FakeHub, clock: Clock) -> None:
    states = set()
    for ns in ("ada", "ada-labs", "northwind"):
        for ep in get_json(hub, f"{IE}/endpoint/{ns}")["items"]:
            states.add(ep["status"]["state"])
            for key in ("name", "type", "healthRoute"):
                assert key in ep
    assert states == {"running", "scaledToZero", "paused", "initializing", "failed", "updating", "pending"}
    clock.advance(minutes=15)
    assert get_json(hub, f"{IE}/endpoint/northwind/summarizer")["status"]["state"] == "updateFailed"
    assert get_json(hub, f"{IE}/endpoint/northwind/classifier")["status"]["state"] == "running"


def test_provider_catalog_prices_endpoints_and_counts_used_accelerators(hub: FakeHub) -> None:
    doc = get_json(hub, f"{IE}/provider/ada")
    computes = {c["id"]: c for v in doc["vendors"] for r in v["regions"] for c in r["computes"]}
    assert computes["aws-us-east-1-nvidia-l4-x1"]["pricePerHour"] == 0.8
    # llama-chat is scaling 1 -> 2 at the start instant: both replicas hold an accelerator
    assert computes["aws-us-east-1-nvidia-l4-x1"]["quota"]["usedAccelerators"] == 2
    assert computes["gcp-us-east4-nvidia-l4-x1"]["pricePerHour"] == 0.7


def test_hardware_catalogs_give_per_minute_micro_usd(hub: FakeHub) -> None:
    spaces = {f["name"]: f for f in get_json(hub, f"{HUB}/api/spaces/hardware", None)}
    assert spaces["t4-small"]["unitCostMicroUSD"] == 6667 and spaces["t4-small"]["unitLabel"] == "minute"
    jobs = {f["name"]: f for f in get_json(hub, f"{HUB}/api/jobs/hardware", None)}
    assert jobs["cpu-basic"]["unitCostMicroUSD"] == 167 and jobs["cpu-basic"]["unitCostUSD"] == 0.000167


def test_jobs_and_repositories(hub: FakeHub) -> None:
    jobs = get_json(hub, f"{HUB}/api/jobs/ada?limit=50")
    assert [j["status"]["stage"] for j in jobs][:1] == ["RUNNING"]
    repos = get_json(hub, f"{HUB}/api/settings/repositories")
    assert {"id", "type", "updatedAt", "visibility", "storage", "storagePercent"} <= set(repos[0])
    assert repos[0]["storage"] >= repos[-1]["storage"]


def test_same_seed_and_time_give_byte_identical_answers() -> None:
    urls = [f"{HUB}/api/whoami-v2", f"{HUB}/api/spaces?expand=runtime", f"{IE}/endpoint/ada-labs",
            f"{HUB}/api/settings/billing/usage",
            f"{HUB}/api/settings/billing/usage-v2?startDate={int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())}"
            f"&endDate={int(START.timestamp())}", f"{ROUTER}/v1/models"]

    def run(seed: int) -> list[tuple[bytes, list[tuple[str, str]]]]:
        hub = FakeHub(demo_scenario(seed), now=lambda: START)
        out = []
        for u in urls:
            r = get(hub, u, FULL_TOKEN)
            out.append((r.content, sorted(r.headers.items())))
        return out

    assert run(3) == run(3)
    assert run(3) != run(4)


def test_requests_are_logged(hub: FakeHub) -> None:
    get(hub, f"{HUB}/api/whoami-v2")
    get(hub, f"{HUB}/api/whoami-v2", "hf_nope")
    assert [(r.method, r.path, r.status) for r in hub.requests] == [("GET", "/api/whoami-v2", 200),
                                                                      ("GET", "/api/whoami-v2", 401)]
    assert hub.requests.count("/api/whoami-v2", status=401) == 1


def test_agent_harnesses_side_call_answers_without_auth(hub: FakeHub) -> None:
    assert json.loads(get(hub, f"{HUB}/api/agent-harnesses", None).content) == {"standardEnvVars": [],
                                                                               "harnesses": {}}
