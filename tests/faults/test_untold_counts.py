"""Request counts HF did not send, and a provider split that counts more than the total it was read after: unknown
(null with why, "at least" on screen), never 0 nor a negative remainder. Through the real
`python -m hfmon --once [--json]` against the fake Hugging Face on loopback (the demo account: ada, ada-labs, and
northwind, whose billing the token may not read)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import httpx2
import jsonschema
import pytest

from hfmon.fakehub import FULL_TOKEN
from hfmon.schemas import once_schema
from tests.faults.harness import Served

pytestmark = pytest.mark.e2e

ADA_V2 = "/api/settings/billing/usage-v2"
LABS_V2 = "/api/organizations/ada-labs/billing/usage-v2"
ADA_LIVE = "/api/settings/billing/usage/live"
LABS_LIVE = "/api/organizations/ada-labs/billing/usage/live"
COUNT_UNTOLD = "request count unknown, as HF did not give every count"


def recorded(seen: dict[str, Any], name: str, change: Any = None) -> Any:
    """A JSON edit that keeps a copy of what the fake sent under `name` (its first answer: the period so far; a later
    one is usage-v2 asked for the period up to a day ago), then applies `change` (if any)."""

    def edit(body: Any) -> Any:
        seen.setdefault(name, json.loads(json.dumps(body)))
        return change(body) if change else body

    return edit


def live_usage(served: Served, path: str) -> dict[str, Any]:
    """The first complete `usage` event the fake's live stream sends (the fake stands still: hfmon gets the same)."""
    got = httpx2.get(served.base_url + path, timeout=10,
                     headers={"authorization": f"Bearer {FULL_TOKEN}", "accept": "text/event-stream"})
    for event in got.text.split("\n\n"):
        lines = dict(line.split(": ", 1) for line in event.strip().splitlines() if ": " in line)
        data = json.loads(lines.get("data", "null"))
        if lines.get("event") == "usage" and "usedNanoUsd" in (data or {}).get("inference", {}):
            return dict(data)
    raise AssertionError("no complete usage event")


def as_event(payload: dict[str, Any]) -> bytes:
    return b"event: usage\ndata: " + json.dumps(payload).encode() + b"\n\n"


def test_usage_v2_without_num_requests_makes_the_count_at_least_not_zero(served: Served) -> None:
    seen: dict[str, Any] = {}

    def drop_count(body: Any) -> Any:
        del body["usage"]["inferenceProviders"]["numRequests"]
        return body

    served.fault(ADA_V2, edit=recorded(seen, "ada", drop_count))
    served.fault(LABS_V2, edit=recorded(seen, "ada-labs"))
    # the count goes with the spend hfmon takes, the live event's (HF's later word, read no earlier than usage-v2):
    # ada's event without it too, never usage-v2's earlier count beside the event's spend
    ada_live = live_usage(served, ADA_LIVE)
    served.fault(ADA_LIVE, body=as_event({**ada_live, "inference": {
        k: v for k, v in ada_live["inference"].items() if k != "numRequests"}}))
    run = served.run("--once", "--json", "--no-history")
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    labs = live_usage(served, LABS_LIVE)["inference"]["numRequests"]
    assert seen["ada"]["usage"]["inferenceProviders"]["numRequests"] > 0  # ada did make requests: 0 would be wrong
    inf = doc["inference"]
    # ada's count is unknown: only ada-labs' is known; northwind's billing is unreadable
    assert inf["requests"] == {"value": None, "at_least": labs, "complete": False,
                               "missing": ["request_count:ada", "billing:northwind"]}
    rest = inf["not_broken_down"]
    assert rest["requests"] is None and rest["why"] == f"ada: {COUNT_UNTOLD}"  # whose rest is unknown
    # the spend is still known: the providers and the rest add up to it
    split = sum(p["cost_usd"] for p in inf["by_provider"])
    assert rest["cost_usd"] == pytest.approx(inf["cost_usd"]["at_least"] - split, abs=1e-5)  # each micro-rounded
    text = served.run("--once", "--no-history").stdout
    assert f"at least {labs:,} requests" in text
    assert f"not broken down: ada: {COUNT_UNTOLD}" in " ".join(text.split())


def test_a_provider_without_num_requests_has_an_unknown_count_not_zero(served: Served) -> None:
    usage = live_usage(served, ADA_LIVE)
    first = usage["inference"]["providerDetails"][0]
    untold = first["provider"]
    del first["numRequests"]
    served.fault(ADA_LIVE, body=as_event(usage))
    labs = live_usage(served, "/api/organizations/ada-labs/billing/usage/live")["inference"]["providerDetails"]
    doc = served.run("--once", "--json", "--no-history").doc()
    jsonschema.validate(doc, once_schema())
    by = {p["provider"]: p for p in doc["inference"]["by_provider"]}
    assert by[untold]["requests"] is None  # unknown: not 0, and not ada-labs' count alone
    spent = first["totalCostNanoUsd"] + sum(p["totalCostNanoUsd"] for p in labs if p["provider"] == untold)
    assert by[untold]["cost_usd"] == pytest.approx(spent / 1e9, abs=1e-6)  # ada's and ada-labs' spend still counted
    rest = doc["inference"]["not_broken_down"]
    assert rest["requests"] is None and rest["why"] == f"ada: {COUNT_UNTOLD}"
    assert doc["inference"]["requests"]["complete"] is False  # northwind unread, as ever; ada's own total is told


def test_a_split_that_counts_more_than_the_total_leaves_the_rest_unknown_never_negative(served: Served) -> None:
    seen: dict[str, Any] = {}

    def spent_nothing_yet(body: Any) -> Any:  # usage-v2 read before the split saw any of ada's spend
        body["usage"]["inferenceProviders"]["usedNanoUsd"] = 0
        return body

    served.fault(ADA_V2, edit=recorded(seen, "ada", spent_nothing_yet))
    served.fault(LABS_V2, edit=recorded(seen, "ada-labs"))
    ada_live = live_usage(served, ADA_LIVE)
    ada_split = sum(p["totalCostNanoUsd"] for p in ada_live["inference"]["providerDetails"])
    # the live event's own total too (hfmon takes it over usage-v2's, as HF's later figure): its split runs ahead
    served.fault(ADA_LIVE, body=as_event({**ada_live, "inference": {**ada_live["inference"], "usedNanoUsd": 0}}))
    labs_live = live_usage(served, LABS_LIVE)["inference"]
    run = served.run("--once", "--json", "--no-history")
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    labs_total = labs_live["usedNanoUsd"]
    labs_split = sum(p["totalCostNanoUsd"] for p in labs_live["providerDetails"])
    # the providers count ada's whole split more than the total, less what ada-labs' total has beyond its split
    ahead = Decimal(ada_split + labs_split - labs_total) / 10**9
    assert ahead > 0
    rest = doc["inference"]["not_broken_down"]
    assert rest["cost_usd"] is None  # never -$ahead
    assert rest["why"].startswith(f"ada: cost unknown, as the providers count ${ahead:,.2f} more than the total")
    assert doc["inference"]["cost_usd"]["at_least"] == pytest.approx(float(labs_total) / 1e9, abs=1e-6)
    text = served.run("--once", "--no-history").stdout
    said = " ".join(text.split())  # wrapped to the width
    assert f"not broken down: ada: cost unknown, as the providers count ${ahead:,.2f} more than the total" in said
