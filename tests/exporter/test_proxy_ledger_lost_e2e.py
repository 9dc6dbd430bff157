"""End to end: the history file refuses the proxy's ledger writes for longer than the proxy keeps rows to retry, so
some requests are lost for good (audit 7 C8). Once the file takes writes again the loss is recorded, and every figure
built from the ledger over that time says it is partial, with why: `--once --json`'s windows and the exporter's
series (before: the figures of the requests left read as complete, and HF's settled cost, which counts them all, read
as a drift)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal

import jsonschema
import openai
import pytest
from huggingface_hub import InferenceClient

from hfmon.clock import FunctionClock
from hfmon.fakehub import FULL_TOKEN, OTHER_USER_TOKEN
from hfmon.ledger import LedgerRow
from hfmon.proxy.app import ProxyApp
from hfmon.proxy.server import running
from hfmon.schemas import once_schema
from hfmon.store import HistoryStore
from hfmon.store import ledger as stored
from hfmon.store.connection import HistoryError
from tests.exporter.running import exporter
from tests.exporter.test_proxy_callers_e2e import CONFIG as PROFILES
from tests.exporter.test_proxy_callers_e2e import TOKENS
from tests.faults.harness import Served
from tests.proxy.test_proxy_openai import HELLO, QWEN, price

pytestmark = pytest.mark.e2e

FULL = "cannot write history file: the disk holding it is full"
LOST = f"unknown:2 requests through the proxy not recorded ({FULL})"


def meter_with_the_disk_full(served: Served, monkeypatch: pytest.MonkeyPatch) -> Decimal:
    """Three requests while every ledger write fails, with room to keep one row: two are dropped. Then the disk has
    room again and the proxy stops. The estimated cost of the one kept (the last)."""
    monkeypatch.setattr(stored, "BACKLOG_MAX", 1)
    full = threading.Event()
    full.set()
    real = stored.append

    def append(store: HistoryStore, rows: Iterable[LedgerRow]) -> None:
        if full.is_set():
            raise HistoryError(served.home / "data" / "history.sqlite3", FULL)
        real(store, rows)

    monkeypatch.setattr(stored, "append", append)
    data = served.home / "data"
    data.mkdir(parents=True, exist_ok=True)
    with HistoryStore.open(data / "history.sqlite3") as store:
        writer = stored.LedgerWriter(store)
        app = ProxyApp(served.base_url, writer.put, hub=served.base_url, clock=FunctionClock(served.hub.now))
        try:
            with running(app) as url:
                c = openai.OpenAI(base_url=f"{url}/v1", api_key=FULL_TOKEN, max_retries=0)
                used = [c.chat.completions.create(model=f"{QWEN}:novita", messages=HELLO, max_tokens=50 + i).usage
                        for i in range(3)]
            deadline = time.monotonic() + 10
            while writer.lost < 2:  # the writer has tried (and dropped) them: bounded, as tests.proxy's Rows.wait
                assert time.monotonic() < deadline, f"{writer.lost} rows dropped"
                time.sleep(0.01)
            full.clear()
        finally:
            writer.close()
        assert (writer.lost, writer.unwritten) == (2, ())
        [gap] = stored.load_gaps(store, datetime(2000, 1, 1, tzinfo=UTC))
        assert (gap.requests, gap.why) == (2, FULL)
    p_in, p_out = price(QWEN, "novita")
    last = used[-1]
    assert last is not None
    return (Decimal(last.prompt_tokens) * p_in + Decimal(last.completion_tokens) * p_out) / 1_000_000


def test_requests_the_ledger_lost_make_its_figures_partial_saying_why(served: Served,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    kept = meter_with_the_disk_full(served, monkeypatch)
    assert len(served.hub.traffic.ledger) == 3  # the router answered (and bills) all three
    run = served.run("--once", "--json")
    assert run.code == 0, run.stderr
    doc = json.loads(run.stdout)
    jsonschema.validate(doc, once_schema())
    [hour] = [w for w in doc["inference"]["proxy"]["windows"] if w["window"] == "1h"]
    [qwen] = hour["by_model"]
    assert (qwen["model"], qwen["requests"], qwen["requests_lost"]) == (QWEN, 1, 2)
    estimated = qwen["estimated_usd"]
    assert not estimated["complete"] and estimated["missing"] == [LOST]  # at least the one kept, never complete
    assert estimated["value"] is None and estimated["at_least"] == pytest.approx(float(kept), abs=1e-6)
    [period] = doc["inference"]["by_model"]
    assert period["cost_usd"] is None and period["requests_lost"] == 2

    with exporter(env=served.env()) as watching:
        metrics = watching.after_polls(1)
    model = {dict(k).get("model"): v for k, v in metrics.get("hfmon_proxy_model_estimated_usd", {}).items()}
    requests = {dict(k).get("model"): v for k, v in metrics.get("hfmon_proxy_model_requests_total", {}).items()}
    assert QWEN not in model and QWEN not in requests  # absent: 1 request and its cost would read as the whole


def test_only_the_account_whose_requests_were_lost_reads_its_figures_partial(served: Served,
                                                                              monkeypatch: pytest.MonkeyPatch) -> None:
    """Two accounts (`[profiles]`) share the history file: ada's two lost requests make ada's figures lower bounds,
    and leave grace's (her one request, through InferenceClient, recorded) whole. Before: grace's hour read "at least"
    too, with 2 requests lost that were never hers, and her exporter series were left out."""
    meter_with_the_disk_full(served, monkeypatch)
    with HistoryStore.open(served.home / "data" / "history.sqlite3") as store:
        [gap] = stored.load_gaps(store, datetime(2000, 1, 1, tzinfo=UTC))
        assert gap.owner == (None, "ada")  # billed to no org: the account whose token made them
        writer = stored.LedgerWriter(store)
        app = ProxyApp(served.base_url, writer.put, hub=served.base_url, clock=FunctionClock(served.hub.now))
        try:
            with running(app) as url:
                grace = InferenceClient(base_url=url, api_key=OTHER_USER_TOKEN)
                hers = grace.chat_completion(messages=HELLO, model=f"{QWEN}:novita", max_tokens=50).usage
        finally:
            writer.close()
        assert (writer.lost, writer.unwritten) == (0, ())
    p_in, p_out = price(QWEN, "novita")
    her_cost = (Decimal(hers.prompt_tokens) * p_in + Decimal(hers.completion_tokens) * p_out) / 1_000_000
    config = served.home / "config.toml"
    config.write_text(PROFILES)
    for profile, requests, lost in (("ada", 1, 2), ("grace", 1, 0)):
        run = served.run("--once", "--json", "--profile", profile, "--config", str(config), token=None, **TOKENS)
        assert run.code == 0, run.stderr
        doc = json.loads(run.stdout)
        jsonschema.validate(doc, once_schema())
        [hour] = [w for w in doc["inference"]["proxy"]["windows"] if w["window"] == "1h"]
        [qwen] = hour["by_model"]
        assert (qwen["requests"], qwen["requests_lost"]) == (requests, lost), profile
        assert qwen["estimated_usd"]["complete"] is (lost == 0), profile
    assert qwen["estimated_usd"]["value"] == pytest.approx(float(her_cost), abs=1e-6)  # grace's, whole

    with exporter("--config", str(config), env=served.env(token=None, **TOKENS)) as watching:
        metrics = watching.after_polls(1)
    requests_of = {dict(k)["account"]: v for k, v in metrics.get("hfmon_proxy_model_requests_total", {}).items()
                   if dict(k).get("model") == QWEN}
    assert requests_of == {"grace": 1.0}  # ada's 1 recorded of 3 is no whole figure: absent, as before
