"""`hfmon run -- python script.py` meters the script's requests and prints a receipt; `hfmon receipt` reads the
settled costs back once the fake router has settled them (its scenario clock, never the wall clock)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

import openai
import pytest

from hfmon.clock import FunctionClock
from hfmon.fakehub import FULL_TOKEN
from hfmon.fakehub.catalog import ROUTER_MODELS
from hfmon.fakehub.server import Server
from hfmon.format import money_fine
from hfmon.proxy.app import ProxyApp
from hfmon.proxy.receipt import print_receipt, refresh_settled
from hfmon.proxy.run import child_env
from hfmon.proxy.server import running
from hfmon.store import HistoryStore
from hfmon.store import ledger as stored
from tests.fakehub.conftest import Clock
from tests.proxy.conftest import Rows

QWEN = "Qwen/Qwen3-235B-A22B-Instruct-2507"
EMBED = "Qwen/Qwen3-Embedding-8B"
SCRIPT = f"""
import os, openai
from huggingface_hub import InferenceClient
c = openai.OpenAI(api_key=os.environ["HF_TOKEN"], max_retries=0)
c.chat.completions.create(model="{QWEN}:novita", messages=[{{"role": "user", "content": "one"}}])
for _ in c.chat.completions.create(model="{QWEN}:novita", messages=[{{"role": "user", "content": "two"}}],
                                   stream=True):
    pass
try:
    c.chat.completions.create(model="{QWEN}:groq", messages=[])
except openai.BadRequestError:
    pass
InferenceClient(base_url=os.environ["HFMON_PROXY_URL"], api_key=os.environ["HF_TOKEN"]).chat_completion(
    model="{QWEN}:novita", messages=[{{"role": "user", "content": "three"}}])
