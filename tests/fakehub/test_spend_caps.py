"""Generated Inference Providers traffic stops at a hard cap, as HF answers 402 (hf-api.md 3.2, 3.6).

A free account cannot pay past its included credits, and a spending limit stops any account: once the period's
spend (placeholders included) has reached the cap, further requests are refused and never billed. Spend can
pass the cap only by what was in flight when it was reached (at most one $0.01 placeholder here).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from hfmon.fakehub import FakeHub, demo_scenario
from tests.fakehub.conftest import HUB, get, get_json, over_its_period

END = datetime(2026, 11, 30, 23, 0, tzinfo=UTC)
PLACEHOLDER = 10_000_000


def inference(hub: FakeHub, ns: str = "ada") -> dict[str, int]:
    path = "/api/settings/billing/usage-v2" if ns == "ada" else f"/api/organizations/{ns}/billing/usage-v2"
    block: dict[str, int] = get_json(hub, over_its_period(hub, HUB + path))["usage"]["inferenceProviders"]
    return block


def test_a_free_account_stops_at_its_included_credits() -> None:
    hub = FakeHub(demo_scenario(0, plan="free"), now=lambda: END)
    inf = inference(hub)
    assert inf["includedNanoUsd"] <= inf["usedNanoUsd"] <= inf["includedNanoUsd"] + PLACEHOLDER
    free = demo_scenario(0, plan="free")
    paying = FakeHub(replace(free, user=replace(free.user, plan="pro")), now=lambda: END)  # same traffic, no cap
    assert inf["numRequests"] < inference(paying)["numRequests"] - 10  # the rest of the month was refused


def test_a_spending_limit_stops_generated_traffic_too() -> None:
    hub = FakeHub(demo_scenario(0, spending_limit_usd=3.0), now=lambda: END)
    inf = inference(hub)
    assert inf["limitNanoUsd"] == 3_000_000_000
    assert 3_000_000_000 <= inf["usedNanoUsd"] <= 3_000_000_000 + PLACEHOLDER
    body = get(hub, f"{HUB}/api/settings/billing/usage/live", accept="text/event-stream").text
    live = next(d for d in (json.loads(x[6:]) for x in body.splitlines() if x.startswith("data: ")) if "inference" in d)
    assert sum(p["totalCostNanoUsd"] for p in live["inference"]["providerDetails"]) == inf["usedNanoUsd"]


def test_accounts_that_can_pay_without_a_limit_are_not_capped() -> None:
    capped = FakeHub(demo_scenario(0, spending_limit_usd=3.0), now=lambda: END)
    plain = FakeHub(demo_scenario(0), now=lambda: END)
    assert inference(plain)["usedNanoUsd"] > 10 * 10**9  # a PRO user with no limit runs well past $2
    assert inference(capped, "ada-labs") == inference(plain, "ada-labs")  # the limit is the user's alone


def test_the_period_resets_the_cap() -> None:
    dec = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    hub = FakeHub(demo_scenario(0, plan="free"), now=lambda: dec)
    inf = inference(hub)
    assert 0 < inf["usedNanoUsd"] < inf["includedNanoUsd"]
