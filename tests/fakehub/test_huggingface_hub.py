"""huggingface_hub's own parsers accept the fake: the acceptance test of its shapes."""

from __future__ import annotations

from collections.abc import Iterator

import httpx2
import pytest
from huggingface_hub import HfApi, close_session, constants, set_client_factory
from huggingface_hub.utils._http import default_client_factory

from hfmon.fakehub import FULL_TOKEN, FakeHub
from tests.fakehub.conftest import Clock, get_json

BASE = "http://fake-hub.test"


@pytest.fixture
def api(hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> Iterator[HfApi]:
    set_client_factory(lambda: httpx2.Client(transport=hub.transport(), follow_redirects=True))
    monkeypatch.setattr(constants, "INFERENCE_ENDPOINTS_ENDPOINT", f"{BASE}/v2")
    yield HfApi(endpoint=BASE, token=FULL_TOKEN)
    set_client_factory(default_client_factory)
    close_session()


def test_whoami(api: HfApi) -> None:
    me = api.whoami()
    assert me["name"] == "ada" and me["isPro"] is True
    assert [o["name"] for o in me["orgs"]] == ["ada-labs", "northwind"]


def test_list_spaces_with_runtime_across_pages(api: HfApi, hub: FakeHub) -> None:
    spaces = list(api.list_spaces(author="ada", expand=["runtime", "private"]))
    assert hub.requests.count("/api/spaces") == 2  # seven Spaces, five per page
    assert len(spaces) == 7 and all(s.runtime is not None for s in spaces)
    by_id = {s.id: s for s in spaces}
    forgotten = by_id["ada/forgotten-finetune"].runtime
    assert forgotten is not None
    assert (forgotten.stage, forgotten.hardware, forgotten.sleep_time) == ("RUNNING", "a10g-large", None)
    whisper = by_id["ada/whisper-api"].runtime
    assert whisper is not None and whisper.stage == "SLEEPING" and whisper.requested_hardware == "t4-small"


def test_list_models_with_used_storage(api: HfApi, hub: FakeHub) -> None:
    models = list(api.list_models(author="ada-labs", expand=["usedStorage", "private"]))
    want = {r.id: r.used_storage for r in hub.scenario.repos if r.namespace == "ada-labs" and r.kind == "model"}
    assert {m.id: m.used_storage for m in models} == want
    assert list(api.list_datasets(author="ada", expand=["usedStorage"]))[0].used_storage is not None


def test_inference_endpoints(api: HfApi) -> None:
    eps = api.list_inference_endpoints(namespace="ada")
    # llama-chat is scaling up at the start instant: initializing, one of its two replicas ready
    assert {e.name: e.status for e in eps} == {"llama-chat": "initializing", "embedder": "scaledToZero",
                                               "old-sd": "paused"}
    scaling = next(e for e in eps if e.name == "llama-chat")
    assert scaling.repository == "meta-llama/Llama-3.1-8B-Instruct"
    assert (scaling.raw["status"]["readyReplica"], scaling.raw["status"]["targetReplica"]) == (1, 2)
    one = api.get_inference_endpoint("qwen-prod", namespace="ada-labs")
    assert one.url and one.raw["status"]["readyReplica"] == 2


def test_inference_endpoints_hardware(api: HfApi) -> None:
    hw = {h.id: h for h in api.list_inference_endpoints_hardware(namespace="ada")}
    l4 = hw["aws-us-east-1-nvidia-l4-x1"]
    assert (l4.vendor, l4.region, l4.price_per_hour, l4.used_accelerators) == ("aws", "us-east-1", 0.8, 2)


def test_spaces_and_jobs_hardware(api: HfApi) -> None:
    spaces = {h.name: h for h in api.list_spaces_hardware()}
    assert spaces["a10g-large"].unit_cost_micro_usd == 25000 and spaces["a10g-large"].unit_label == "minute"
    jobs = {h.name: h for h in api.list_jobs_hardware()}
    assert jobs["h200"].unit_cost_micro_usd == 83333 and jobs["h200"].accelerator is not None


def test_list_jobs(api: HfApi, hub: FakeHub) -> None:
    jobs = list(api.list_jobs(namespace="ada"))
    assert len(jobs) == sum(1 for j in hub.scenario.jobs if j.namespace == "ada")
    stages = sorted(j.status.stage for j in jobs)
    assert stages == ["COMPLETED", "COMPLETED", "COMPLETED", "ERROR", "RUNNING"]
    running = next(j for j in jobs if j.status.stage == "RUNNING")
    assert running.flavor == "l4x1" and running.started_at is not None and running.finished_at is None


def test_zero_gpu_quota(api: HfApi) -> None:
    q = api.get_zero_gpu_quota()
    assert q.base == 2400 and q.remaining == 1878 and q.resets_at is not None


def test_list_user_repos(api: HfApi, hub: FakeHub) -> None:
    mine = list(api.list_user_repos())
    org = list(api.list_user_repos("ada-labs"))
    assert {r.id for r in mine} == {r.id for r in hub.scenario.repos if r.namespace == "ada"} | {
        s.id for s in hub.scenario.spaces if s.namespace == "ada"}
    assert all(r.storage > 0 and r.visibility in ("public", "private", "protected") for r in mine + org)
    assert {r.id: r.visibility for r in org}["ada-labs/internal-dashboard"] == "protected"
    assert abs(sum(r.storage_percent for r in org) - 100) < 0.1


def test_pause_resume_and_scale_to_zero_change_state_and_billing(api: HfApi, hub: FakeHub, clock: Clock) -> None:
    def billed() -> int:
        rows = get_json(hub, f"{BASE}/api/settings/billing/usage")["usage"]["Endpoints"]
        return sum(r["quantity"] for r in rows if r["label"] == "ada/llama-chat")

    # the endpoint object keeps the token it was fetched with, not the HfApi's: pass it
    ep = api.get_inference_endpoint("llama-chat", namespace="ada", token=FULL_TOKEN)
    assert ep.status == "initializing"  # scaling up at the start instant
    ep.pause()
    assert ep.status == "paused"
    paused_at = billed()
    clock.advance(minutes=30)
    assert billed() == paused_at  # paused time is free
    ep.resume()
    assert ep.status == "initializing"
    clock.advance(minutes=3)
    assert ep.fetch().status == "running"
    ep.resume()  # already running: the fake answers 400 "already running", the client then fetches
    assert ep.status == "running" and billed() == paused_at + 3
    ep.scale_to_zero()
    assert ep.status == "scaledToZero"