print("script done")
"""


def cost(prompt: int, completion: int) -> Decimal:
    offer = next(o for m in ROUTER_MODELS if m.id == QWEN for o in m.offers if o.provider == "novita")
    assert offer.input_usd is not None and offer.output_usd is not None
    return (prompt * offer.input_usd + completion * offer.output_usd) / 1_000_000


def test_hfmon_run_prints_the_receipt_of_the_scripts_requests(fake: Server, tmp_path: Path) -> None:
    script = tmp_path / "script.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "HFMON_ROUTER_URL": fake.base_url, "HF_ENDPOINT": fake.base_url,
           "HFMON_DATA_DIR": str(tmp_path), "HF_TOKEN": FULL_TOKEN}
    done = subprocess.run([sys.executable, "-m", "hfmon", "run", "--", sys.executable, str(script)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "script done"  # the command's output is its own; the receipt is on stderr
    routed = [r for r in fake.hub.traffic.ledger if r.provider == "novita"]
    assert len(routed) == 3
    expected = sum(cost(r.prompt_tokens, r.completion_tokens) for r in routed)
    lines = done.stderr.splitlines()
    assert lines[0].startswith("hfmon run ") and lines[0].endswith(": 4 requests, 1 error")
    [model_line] = [line for line in lines if line.startswith(QWEN)]
    [total_line] = [line for line in lines if line.startswith("total")]
    assert model_line.split()[1:3] == ["4", "1"] and total_line.split()[1:3] == ["4", "1"]
    tokens_in = sum(r.prompt_tokens for r in routed)
    assert f"{tokens_in:,}" in model_line.split()
    assert money_fine(expected) in model_line and model_line.endswith("pending")  # not settled yet
    assert "hfmon receipt " in done.stderr


def test_the_receipt_labels_a_free_promo_offer_and_prices_it_at_zero(fake: Server, tmp_path: Path) -> None:
    """The fake router marks scaleway's Qwen3-Embedding-8B `is_free` (list price $0.02 per 1M input tokens)."""
    script = tmp_path / "script.py"
    script.write_text(f"""
import os, openai
c = openai.OpenAI(api_key=os.environ["HF_TOKEN"], max_retries=0)
c.embeddings.create(model="{EMBED}:scaleway", input=["one", "two"])
c.chat.completions.create(model="{QWEN}:novita", messages=[{{"role": "user", "content": "one"}}])
""")
    env = {**os.environ, "HFMON_ROUTER_URL": fake.base_url, "HF_ENDPOINT": fake.base_url,
           "HFMON_DATA_DIR": str(tmp_path), "HF_TOKEN": FULL_TOKEN}
    done = subprocess.run([sys.executable, "-m", "hfmon", "run", "--", sys.executable, str(script)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    [free_line] = [line for line in lines if line.startswith(EMBED)]
    [paid_line] = [line for line in lines if line.startswith(QWEN)]
    [total_line] = [line for line in lines if line.startswith("total")]
    [paid] = [r for r in fake.hub.traffic.ledger if r.provider == "novita"]
    assert "free (promo)" in free_line and "free (promo)" not in paid_line
    assert money_fine(cost(paid.prompt_tokens, paid.completion_tokens)) in total_line  # the promo adds $0
    assert f"  free (promo): {EMBED} via scaleway: the router marks this offer is_free, estimated at $0" in lines


def test_the_receipt_reads_settled_costs_after_the_settlement_delay(fake: Server, clock: Clock, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", FULL_TOKEN)
    monkeypatch.setenv("HF_ENDPOINT", fake.base_url)
    rows = Rows()
    with running(ProxyApp(fake.base_url, rows.put, hub=fake.base_url, run_id="r1", clock=FunctionClock(clock))) as url:
        c = openai.OpenAI(base_url=f"{url}/v1", api_key=FULL_TOKEN, max_retries=0)
        for text in ("a", "bb", "ccc"):
            c.chat.completions.create(model=f"{QWEN}:novita", messages=[{"role": "user", "content": text}])
    made = rows.wait(3)
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        stored.append(store, made)
        clock.advance(seconds=fake.hub.scenario.settle_delay_s + 1)
        assert refresh_settled(store, made) is None
        settled = stored.settled(store, {r.session_id or "" for r in made})
    out = io.StringIO()
    print_receipt("r1", made, settled, None, out)
    real = sum(Decimal(r.cost_nano_usd) for r in fake.hub.traffic.ledger) / 10**9
    [model_line] = [line for line in out.getvalue().splitlines() if line.startswith(QWEN)]
    assert model_line.split()[-2:] == [money_fine(real), money_fine(real)]  # estimated and settled agree
    assert "settles" not in out.getvalue()


def test_the_command_gets_the_proxy_in_the_variables_its_clients_read() -> None:
    env = child_env("http://127.0.0.1:5", {"PATH": "/bin", "OPENAI_BASE_URL": "https://elsewhere"})
    assert env["OPENAI_BASE_URL"] == "http://127.0.0.1:5/v1" and env["HFMON_PROXY_URL"] == "http://127.0.0.1:5"
    assert env["PATH"] == "/bin"


@pytest.mark.parametrize(("command", "code"), [("exit 3", 3), ("kill -9 $$", 137), ("kill -15 $$", 143)])
def test_the_exit_code_is_the_commands_as_a_shell_reports_it(tmp_path: Path, command: str, code: int) -> None:
    """A command killed by signal N exits 128 + N, as shells and CI report it (137 for an OOM kill): it was 247,
    Python's -9 passed to sys.exit (audit 3, finding 17e)."""
    env = {**os.environ, "HFMON_DATA_DIR": str(tmp_path), "HF_TOKEN": FULL_TOKEN}
    done = subprocess.run([sys.executable, "-m", "hfmon", "run", "--", "sh", "-c", command], env=env,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == code, done.stderr


def test_the_configs_model_prices_win_over_the_routers_and_price_what_it_does_not(fake: Server,
                                                                                  tmp_path: Path) -> None:
    """Audit 5 #16: `[prices.models]` was read and never used. The fake router does not price gemma via
    featherless-ai, and prices Qwen via novita itself: the config's prices are the ones the receipt uses."""
    gemma = "google/gemma-3-27b-it"
    (tmp_path / "config.toml").write_text('[prices.models]\n'
                                          f'"{gemma}:featherless-ai" = {{ input = 0.10, output = 0.20 }}\n'
                                          f'"{QWEN}:novita" = {{ input = 1.00, output = 3.00 }}\n')
    script = tmp_path / "script.py"
    script.write_text(f"""
import os, openai
c = openai.OpenAI(api_key=os.environ["HF_TOKEN"], max_retries=0)
c.chat.completions.create(model="{gemma}:featherless-ai", messages=[{{"role": "user", "content": "one"}}])
c.chat.completions.create(model="{QWEN}:novita", messages=[{{"role": "user", "content": "two"}}])
""")
    env = {**os.environ, "HFMON_ROUTER_URL": fake.base_url, "HF_ENDPOINT": fake.base_url,
           "HFMON_DATA_DIR": str(tmp_path), "HF_TOKEN": FULL_TOKEN, "HFMON_CONFIG": str(tmp_path / "config.toml")}
    done = subprocess.run([sys.executable, "-m", "hfmon", "run", "--", sys.executable, str(script)], env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    [g] = [r for r in fake.hub.traffic.ledger if r.model == gemma]
    [q] = [r for r in fake.hub.traffic.ledger if r.model == QWEN]
    gemma_usd = (g.prompt_tokens * Decimal("0.10") + g.completion_tokens * Decimal("0.20")) / 1_000_000
    qwen_usd = (q.prompt_tokens * Decimal("1.00") + q.completion_tokens * Decimal("3.00")) / 1_000_000
    assert qwen_usd != cost(q.prompt_tokens, q.completion_tokens)  # the router's own price differs
    lines = done.stderr.splitlines()
    [gemma_line] = [line for line in lines if line.startswith(gemma)]
    [qwen_line] = [line for line in lines if line.startswith(QWEN)]
    [total_line] = [line for line in lines if line.startswith("total")]
    assert money_fine(gemma_usd) in gemma_line and "unpriced" not in done.stderr, done.stderr
    assert money_fine(qwen_usd) in qwen_line
    assert money_fine(gemma_usd + qwen_usd) in total_line


def test_a_bad_config_stops_hfmon_run_before_the_command_saying_why(tmp_path: Path) -> None:
    (tmp_path / "config.toml").write_text('[prices.models]\n"m:p" = { input = "cheap" }\n')
    env = {**os.environ, "HFMON_DATA_DIR": str(tmp_path), "HFMON_CONFIG": str(tmp_path / "config.toml")}
    done = subprocess.run([sys.executable, "-m", "hfmon", "run", "--", sys.executable, "-c", "print('ran')"],
                          env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "ran" not in done.stdout
    assert done.stderr.startswith("hfmon run: ") and "config.toml" in done.stderr
