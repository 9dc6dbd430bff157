"""Hardware larger than needed, on the fake's demo scenario: each saving recomputed by hand from the scenario's
catalog prices, GPU memory, model parameter counts and statement minutes.

The fit rule written out again: weights (parameters x bytes of their dtype) x 1.2 <= the instance's GPU memory in
GB of 10^9 bytes. ada-labs/reranker serves a 568M-parameter F32 model (2.27 GB) on a gcp nvidia-l4 x1 (24 GB,
$0.70/h): a gcp nvidia-t4 x1 (16 GB, $0.50/h) fits it. ada/llama-chat serves an 8B BF16 model (16.06 GB; x 1.2 =
19.27 GB) on an aws nvidia-l4 x1 (24 GB, $0.80/h): the only cheaper aws GPU, a t4 x1 (16 GB), does not fit: right.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

import pytest

from hfmon.advice import Advice, Confidence, advise
from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.fakehub import FakeHub, Scenario, demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.fakehub.hub_models import ModelDef
from hfmon.fakehub.scenario import FULL_TOKEN
from hfmon.models import Snapshot, SourceStatus
from hfmon.monitor import served_models
from hfmon.poll_timing import CollectorSettings
from hfmon.pricing.catalog import build_catalog
from hfmon.report import Report
from tests.costs import scenario_expect as expect
from tests.costs.test_scenario import START

D = Decimal
MICRO = D("0.000001")
MONTH_H = D(730)


def compute_price(scn: Scenario, vendor: str, itype: str, size: str) -> Decimal:
    return next(c.price_per_hour for c in scn.endpoint_computes
                if (c.vendor, c.instance_type, c.instance_size) == (vendor, itype, size)
                and c.region == ("us-east-1" if vendor == "aws" else "us-east4"))


async def poll(scn: Scenario, now: datetime = START) -> tuple[Snapshot, FakeHub, Collector]:
    clock = FrozenClock(now)
    hub = FakeHub(scn, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    collector = Collector(client, clock)
    return await collector.poll(), hub, collector


async def advised(scn: Scenario, now: datetime = START) -> tuple[Advice, Report]:
    """The advice as the Monitor gives it (catalog from the poll, the served models' sizes), with a week of
    minute-by-minute history, and its Report."""
    snapshot, _, collector = await poll(scn, now)
    await collector.aclose()
    history = expect.history(scn, now)
    catalog = build_catalog(snapshot)
    report = evaluate(snapshot, history, Config(), now, catalog=catalog)
    return advise(report, history, catalog, models=served_models(snapshot)), report


async def advice_of(scn: Scenario, now: datetime = START) -> Advice:
    return (await advised(scn, now))[0]


def oversized(advice: Advice) -> dict[str, object]:
    return {f.resource: f for f in advice.findings if f.kind == "oversized_hardware"}


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return demo_scenario()


async def test_an_oversized_endpoint_and_its_saving_by_hand(scenario: Scenario) -> None:
    advice = await advice_of(scenario)
    found = oversized(advice)
    reranker = found["endpoint ada-labs/reranker"]
    l4 = compute_price(scenario, "gcp", "nvidia-l4", "x1")
    t4 = compute_price(scenario, "gcp", "nvidia-t4", "x1")
    assert (l4, t4) == (D("0.7"), D("0.5"))
    # measured: its replica-hours on the statement this period, at that pace for a month of 730 h
    minutes = expect.endpoints(scenario, START)["ada-labs/reranker"].minutes
    period_h = D((START - expect.period_of(START)[0]) // timedelta(seconds=1)) / 3600
    replica_h_month = D(minutes) / 60 * MONTH_H / period_h
    assert reranker.saving_usd_month == ((l4 - t4) * replica_h_month).quantize(MICRO)
    assert reranker.cost_usd_month == (l4 * replica_h_month).quantize(MICRO)
    assert reranker.confidence is Confidence.MEASURED
    assert "gcp/nvidia-t4/x1" in reranker.change
    assert "1.2" in reranker.assumption  # the fit rule is stated
    assert "567,754,752 F32 parameters = 2.27 GB" in reranker.evidence[0]
    assert reranker.apply.cli == ("hf endpoints update reranker --namespace ada-labs --instance-type nvidia-t4 "
                                  "--instance-size x1")
    assert reranker.apply.api == ('PUT https://api.endpoints.huggingface.cloud/v2/endpoint/ada-labs/reranker '
                                  '{"compute": {"instanceType": "nvidia-t4", "instanceSize": "x1"}}')
    # northwind's statement is unreadable and summarizer bills nothing now (updating): its min replica is no
    # floor of what it will bill, so the saving is unknown, never $2,263/month "at least"
    summarizer = found["endpoint northwind/summarizer"]
    assert summarizer.saving_usd_month is None and summarizer.cost_usd_month is None
    assert "not billed now (state updating)" in summarizer.assumption
    assert summarizer.confidence is Confidence.JUDGED


async def test_right_sized_endpoints_get_no_hardware_finding(scenario: Scenario) -> None:
    gb, overhead = D(10**9), D("1.2")
    llama = 8_030_261_248 * 2 * overhead  # BF16
    assert 16 * gb < llama <= 24 * gb  # a T4 (the only cheaper aws GPU) is too small, its L4 fits
    qwen = 32_763_876_352 * 2 * overhead
    assert qwen <= 80 * gb  # its A100 x1 fits; every aws GPU instance with 80 GB or more costs more
    cheaper_big = [c for c in scenario.endpoint_computes if c.vendor == "aws" and c.gpu_memory_gb is not None
                   and c.gpu_memory_gb * gb >= qwen and c.price_per_hour < D("2.5")]
    assert cheaper_big == []
    found = oversized(await advice_of(scenario))
    assert set(found) == {"endpoint ada-labs/reranker", "endpoint northwind/summarizer"}
    assert "endpoint ada/llama-chat" not in found and "endpoint ada-labs/qwen-prod" not in found


def _with_model(scn: Scenario, repo: str, parameters: tuple[tuple[str, int], ...] | None) -> Scenario:
    return replace(scn, models=tuple(replace(m, parameters=parameters) if m.id == repo else m for m in scn.models))


@pytest.mark.parametrize(("parameters", "why"), [
    (None, "the size of BAAI/bge-reranker-v2-m3 is unknown (the Hub lists no safetensors parameter counts for it)"),
    ((("F32", 500_000_000), ("Q4_K", 1_000)), "the size of BAAI/bge-reranker-v2-m3 is unknown (dtype Q4_K has no "
                                               "size hfmon knows)"),
])
async def test_a_model_of_unknown_size_gets_no_finding_and_says_why(
        scenario: Scenario, parameters: tuple[tuple[str, int], ...] | None, why: str) -> None:
    advice = await advice_of(_with_model(scenario, "BAAI/bge-reranker-v2-m3", parameters))
    assert "endpoint ada-labs/reranker" not in oversized(advice)
    assert ("ada-labs", f"endpoint ada-labs/reranker: hardware size not judged: {why}") in advice.not_judged


async def test_gpu_memory_the_catalog_does_not_state_is_unknown_never_guessed(scenario: Scenario) -> None:
    computes = tuple(replace(c, gpu_memory_gb=None) if (c.vendor, c.instance_type) == ("gcp", "nvidia-l4") else c
                     for c in scenario.endpoint_computes)
    advice = await advice_of(replace(scenario, endpoint_computes=computes))
    assert "endpoint ada-labs/reranker" not in oversized(advice)
    assert ("ada-labs", "endpoint ada-labs/reranker: hardware size not judged: the Endpoints catalog does not "
                        "state the GPU memory of gcp/nvidia-l4/x1 in us-east4") in advice.not_judged
    # a cheaper instance whose memory is unstated is not a candidate: the summarizer moves to the next that fits
    computes = tuple(replace(c, gpu_memory_gb=None) if (c.vendor, c.instance_type) == ("gcp", "nvidia-t4") else c
                     for c in scenario.endpoint_computes)
    found = oversized(await advice_of(replace(scenario, endpoint_computes=computes)))
    summarizer = found["endpoint northwind/summarizer"]
    assert "gcp/nvidia-l4/x1" in summarizer.change
    assert summarizer.saving_usd_month is None  # it bills nothing now and its statement is unreadable
    assert "$0.70/h" in summarizer.change
    assert any("have no GPU memory in the catalog" in e for e in summarizer.evidence)


async def test_model_infos_are_fetched_once_for_the_models_served_and_cached(scenario: Scenario) -> None:
    snapshot, hub, collector = await poll(scenario)
    served = sorted({e.repository for e in scenario.endpoints})
    asked = sorted(r.path.removeprefix("/api/models/") for r in hub.requests if r.path.startswith("/api/models/"))
    assert asked == served  # only the models Endpoints serve, each once
    ada = snapshot.namespace("ada")
    assert ada is not None and ada.models is not None and ada.models.status is SourceStatus.OK
    before = len(hub.requests)
    await collector.poll(snapshot)
    assert not any(r.path.startswith("/api/models/") for r in list(hub.requests)[before:])
    await collector.aclose()


def _shared_model(scn: Scenario, repo: str) -> Scenario:
    """The scenario with ada-labs' reranker serving `repo`, which an ada Endpoint serves too."""
    return replace(scn, endpoints=tuple(replace(e, repository=repo) if e.name == "reranker" else e
                                        for e in scn.endpoints))


async def test_a_model_served_in_two_namespaces_is_asked_for_once_per_poll(scenario: Scenario) -> None:
    shared = "BAAI/bge-small-en-v1.5"  # ada's embedder
    snapshot, hub, collector = await poll(_shared_model(scenario, shared))
    await collector.aclose()
    asked = [r.path for r in hub.requests if r.path.startswith("/api/models/")]
    assert asked.count(f"/api/models/{shared}") == 1
    assert len(asked) == len(set(asked)) == 7  # 8 Endpoints, 7 distinct models
    for ns in ("ada", "ada-labs"):
        data = snapshot.namespace(ns)
        assert data is not None and data.models is not None and data.models.status is SourceStatus.OK
        assert shared in [w.repo_id for w in data.models.value or ()]
    assert served_models(snapshot)[shared].parameters == next(m for m in scenario.models if m.id == shared).parameters


async def test_a_shared_model_request_that_fails_fails_each_namespace_it_serves(scenario: Scenario) -> None:
    shared = "BAAI/bge-small-en-v1.5"
    clock = FrozenClock(START)
    hub = FakeHub(_shared_model(scenario, shared), now=clock.now)
    hub.route_faults.append(RouteFault(f"/api/models/{shared}", status=503))
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001, max_retries=0))
    async with Collector(client, clock) as collector:
        snap = await collector.poll()
    assert sum(r.path == f"/api/models/{shared}" for r in hub.requests) == 1
    for ns in ("ada", "ada-labs"):
        data = snap.namespace(ns)
        assert data is not None and data.models is not None
        assert data.models.status is SourceStatus.ERROR and "503" in (data.models.error or "")
    northwind = snap.namespace("northwind")
    assert northwind is not None and northwind.models is not None and northwind.models.status is SourceStatus.OK


