"""End to end on the shapes the real service sends (hf-api.md 0.5): the real `hfmon --once` against the loopback
fake, pinned at the scenario's start instant.

Expected figures come from the scenario (tests.costs.scenario_expect walks the timelines on its own). hfmon reads
the machine's clock, the fake does not: only figures that do not depend on hfmon's clock are asserted (statement
lines, catalog prices, states and replicas), so the tests give the same answer on any day.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import jsonschema
import pytest

from hfmon.fakehub import demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.schemas import once_schema
from tests.cli import test_once_e2e as e2e
from tests.cli.test_once_e2e import Served
from tests.costs import scenario_expect as expect

pytestmark = pytest.mark.e2e
fake = e2e.fake  # the loopback fixture: a fake hub on 127.0.0.1, frozen at the scenario's start

D = Decimal
MICRO = Decimal("0.000001")


def usd(amount: Decimal | None) -> float | None:
    return None if amount is None else float(amount.quantize(MICRO))


def by_key(items: list[dict[str, Any]], key: Callable[[dict[str, Any]], str]) -> dict[str, dict[str, Any]]:
    return {key(item): item for item in items}


def test_the_real_shapes_are_read_without_errors_and_without_false_drift(fake: Callable[..., Served]) -> None:
    served = fake(demo_scenario(seed=7, discrepancies=False))
    run = served.run("--once", "--json")
    assert run.code == 0, run.stderr
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    assert all(s["status"] in ("ok", "no_access") for s in doc["sources"].values()), doc["sources"]
    # No request to a route the real service lacks, and no per-org overview: plans come from whoami.
    paths = [r.path for r in served.hub.requests]
    assert not [p for p in paths if p.startswith("/api/organizations/") and p.endswith("/billing/usage/jobs")]
    assert not [p for p in paths if p.endswith("/overview")]
    assert "job_charges:ada-labs" not in doc["sources"] and doc["sources"]["job_charges:ada"]["status"] == "ok"
    assert {o["name"]: o["plan"] for o in doc["account"]["orgs"]} == {o.name: o.plan for o in served.hub.scenario.orgs}
    assert doc["account"]["orgs_why"] is None  # listed by whoami: known
    # Statement and compute rows (they do not depend on hfmon's clock): nothing drifts, nothing is unpriced.
    compute = [c for c in doc["crosscheck"] if not c["item"].startswith(("inference", "total inference"))]
    assert compute and {c["status"] for c in compute} == {"ok"}, [c for c in compute if c["status"] != "ok"]
    assert doc["unpriced"] == []


def test_org_credits_are_read_without_a_usage_v2_period(fake: Callable[..., Served]) -> None:
    served = fake()
    doc = served.run("--once", "--json").doc()
    team = next(c for c in doc["org_credits"] if c["namespace"] == "ada-labs")
    # ada-labs' usage-v2 omits periodStart/periodEnd: the period is its statement's (the fake's November).
    assert (team["period_start"], team["period_end"]) == ("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")
    assert team["included_usd"] == 10.0  # $2 per seat, five seats
    assert doc["sources"]["billing:ada-labs"]["status"] == "ok"
    spend = by_key(doc["spend"], lambda s: s["namespace"])["ada-labs"]
    now = served.hub.scenario.start
    team_jobs = [e for key, e in expect.jobs(served.hub.scenario, now).items()
                 if any(j.id == key and j.namespace == "ada-labs" for j in served.hub.scenario.jobs)]
    # the org's job spend comes from its statement's jobs lines (there is no org usage/jobs route)
    assert spend["jobs_usd"] == usd(sum((e.billed_usd for e in team_jobs), D(0)))


def test_where_the_service_varies_hfmon_follows_the_billing_rules(fake: Callable[..., Served]) -> None:
    served = fake()
    scn, now = served.hub.scenario, served.hub.scenario.start
    doc = served.run("--once", "--json").doc()
    spaces = by_key(doc["spaces"], lambda s: s["id"])
    endpoints = by_key(doc["endpoints"], lambda e: f"{e['namespace']}/{e['name']}")
    want_spaces, want_endpoints = expect.spaces(scn, now), expect.endpoints(scn, now)
    hourly = {f.name: D(f.unit_micro_usd) * 60 / 10**6 for f in scn.space_flavors}

    # A Space on a granted GPU: $0/h, billed $0, recomputed $0, no drift, labelled granted; the catalog price shows.
    granted = spaces["ada/community-gpu"]
    assert granted["granted"] is True and granted["stage"] == "RUNNING"
    assert (granted["cost_per_hour_usd"], granted["billed_usd"], granted["recomputed_usd"]) == (0.0, 0.0, 0.0)
    assert granted["price_per_hour_usd"] == usd(hourly["a10g-small"])
    assert granted["billed_hours"] == float((D(want_spaces["ada/community-gpu"].minutes) / 60).quantize(D("0.0001")))
    row = by_key(doc["crosscheck"], lambda c: c["item"])["space ada/community-gpu a10g-small"]
    assert (row["status"], row["billed_usd"], row["recomputed_usd"]) == ("ok", 0.0, 0.0)
    assert not [s for s in doc["spaces"] if s["granted"] and s["id"] != "ada/community-gpu"]

    # A Space scaling from one replica to two: billed for the one it has (current), not the one requested.
    rag = spaces["ada-labs/rag-service"]
    assert (rag["replicas"], rag["cost_per_hour_usd"]) == (1, usd(hourly["l4x1"]))
    assert rag["billed_usd"] == usd(want_spaces["ada-labs/rag-service"].billed_usd)

    # An endpoint initializing a second replica while the first serves: both are billed (scale-up time bills).
    llama = endpoints["ada/llama-chat"]
    price = next(e.compute.price_per_hour for e in scn.endpoints if e.id == "ada/llama-chat")
    assert (llama["state"], llama["replicas"], llama["cost_per_hour_usd"]) == ("initializing", 2, usd(price * 2))
    assert llama["billed_usd"] == usd(want_endpoints["ada/llama-chat"].billed_usd)
    assert llama["recomputed_usd"] == usd(want_endpoints["ada/llama-chat"].recomputed_usd)

    # The meter counts what bills now, at its current replicas, and leaves the grant out.
    running = sum((e.cost_per_hour for e in [*want_spaces.values(), *want_endpoints.values(),
                                            *expect.jobs(scn, now).values()]
                   if e.cost_per_hour is not None), D(0))
    uncataloged = [d for d in scn.discrepancies if d.kind == "uncataloged"]  # billed, but no price: not in the sum
    meter = doc["running_cost_per_hour_usd"]
    assert uncataloged and (meter["value"], meter["at_least"]) == (None, usd(running))
    assert meter["missing"] == [f"unpriced:space {uncataloged[0].resource} (h100)"]

    # A protected Space: its files are not public, so its storage is private.
    repos = by_key(doc["storage"]["repos"], lambda r: r["id"])
    assert repos["ada-labs/internal-dashboard"]["private"] is True


def test_the_text_summary_says_granted(fake: Callable[..., Served]) -> None:
    run = fake().run("--once", "--namespace", "ada")  # ada's seven Spaces fit the summary's eight rows
    assert run.code == 0, run.stderr
    line = next(x for x in run.stdout.splitlines() if "ada/community-gpu" in x)
    assert "granted" in line and "$0.00" in line  # $/h now: granted; billed: $0.00


def test_a_free_accounts_zero_gpu_runs(fake: Callable[..., Served]) -> None:
    served = fake(demo_scenario(seed=7, plan="free"))
    run = served.run("--once", "--json")
    zero = run.doc()["zero_gpu"]
    # 15:00 is 20,880 s after the 09:12 window start: 522 s used of 300 (none left), one run per 170 min: 3 of 8.
    assert (zero["base_s"], zero["remaining_s"]) == (300, 0)
    assert zero["runs"] == {"used": 3, "limit": 8, "remaining": 5, "resets_at": "2026-11-19T09:12:00Z"}
    text = served.run("--once").stdout
    assert "runs 3/8 used, 5 left" in text


def test_a_failing_live_stream_is_a_source_error_not_an_empty_breakdown(fake: Callable[..., Served]) -> None:
    served = fake()
    served.hub.route_faults.append(RouteFault("/api/settings/billing/usage/live", status=500))
    run = served.run("--once", "--json")
    assert run.code == 1  # partial data, per the README's exit codes
    doc = run.doc()
    assert doc["sources"]["live:ada"]["status"] == "error"
    # ada's spend has no split: only ada-labs' providers are listed, ada's spend is `not_broken_down`
    team_providers = {p for m in demo_scenario(seed=7).traffic if m.namespace == "ada-labs" for _, p, _ in m.mix}
    assert {p["provider"] for p in doc["inference"]["by_provider"]} <= team_providers  # e.g. no "novita"
    assert doc["credits"] is not None and doc["credits"]["included_usd"] == 2.0  # usage-v2 still stands


def test_a_live_stream_that_never_sends_usage_is_a_source_error(fake: Callable[..., Served]) -> None:
    served = fake()
    keepalive_only = b"event: count\ndata: {\"count\": 0}\n\nevent: usage\ndata: {\"rateLimits\": {}}\n\n"
    served.hub.route_faults.append(RouteFault("/api/organizations/ada-labs/billing/usage/live", body=keepalive_only))
    run = served.run("--once", "--json")
    assert run.code == 1
    doc = run.doc()
    assert doc["sources"]["live:ada-labs"]["status"] == "error" and doc["sources"]["live:ada"]["status"] == "ok"
    # ada-labs' spend has no split: only ada's providers are listed (together also serves ada)
    user_providers = {p for m in demo_scenario(seed=7).traffic if m.namespace == "ada" for _, p, _ in m.mix}
    assert {p["provider"] for p in doc["inference"]["by_provider"]} <= user_providers
