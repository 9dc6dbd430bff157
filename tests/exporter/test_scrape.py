"""The exporter scraped over real HTTP and parsed with prometheus_client's parser, against the fake scenario.

The account is polled in-process at a frozen scenario time (the real collector against the fake), `/metrics` is
served by the exporter's own server on a free loopback port, and every figure checked is worked out again from
the scenario definition (`tests.costs.scenario_expect`), not from hfmon's cost code.
"""

from __future__ import annotations

import urllib.request
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from prometheus_client.parser import text_string_to_metric_families

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.exporter.serve import AccountWatch, MetricsServer, rejected_token_delay
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.scenario import Scenario
from hfmon.monitor import Monitor
from hfmon.store.db import HistoryStore
from tests.costs import scenario_expect as expect

D = Decimal
START = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
NO_BILLING = "northwind"  # the full token cannot read this org's billing
Labels = frozenset[tuple[str, str]]


def exposition(port: int) -> str:
    """The /metrics page as Prometheus reads it."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as resp:
        assert resp.status == 200
        text: str = resp.read().decode()
        return text


def scrape(port: int) -> dict[str, dict[Labels, float]]:
    """GET /metrics and parse it: sample name → {labels: value}."""
    out: dict[str, dict[Labels, float]] = {}
    for family in text_string_to_metric_families(exposition(port)):
        for sample in family.samples:
            out.setdefault(sample.name, {})[frozenset(sample.labels.items())] = sample.value
    return out


def lab(**labels: str) -> Labels:
    return frozenset({"account": "default", **labels}.items())


@dataclass
class Exporter:
    hub: FakeHub
    clock: FrozenClock
    watch: AccountWatch
    port: int


@asynccontextmanager
async def serving(store: HistoryStore | None = None, seed: int = 0,
                  scenario: Scenario | None = None) -> AsyncIterator[Exporter]:
    """The exporter of the demo account at START, serving on a free loopback port (with `store`: history on; `seed`:
    the demo's; `scenario`: another account)."""
    clock = FrozenClock(START)
    hub = FakeHub(scenario or demo_scenario(seed), now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    watch = AccountWatch("default", Monitor(Collector(client, clock), clock, Config(), store), 60.0)
    server = MetricsServer([watch], "127.0.0.1", 0)
    try:
        yield Exporter(hub, clock, watch, server.port)
    finally:
        server.close()
        await watch.monitor.aclose()
        watch.monitor.close()


@pytest.fixture
async def exporter() -> AsyncIterator[Exporter]:
    async with serving() as served:
        yield served


async def test_before_the_first_poll_only_the_poll_counters_are_served(exporter: Exporter) -> None:
    metrics = scrape(exporter.port)
    assert metrics["hfmon_polls_total"] == {lab(): 0.0}
    assert "hfmon_cost_per_hour_usd" not in metrics  # nothing known yet: no figure, not zeros
    assert "hfmon_source_up" not in metrics


async def test_figures_match_the_scenario(exporter: Exporter) -> None:
    await exporter.watch.poll_once()
    metrics = scrape(exporter.port)
    scn = exporter.hub.scenario
    assert metrics["hfmon_polls_total"] == {lab(): 1.0}
    assert metrics["hfmon_last_poll_timestamp_seconds"] == {lab(): START.timestamp()}

    # $/h now of every resource, labelled by namespace, kind, name, hardware and state; unpriced: absent.
    per_hour = metrics["hfmon_cost_per_hour_usd"]
    by_name = {(dict(k)["kind"], dict(k)["namespace"], dict(k)["name"]): (v, dict(k)) for k, v in per_hour.items()}
    for ep_id, want in expect.endpoints(scn, START).items():
        ns, name = ep_id.split("/")
        value, labels = by_name[("endpoint", ns, name)]
        assert value == pytest.approx(float(want.cost_per_hour)), ep_id
        ep = next(e for e in scn.endpoints if e.id == ep_id)
        assert labels["hardware"] == f"{ep.compute.vendor}/{ep.compute.instance_type}/{ep.compute.instance_size}"
    for space_id, want in expect.spaces(scn, START).items():
        ns, name = space_id.split("/")
        if want.cost_per_hour is None:  # the h100 Space no catalog prices
            assert ("space", ns, name) not in by_name, space_id
        else:
            assert by_name[("space", ns, name)][0] == pytest.approx(float(want.cost_per_hour)), space_id
    running = {job_id: want for job_id, want in expect.jobs(scn, START).items() if want.replicas_now}
    assert {k[2] for k in by_name if k[0] == "job"} == set(running)
    for job_id, want in running.items():
        job = next(j for j in scn.jobs if j.id == job_id)
        assert by_name[("job", job.namespace, job_id)][0] == pytest.approx(float(want.cost_per_hour))

    # Billed this period per resource, and per namespace and product.
    spend = metrics["hfmon_resource_spend_usd"]
    for ep_id, want in expect.endpoints(scn, START).items():
        ns, name = ep_id.split("/")
        billed = spend.get(lab(namespace=ns, kind="endpoint", name=name, source="billed"))
        if ns == NO_BILLING:
            assert billed is None  # its statement is unreadable: unknown, not $0
        else:
            assert billed == pytest.approx(float(want.billed_usd)), ep_id
    for ns in ("ada", "ada-labs"):
        want_eps = sum((w.billed_usd for k, w in expect.endpoints(scn, START).items() if k.startswith(f"{ns}/")), D(0))
        assert metrics["hfmon_spend_usd"][lab(namespace=ns, product="endpoints", source="billed")] == \
            pytest.approx(float(want_eps))
    assert not any(dict(k)["namespace"] == NO_BILLING for k in metrics["hfmon_spend_usd"])

    # Credits: used (placeholders included) and included, per namespace with billing access.
    for ns, included in (("ada", D(2)), ("ada-labs", D(10))):
        used, _, _ = expect.inference(exporter.hub, ns, START)
        assert metrics["hfmon_credits_used_usd"][lab(namespace=ns)] == pytest.approx(float(used))
        assert metrics["hfmon_credits_included_usd"][lab(namespace=ns)] == float(included)
    assert lab(namespace=NO_BILLING) not in metrics["hfmon_credits_used_usd"]

    # The meter: ada-labs' Spaces include the unpriced h100, so their total is absent and its known part shown.
    meter = metrics["hfmon_running_cost_per_hour_usd"]
    assert lab(namespace="ada-labs", kind="spaces") not in meter
    priced = sum((w.cost_per_hour or D(0) for k, w in expect.spaces(scn, START).items() if k.startswith("ada-labs/")),
                 D(0))
    assert metrics["hfmon_running_cost_per_hour_at_least_usd"][lab(namespace="ada-labs", kind="spaces")] == \
        pytest.approx(float(priced))
    assert metrics["hfmon_running_cost_missing_parts"][lab(namespace="ada-labs", kind="spaces")] == 1.0
    ada_eps = sum((w.cost_per_hour or D(0) for k, w in expect.endpoints(scn, START).items() if k.startswith("ada/")),
                  D(0))
    assert meter[lab(namespace="ada", kind="endpoints")] == pytest.approx(float(ada_eps))

    # Sources: every one answered; northwind's billing ones say the token lacks the permission.
    up, no_access = metrics["hfmon_source_up"], metrics["hfmon_source_no_access"]
    assert set(up.values()) == {1.0}
    denied = {dict(k)["source"] for k, v in no_access.items() if v == 1.0}
    assert denied == {f"{kind}:{NO_BILLING}" for kind in
                      ("billing", "statement", "sessions", "live", "resource_group_usage")}
    assert metrics["hfmon_unpriced_resources"] == {lab(): 1.0}


async def test_a_rejected_token_is_retried_ever_less_often_and_never_served_as_zeros() -> None:
    clock = FrozenClock(START)
    hub = FakeHub(demo_scenario(), now=clock.now)
    client = HubClient("hf_revoked_token", BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    watch = AccountWatch("default", Monitor(Collector(client, clock), clock, Config(), None), 60.0)
    server = MetricsServer([watch], "127.0.0.1", 0)
    try:
        delays = []
        for _ in range(3):
            await watch.poll_once()
            delays.append(watch.next_delay())
        assert watch.rejected_in_a_row == 3
        assert delays == [120.0, 240.0, 480.0]  # 60 s doubled per rejected poll in a row
        metrics = scrape(server.port)
        assert metrics["hfmon_polls_total"] == {lab(): 3.0}
        assert "hfmon_cost_per_hour_usd" not in metrics  # nothing was read: no figure, not zeros
    finally:
        server.close()
        await watch.monitor.aclose()


def test_the_rejected_token_delay_doubles_up_to_an_hour_and_never_shortens_the_interval() -> None:
    assert rejected_token_delay(60.0, 0) == 60.0
    assert rejected_token_delay(60.0, 1) == 120.0
    assert rejected_token_delay(60.0, 5) == 1920.0
    assert rejected_token_delay(60.0, 6) == 3600.0  # 3,840 s capped at an hour
    assert rejected_token_delay(60.0, 500) == 3600.0
    assert rejected_token_delay(7200.0, 3) == 7200.0  # an interval above the cap is kept as it is


async def test_the_provider_series_add_up_to_each_namespaces_inference_spend(exporter: Exporter) -> None:
    """Finding 10: the part no per-provider split covers is a series of its own (provider="not_broken_down"), so
    a namespace's provider series add up to its inference spend; each namespace has its own, so a team can alert
    per org."""
    await exporter.watch.poll_once()
    metrics = scrape(exporter.port)
    providers = metrics["hfmon_inference_provider_spend_usd"]
    assert {dict(k)["namespace"] for k in providers} == {"ada", "ada-labs"}  # northwind's billing is unreadable
    for ns in ("ada", "ada-labs"):
        used = expect.inference(exporter.hub, ns, START)[0]  # usage-v2: before the second of the poll
        split = expect.inference(exporter.hub, ns, START, live=True)[2]  # the live stream: up to it
        assert metrics["hfmon_spend_usd"][lab(namespace=ns, product="inference", source="billed")] == \
            pytest.approx(float(used))
        mine = {dict(k)["provider"]: v for k, v in providers.items() if dict(k)["namespace"] == ns}
        assert mine.keys() == {*split, "not_broken_down"}
        for provider, usd in split.items():
            assert mine[provider] == pytest.approx(float(usd)), (ns, provider)
        assert mine["not_broken_down"] == pytest.approx(float(used - sum(split.values(), D(0))))
        assert sum(mine.values()) == pytest.approx(float(used))


async def test_the_provider_series_are_over_the_credits_period_and_their_help_says_so() -> None:
    """ada's Inference Providers period starts on the 15th (usage-v2 names Nov 15 - Dec 15) while the statement's is
    the month: the provider series are usage-v2's split since Nov 15, so they add up to hfmon_credits_used_usd, and
    hfmon_spend_usd{product="inference",source="billed"} (the month's) is absent. Their HELP said "this period" and
    "add up to hfmon_spend_usd{...}": both wrong here."""
    async with serving(scenario=replace(demo_scenario(0), usage_period_day=15)) as exporter:
        await exporter.watch.poll_once()
        metrics = scrape(exporter.port)
        text = exposition(exporter.port)
    ada = lab(namespace="ada")
    assert metrics["hfmon_period_start_timestamp_seconds"][ada] == datetime(2026, 11, 15, tzinfo=UTC).timestamp()
    mine = [v for k, v in metrics["hfmon_inference_provider_spend_usd"].items() if dict(k)["namespace"] == "ada"]
    assert len(mine) > 1 and sum(mine) == pytest.approx(metrics["hfmon_credits_used_usd"][ada])
    assert lab(namespace="ada", product="inference", source="billed") not in metrics.get("hfmon_spend_usd", {})
    [said] = [line for line in text.splitlines() if line.startswith("# HELP hfmon_inference_provider_spend_usd ")]
    assert "over the namespace's credits period (usage-v2's, from hfmon_period_start_timestamp_seconds" in said
    assert "add up to its hfmon_credits_used_usd" in said and "this period" not in said
    [said] = [line for line in text.splitlines() if line.startswith("# HELP hfmon_inference_provider_requests ")]
    assert "over the namespace's credits period" in said and "this period" not in said