async def test_a_poll_without_model_sizes_asks_for_none(scenario: Scenario) -> None:
    clock = FrozenClock(START)
    hub = FakeHub(scenario, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock)
    async with Collector(client, clock) as collector:
        snap = await collector.poll(model_sizes=False)
    assert not any(r.path.startswith("/api/models/") for r in hub.requests)
    assert all(ns.models is None for ns in snap.namespaces)
    full, _, collector = await poll(scenario)
    await collector.aclose()
    every = {s.name: s.status for s in full.sources()}
    assert {s.name: s.status for s in snap.sources()} == {
        name: status for name, status in every.items() if not name.startswith("models:")}  # the rest as before


async def test_a_model_the_hub_does_not_show_is_unknown_and_a_5xx_fails_the_source(scenario: Scenario) -> None:
    gone = replace(scenario, models=tuple(m for m in scenario.models if m.id != "meta-llama/Llama-3.1-8B-Instruct"))
    snapshot, _, collector = await poll(gone)
    await collector.aclose()
    weights = served_models(snapshot)["meta-llama/Llama-3.1-8B-Instruct"]
    assert weights.parameters is None and weights.unknown_reason == "the Hub did not show it to this token (404)"
    clock = FrozenClock(START)
    hub = FakeHub(scenario, now=clock.now)
    hub.route_faults.append(RouteFault("/api/models/BAAI/*", status=503))
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001, max_retries=0))
    async with Collector(client, clock, settings=CollectorSettings()) as failing:
        snap = await failing.poll()
    ada = snap.namespace("ada")
    assert ada is not None and ada.models is not None
    assert ada.models.status is SourceStatus.ERROR and "503" in (ada.models.error or "")


