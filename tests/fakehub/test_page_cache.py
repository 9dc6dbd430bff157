"""Rendered listing pages are memoised per query, caller and scenario time: a repeated page is the same bytes, a
later time sees the Spaces' new runtimes, and the memo stays within its byte budget."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import Any

import httpx2
import pytest

from hfmon.fakehub import FULL_TOKEN, FakeHub, Scenario
from hfmon.fakehub import hub as hub_module
from hfmon.fakehub import timeline as tl
from hfmon.fakehub.wire import Req, Resp
from tests.fakehub.conftest import HUB, IE, ROUTER, Clock, get, get_json, over_its_period

SPACES = f"{HUB}/api/spaces?author=ada&expand=runtime&expand=usedStorage"


def stages(hub: FakeHub, clock: Clock) -> dict[str, str]:
    """Each of ada's Spaces' stage as its timeline says at the clock's time (worked out without the routes)."""
    out = {}
    for sp in hub.scenario.spaces:
        if sp.namespace == "ada" and sp.created_at <= clock.at:
            iv = tl.at(sp.timeline, clock.at)
            out[sp.id] = iv.state if iv is not None else "NO_APP_FILE"
    return out


def listed(hub: FakeHub, token: str | None = FULL_TOKEN) -> list[dict[str, Any]]:
    """Every page of ada's Spaces with their runtime."""
    items: list[dict[str, Any]] = []
    url: str | None = SPACES
    while url:
        r = get(hub, url, token)
        assert r.status_code == 200
        items += r.json()
        url = r.links.get("next", {}).get("url")
    return items


def test_a_page_repeated_at_the_same_time_is_the_same_page(hub: FakeHub) -> None:
    first, again = get(hub, SPACES), get(hub, SPACES)
    assert first.content == again.content
    assert first.headers.get("link") == again.headers.get("link")


def test_a_later_time_sees_the_new_runtimes(hub: FakeHub, clock: Clock) -> None:
    before = {s["id"]: s["runtime"]["stage"] for s in listed(hub)}
    assert before == stages(hub, clock)
    assert before["ada/whisper-api"] == "SLEEPING"
    clock.advance(minutes=68)  # the demo Space wakes 67 minutes after the start instant
    after = {s["id"]: s["runtime"]["stage"] for s in listed(hub)}
    assert after == stages(hub, clock)
    assert after["ada/whisper-api"] == "APP_STARTING"


def test_the_anonymous_caller_never_gets_a_page_rendered_for_the_token(hub: FakeHub) -> None:
    with_token = {s["id"] for s in listed(hub)}
    anonymous = {s["id"] for s in listed(hub, token=None)}
    private = {sp.id for sp in hub.scenario.spaces if sp.namespace == "ada" and sp.private}
    assert private and private <= with_token
    assert not private & anonymous


def test_the_memo_keeps_within_its_byte_budget(hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub_module, "PAGE_CACHE_BYTES", 250)
    rendered: list[int] = []

    def ask(n: int, size: int = 100) -> bytes:
        def render() -> bytes:
            rendered.append(n)
            return bytes(size)
        return hub.cached_page(("page", n), render)

    for n in range(5):
        assert ask(n) == bytes(100)
    ask(4)  # among the last two (250 bytes hold two pages): not rendered again
    ask(0)  # dropped long ago: rendered again
    assert rendered == [0, 1, 2, 3, 4, 0]
    assert ask(9, size=1000) == bytes(1000)  # larger than the whole budget: served, not kept
    ask(9)
    assert rendered[-2:] == [9, 9]


def poll_bodies(hub: FakeHub, at: datetime) -> dict[tuple[str, str], bytes]:
    """Every body one hfmon poll of `hub` reads at `at` (the client's clock too), by method and URL."""
    from hfmon.api.hub import HubClient
    from hfmon.api.urls import BaseUrls
    from hfmon.clock import FrozenClock
    from hfmon.collect import Collector

    bodies: dict[tuple[str, str], bytes] = {}
    answer = hub.answer

    def recorded(req: Req) -> Resp:
        resp = answer(req)
        bodies[req.method, req.url_with()] = resp.body
        return resp

    hub.answer = recorded  # type: ignore[method-assign]
    clock = FrozenClock(at)

    async def poll() -> None:
        client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock)
        async with Collector(client, clock) as collector:
            await collector.poll()

    asyncio.run(poll())
    hub.answer = answer  # type: ignore[method-assign]
    return bodies


def test_a_warm_hub_answers_a_poll_with_the_bytes_a_hub_without_memo_renders(
        scenario: Scenario, clock: Clock, monkeypatch: pytest.MonkeyPatch) -> None:
    warm = FakeHub(scenario, now=clock)
    poll_bodies(warm, clock.at)
    again = poll_bodies(warm, clock.at)  # from the memo
    monkeypatch.setattr(hub_module, "PAGE_CACHE_BYTES", 0)  # no body is kept: each one rendered for its request
    fresh = poll_bodies(FakeHub(scenario, now=clock), clock.at)
    assert len(fresh) > 40 and any(b"usedNanoUsd" in body for body in fresh.values())  # billing was read
    assert again == fresh


def test_memoised_billing_and_endpoints_follow_the_clock_and_a_pause(hub: FakeHub, clock: Clock) -> None:
    live = f"{HUB}/api/settings/billing/usage/live"
    statement, endpoints = f"{HUB}/api/settings/billing/usage", f"{IE}/endpoint/ada"
    first = get(hub, live, accept="text/event-stream").content, get(hub, statement).content
    clock.advance(minutes=30)
    later = get(hub, live, accept="text/event-stream").content, get(hub, statement).content
    assert later[0] != first[0] and later[1] != first[1]  # the stream's time moves on, and the lines grow
    running = [e["name"] for e in get_json(hub, endpoints)["items"] if e["status"]["state"] == "running"]
    assert running
    with httpx2.Client(transport=hub.transport()) as c:
        paused = c.post(f"{IE}/endpoint/ada/{running[0]}/pause", headers={"authorization": f"Bearer {FULL_TOKEN}"})
    assert paused.status_code == 200
    states = {e["name"]: e["status"]["state"] for e in get_json(hub, endpoints)["items"]}
    assert states[running[0]] == "paused"  # the same instant, but the listing is rendered again


def test_usage_read_again_at_the_same_instant_counts_a_router_request_made_between(hub: FakeHub) -> None:
    # usage-v2 memoised at this instant, then a request through the router: the same instant's usage counts it
    usage = over_its_period(hub, f"{HUB}/api/settings/billing/usage-v2")
    before = int(get_json(hub, usage)["usage"]["inferenceProviders"]["usedNanoUsd"])
    body = {"model": "Qwen/Qwen3-235B-A22B-Instruct-2507", "messages": [{"role": "user", "content": "Hi"}],
            "max_tokens": 20}
    with httpx2.Client(transport=hub.transport()) as c:
        answered = c.post(f"{ROUTER}/v1/chat/completions", json=body,
                          headers={"authorization": f"Bearer {FULL_TOKEN}"})
    assert answered.status_code == 200
    after = int(get_json(hub, usage)["usage"]["inferenceProviders"]["usedNanoUsd"])
    assert after > before  # not the body memoised before the request
