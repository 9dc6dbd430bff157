"""End to end: two accounts (`[profiles]`, the README's multi-account setup) share one history file, and each sent
requests through `hfmon proxy` with its own token, billed to no org (no X-HF-Bill-To): each pays for its own. Each
account's `--once --json --profile` and the exporter count only the requests its own token made (audit 4 #15: every
profile counted every such request as its own, so a dashboard summing accounts counted them twice)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import jsonschema
import openai
import pytest
from huggingface_hub import InferenceClient

from hfmon.clock import FunctionClock
from hfmon.fakehub import FULL_TOKEN, OTHER_USER_TOKEN
from hfmon.proxy.app import ProxyApp
from hfmon.proxy.server import running
from hfmon.schemas import once_schema
from hfmon.store import HistoryStore
from hfmon.store.ledger import LedgerWriter
from tests.exporter.running import exporter
from tests.faults.harness import Served, no_secret
from tests.proxy.test_proxy_openai import HELLO, QWEN, price

pytestmark = pytest.mark.e2e

CONFIG = '[profiles.ada]\ntoken_env = "ADA_HF_TOKEN"\n\n[profiles.grace]\ntoken_env = "GRACE_HF_TOKEN"\n'
TOKENS = {"ADA_HF_TOKEN": FULL_TOKEN, "GRACE_HF_TOKEN": OTHER_USER_TOKEN}


def meter(served: Served) -> dict[str, Decimal]:
    """ada sends two chat requests (the openai client), grace one (InferenceClient), through the proxy into the
    history file; each account's tokens x the router's price, as the answers' usage gives them."""
    p_in, p_out = price(QWEN, "novita")
    data = served.home / "data"
    data.mkdir(parents=True, exist_ok=True)
    with HistoryStore.open(data / "history.sqlite3") as store:
        writer = LedgerWriter(store)
        app = ProxyApp(served.base_url, writer.put, hub=served.base_url, clock=FunctionClock(served.hub.now))
        try:
            with running(app) as url:
                ada = openai.OpenAI(base_url=f"{url}/v1", api_key=FULL_TOKEN, max_retries=0)
                mine = [ada.chat.completions.create(model=f"{QWEN}:novita", messages=HELLO,  # type: ignore[arg-type]
                                                    max_tokens=100 + i).usage for i in range(2)]
                grace = InferenceClient(base_url=url, api_key=OTHER_USER_TOKEN)
                hers = grace.chat_completion(messages=HELLO, model=f"{QWEN}:novita", max_tokens=50).usage
        finally:
            writer.close()
        assert writer.unwritten == () and writer.lost == 0
    usages: dict[str, list[Any]] = {"ada": mine, "grace": [hers]}
    return {who: sum((Decimal(u.prompt_tokens) * p_in + Decimal(u.completion_tokens) * p_out) / 1_000_000
                     for u in used) for who, used in usages.items()}


def test_each_account_counts_only_the_proxy_requests_its_own_token_made(served: Served) -> None:
    costs = meter(served)
    assert len(served.hub.traffic.ledger) == 3  # the router saw three requests, billed to ada (2) and grace (1)
    assert served.hub.requests.count("/api/whoami-v2") == 2  # the proxy asked whoami once per token
    config = served.home / "config.toml"
    config.write_text(CONFIG)
    for profile, requests in (("ada", 2), ("grace", 1)):
        run = served.run("--once", "--json", "--profile", profile, "--config", str(config), token=None, **TOKENS)
        assert run.code == 0, run.stderr
        no_secret(run, OTHER_USER_TOKEN)
        doc = json.loads(run.stdout)
        jsonschema.validate(doc, once_schema())
        assert doc["account"]["name"] == profile
        [hour] = [w for w in doc["inference"]["proxy"]["windows"] if w["window"] == "1h"]
        [qwen] = hour["by_model"]  # before: 3 requests for each account, the other's among them
        assert (qwen["model"], qwen["requests"], qwen["requests_owner_unknown"]) == (QWEN, requests, 0), profile
        assert qwen["estimated_usd"]["complete"], profile
        assert qwen["estimated_usd"]["value"] == pytest.approx(float(costs[profile]), abs=1e-6), profile
        [period] = doc["inference"]["by_model"]
        assert (period["model"], period["requests"]) == (QWEN, requests), profile

    with exporter("--config", str(config), env=served.env(token=None, **TOKENS)) as watching:
        metrics = watching.after_polls(1)
    no_secret_in = "".join(watching.stderr)
    assert FULL_TOKEN not in no_secret_in and OTHER_USER_TOKEN not in no_secret_in

    def per_account(family: str) -> dict[str, float]:
        return {dict(k)["account"]: v for k, v in metrics[family].items() if dict(k).get("model") == QWEN}

    # the two accounts' series add up to what the router saw: 3 requests, not 6
    assert per_account("hfmon_proxy_model_requests_total") == {"ada": 2.0, "grace": 1.0}
    estimated = per_account("hfmon_proxy_model_estimated_usd")
    assert estimated == {"ada": pytest.approx(float(costs["ada"]), abs=1e-6),
                         "grace": pytest.approx(float(costs["grace"]), abs=1e-6)}