def test_the_fake_answers_expand_as_the_hub_does() -> None:
    import httpx2

    scn = demo_scenario()
    hub = FakeHub(scn, now=lambda: START)
    with httpx2.Client(transport=hub.transport(), base_url="https://huggingface.co") as http:
        only = http.get("/api/models/BAAI/bge-reranker-v2-m3", params={"expand": "safetensors"}).json()
        assert only == {"_id": ModelDef("BAAI/bge-reranker-v2-m3", "", "", None).entity_id,
                        "id": "BAAI/bge-reranker-v2-m3",
                        "safetensors": {"parameters": {"F32": 567_754_752}, "total": 567_754_752}}
        assert http.get("/api/models/BAAI/bge-reranker-v2-m3", params={"expand": "weights"}).status_code == 400
        assert "safetensors" not in http.get("/api/models/stabilityai/sd-turbo").json()
        assert http.get("/api/models/nobody/nothing").status_code == 404


def test_the_parser_reads_counts_and_says_why_a_size_is_unknown() -> None:
    from hfmon.api.parse_models import parse_model_weights
    from hfmon.errors import BadResponseError

    read = parse_model_weights({"id": "a/b", "safetensors": {"parameters": {"BF16": 10, "F32": 2}, "total": 12}},
                               "a/b")
    assert read.parameters == (("BF16", 10), ("F32", 2))
    assert parse_model_weights({"id": "a/b"}, "a/b").unknown_reason == (
        "the Hub lists no safetensors parameter counts for it")
    drift = parse_model_weights({"safetensors": {"parameters": {"BF16": 10, "extra": {}}}}, "a/b")
    assert drift.parameters is None
    assert drift.unknown_reason == "the Hub's parameter counts hold 'extra', which is not a count"
    with pytest.raises(BadResponseError):
        parse_model_weights({"safetensors": {"parameters": {"BF16": -5}}}, "a/b")


async def test_a_namespace_giving_up_on_a_shared_model_request_leaves_it_to_the_others(scenario: Scenario) -> None:
    import asyncio

    from hfmon.modelinfo import ModelWeights

    clock = FrozenClock(START)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=FakeHub(scenario, now=clock.now).transport(), clock=clock)
    answer, sent = asyncio.Event(), []

    async def slow(repo: str) -> ModelWeights:
        sent.append(repo)
        await answer.wait()
        return ModelWeights(repo, (("BF16", 1_000),))

    client.model_weights = slow  # type: ignore[method-assign]
    async with Collector(client, clock) as collector:
        first = asyncio.create_task(collector._weights.once("org/m"))
        second = asyncio.create_task(collector._weights.once("org/m"))
        await asyncio.sleep(0)
        first.cancel()  # the namespace that asked first ran out of its time
        await asyncio.sleep(0)
        answer.set()
        assert (await second).parameters == (("BF16", 1_000),) and sent == ["org/m"]
        assert first.cancelled()
