"""The fake router prices models per provider, picks providers by suffix, and bills like HF: placeholder, then
settlement after a delay, 402 when a free account's credits are gone."""

from __future__ import annotations

import json
import math
import random
from typing import Any

import httpx2

from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.catalog import ROUTER_MODELS
from hfmon.fakehub.scenario import PLACEHOLDER_NANO_USD
from tests.fakehub.conftest import HUB, ROUTER, Clock, get_json, over_its_period

QWEN = "Qwen/Qwen3-235B-A22B-Instruct-2507"


def chat(hub: FakeHub, model: str, *, stream: bool = False, **headers: str) -> httpx2.Response:
    body: dict[str, Any] = {"model": model, "messages": [{"role": "user", "content": "Hello there, fake router"}],
                            "max_tokens": 200, "stream": stream}
    h = {"authorization": f"Bearer {FULL_TOKEN}", **{k.replace("_", "-"): v for k, v in headers.items()}}
    with httpx2.Client(transport=hub.transport()) as c:
        return c.post(f"{ROUTER}/v1/chat/completions", json=body, headers=h)


def used(hub: FakeHub, ns: str = "ada") -> int:
    path = "/api/settings/billing/usage-v2" if ns == "ada" else f"/api/organizations/{ns}/billing/usage-v2"
    return int(get_json(hub, over_its_period(hub, HUB + path))["usage"]["inferenceProviders"]["usedNanoUsd"])


def test_models_list_prices_per_provider_in_usd_per_million_tokens(hub: FakeHub) -> None:
    doc = get_json(hub, f"{ROUTER}/v1/models", None)
    qwen = next(m for m in doc["data"] if m["id"] == QWEN)
    assert {p["provider"]: p["pricing"] for p in qwen["providers"]}["novita"] == {"input": 0.2, "output": 0.8}
    gemma = next(m for m in doc["data"] if m["id"] == "google/gemma-3-27b-it")
    assert "pricing" not in next(p for p in gemma["providers"] if p["provider"] == "featherless-ai")
    embed = next(m for m in doc["data"] if m["id"] == "Qwen/Qwen3-Embedding-8B")
    assert [(p["provider"], p.get("is_free")) for p in embed["providers"]] == [("nebius", None), ("scaleway", True)]


def test_a_requests_cost_is_its_tokens_times_the_published_prices_rounded_up_to_a_nano_dollar() -> None:
    rng = random.Random(3)
    priced = [o for m in ROUTER_MODELS for o in m.offers if o.input_usd is not None and o.output_usd is not None]
    assert priced and any(o.is_free for o in priced)  # a promo: billed $0 whatever its list price
    for offer in priced:
        assert offer.input_usd is not None and offer.output_usd is not None
        for prompt, completion in [(0, 0), (1, 0), (0, 1), (1, 1), (999_999, 1)] + [
                (rng.randint(0, 200_000), rng.randint(0, 200_000)) for _ in range(200)]:
            usd = 0 if offer.is_free else (prompt * offer.input_usd + completion * offer.output_usd) / 1_000_000
            assert offer.cost_nano_usd(prompt, completion) == math.ceil(usd * 10**9), (offer, prompt, completion)


def test_provider_suffixes_choose_the_provider(hub: FakeHub) -> None:
    assert chat(hub, f"{QWEN}:novita").headers["x-inference-provider"] == "novita"
    assert chat(hub, f"{QWEN}:cheapest").headers["x-inference-provider"] == "together"  # lowest output price
    assert chat(hub, f"{QWEN}:fastest").headers["x-inference-provider"] == "fireworks-ai"
    assert chat(hub, QWEN).headers["x-inference-provider"] == "fireworks-ai"  # :fastest is the default
    assert chat(hub, f"{QWEN}:groq").status_code == 400


def test_a_request_books_a_placeholder_then_settles_to_tokens_times_price(clock: Clock) -> None:
    scn = demo_scenario(0, discrepancies=False)
    hub, twin = FakeHub(scn, now=clock), FakeHub(scn, now=clock)
    r = chat(hub, f"{QWEN}:novita", x_hf_session_id="my-session")
    assert r.status_code == 200 and r.headers["X-Request-Id"]
    usage = r.json()["usage"]
    assert usage["total_tokens"] == usage["prompt_tokens"] + usage["completion_tokens"]
    assert used(hub) - used(twin) == PLACEHOLDER_NANO_USD
    offer = next(o for o in ROUTER_MODELS[1].offers if o.provider == "novita")
    real = usage["prompt_tokens"] * 200 + usage["completion_tokens"] * 800  # $0.2 / $0.8 per 1M tokens, in nano
    assert real == offer.cost_nano_usd(usage["prompt_tokens"], usage["completion_tokens"])

    def session_cents() -> float | None:
        doc = get_json(hub, f"{HUB}/api/settings/billing/usage-by-inference-session")
        rows = [s for p in doc["periods"] for s in p["sessions"] if s["id"] == "my-session"]
        return rows[0]["costCents"] if rows else None

    assert session_cents() is None  # not reconciled yet
    clock.advance(seconds=hub.scenario.settle_delay_s)
    assert used(hub) - used(twin) == real
    assert session_cents() == real / 10_000_000


def test_bill_to_an_org_charges_the_org(clock: Clock) -> None:
    scn = demo_scenario(0, discrepancies=False)
    hub, twin = FakeHub(scn, now=clock), FakeHub(scn, now=clock)
    assert chat(hub, QWEN, x_hf_bill_to="ada-labs").status_code == 200
    assert used(hub, "ada-labs") - used(twin, "ada-labs") == PLACEHOLDER_NANO_USD
    assert used(hub) == used(twin)
    assert chat(hub, QWEN, x_hf_bill_to="someone-else").status_code == 403


def test_streamed_completion_ends_with_usage_and_done(hub: FakeHub) -> None:
    r = chat(hub, f"{QWEN}:together", stream=True)
    assert r.headers["content-type"].startswith("text/event-stream")
    events = [e[len("data: "):] for e in r.text.split("\n\n") if e]
    assert events[-1] == "[DONE]"
    chunks = [json.loads(e) for e in events[:-1]]
    assert all(c["usage"] is None for c in chunks[:-1]) and chunks[-1]["usage"]["total_tokens"] > 0


def test_free_account_gets_402_when_credits_are_gone_until_placeholders_settle(clock: Clock) -> None:
    hub = FakeHub(demo_scenario(0, plan="free", discrepancies=False), now=clock)
    statuses = [chat(hub, QWEN).status_code for _ in range(5)]
    assert 402 in statuses and statuses[0] == 200
    r = chat(hub, QWEN)
    assert r.status_code == 402 and "included credits" in r.json()["error"]
    clock.advance(seconds=hub.scenario.settle_delay_s + 60)
    assert chat(hub, QWEN).status_code == 200  # true-up replaced the $0.01 placeholders by real costs


def test_a_spending_limit_stops_a_pro_account_too(clock: Clock) -> None:
    hub = FakeHub(demo_scenario(0, spending_limit_usd=1.85), now=clock)
    inf = get_json(hub, over_its_period(hub, f"{HUB}/api/settings/billing/usage-v2"))["usage"]["inferenceProviders"]
    assert inf["limitNanoUsd"] == 1_850_000_000
    statuses = [chat(hub, QWEN).status_code for _ in range(6)]
    assert statuses[0] == 200 and statuses[-1] == 402
