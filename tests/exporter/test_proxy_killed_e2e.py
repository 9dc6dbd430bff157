"""End to end: `hfmon proxy` killed with SIGKILL mid-traffic (an OOM kill, `kill -9`, a machine's watchdog) loses no
request. Before, the rows it held in memory were gone: those of the last 0.25 s, or every one since the history file
last took rows (up to 20,000), and the dashboard read the requests left as the whole, exactly. Now each request is in
the proxy's journal before its answer ends, and the next proxy writes the journal into the history file; a request
under way when the proxy died counts, with its tokens unknown, so its figures read "at least". The next poll
(`--once`, the dashboard, the exporter) writes the journal in too."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import subprocess
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal

import httpx2
import jsonschema
import openai
import pytest

from hfmon.clock import FunctionClock
from hfmon.fakehub import FULL_TOKEN
from hfmon.ledger import LedgerGap, LedgerRow, Outcome
from hfmon.proxy.app import ProxyApp
from hfmon.proxy.server import running as serving
from hfmon.schemas import once_schema
from hfmon.store import HistoryStore, journal
from hfmon.store import ledger as stored
from hfmon.store.connection import HistoryError
from hfmon.store.journal import directory_beside
from tests.faults.harness import HFMON, Served
from tests.processes import running
from tests.proxy.test_proxy_openai import HELLO, QWEN, price

pytestmark = pytest.mark.e2e

STOPPED = "unknown:requests under way when the proxy was killed"
FULL = "cannot write history file: the disk holding it is full"


@contextmanager
def hfmon_proxy(served: Served) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """`hfmon proxy --port 0` on the fake's (frozen) clock; the process and its base URL."""
    env = served.env(HFMON_TEST_FAKE_FROZEN="1")
    with running([*HFMON, "proxy", "--port", "0"], env=env, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        found = re.search(r"serving (http://127\.0\.0\.1:\d+)/v1", line)
        assert found, line + proc.stderr.read()
        yield proc, found.group(1)


def next_proxy(served: Served) -> None:
    """Start the next `hfmon proxy`, see it serve, stop it (Ctrl-C's SIGTERM)."""
    with hfmon_proxy(served) as (proc, url):
        assert httpx2.get(f"{url}/v1/models", timeout=30).status_code == 200  # serving: its signals are its own
        proc.terminate()
        assert proc.wait(timeout=30) == 0


def kill(proc: subprocess.Popen[str]) -> None:
    os.kill(proc.pid, signal.SIGKILL)
    assert proc.wait(timeout=30) == -signal.SIGKILL


def cost(prompt: int, completion: int) -> Decimal:
    p_in, p_out = price(QWEN, "novita")
    return (Decimal(prompt) * p_in + Decimal(completion) * p_out) / 1_000_000


def history(served: Served) -> tuple[stored.LedgerRow, ...]:
    with HistoryStore.open(served.home / "data" / "history.sqlite3") as store:
        return stored.load(store, datetime(2000, 1, 1, tzinfo=UTC))


def test_a_proxy_killed_while_the_history_file_refuses_rows_loses_none(served: Served) -> None:
    """Another process holds the history file's write lock (as a long write does), so the proxy can commit nothing:
    3 requests answered, a 4th streaming when `kill -9` comes. Before: no row of the 4 ever reached the file."""
    path = served.home / "data" / "history.sqlite3"
    with hfmon_proxy(served) as (proc, url):
        holder = sqlite3.connect(path, timeout=30)
        holder.execute("BEGIN IMMEDIATE")  # the file refuses the proxy's rows until the holder lets go
        try:
            client = openai.OpenAI(base_url=f"{url}/v1", api_key=FULL_TOKEN, max_retries=0)
            used = [client.chat.completions.create(model=f"{QWEN}:novita", messages=HELLO, max_tokens=40 + i).usage
                    for i in range(3)]
            served.hub.stream_gap_s = 0.2  # a slow model: the 4th answer is still coming when the proxy dies
            stream = client.chat.completions.create(model=f"{QWEN}:novita", messages=HELLO, stream=True,
                                                    max_tokens=400)
            first = next(iter(stream))
            assert first.choices[0].delta is not None
            kill(proc)
            with pytest.raises(openai.APIError):
                for _ in stream:
                    pass
        finally:
            holder.rollback()
            holder.close()
    assert history(served) == ()  # nothing written: all 4 are in the dead proxy's journal
    kept = b"".join(p.read_bytes() for p in directory_beside(path).iterdir())
    assert kept and FULL_TOKEN.encode() not in kept and HELLO[0]["content"].encode() not in kept  # no token, no prompt

    run = served.run("--once", "--json")  # the next poll writes the journal in, before it reads the ledger
    assert run.code == 0, run.stderr
    rows = history(served)
    assert [r.outcome for r in rows] == [Outcome.OK] * 3 + [Outcome.PROXY_STOPPED]
    assert [(r.prompt_tokens, r.completion_tokens) for r in rows[:3]] == [
        (u.prompt_tokens, u.completion_tokens) for u in used if u is not None]
    assert not any(directory_beside(path).iterdir())  # written in once: the journal is gone
    doc = json.loads(run.stdout)
    jsonschema.validate(doc, once_schema())
    [hour] = [w for w in doc["inference"]["proxy"]["windows"] if w["window"] == "1h"]
    [qwen] = hour["by_model"]
    assert (qwen["model"], qwen["requests"]) == (QWEN, 4)
    estimated = qwen["estimated_usd"]
    known = sum((cost(u.prompt_tokens, u.completion_tokens) for u in used if u is not None), Decimal(0))
    assert estimated["value"] is None and estimated["missing"] == [STOPPED]
    assert estimated["at_least"] == pytest.approx(float(known), abs=1e-6)


def test_rows_a_killed_proxy_held_in_memory_are_written_in_once(served: Served) -> None:
    """The history file takes rows, but the proxy commits them 0.25 s at a time: 5 quick requests, then `kill -9`.
    Each is in the history file once, whatever the dead proxy had committed, and the hour is exact."""
    with hfmon_proxy(served) as (proc, url):
        client = openai.OpenAI(base_url=f"{url}/v1", api_key=FULL_TOKEN, max_retries=0)
        used = [client.chat.completions.create(model=f"{QWEN}:novita", messages=HELLO, max_tokens=30 + i).usage
                for i in range(5)]
        kill(proc)
    next_proxy(served)
    rows = history(served)
    assert len(rows) == 5 and len({r.entry for r in rows}) == 5
    assert sorted((r.prompt_tokens, r.completion_tokens) for r in rows) == sorted(
        (u.prompt_tokens, u.completion_tokens) for u in used if u is not None)

    run = served.run("--once", "--json")
    assert run.code == 0, run.stderr
    [hour] = [w for w in json.loads(run.stdout)["inference"]["proxy"]["windows"] if w["window"] == "1h"]
    [qwen] = hour["by_model"]
    true = sum((cost(u.prompt_tokens, u.completion_tokens) for u in used if u is not None), Decimal(0))
    assert qwen["requests"] == 5 and qwen["estimated_usd"]["complete"]
    assert qwen["estimated_usd"]["value"] == pytest.approx(float(true), abs=1e-6)


def test_a_proxy_that_stops_while_the_file_refuses_rows_its_journal_cannot_hold_leaves_their_count(
        served: Served, monkeypatch: pytest.MonkeyPatch) -> None:
    """The journal full (past its bound), room for 1 row in memory, the file refusing: of 3 requests 2 are dropped,
    and the proxy stops with the 3rd unwritten. Before: it printed the loss and recorded nothing, and the next poll
    read the 1 request written before as the hour's whole, exact. Now the next poll records the 3 as lost."""
    monkeypatch.setattr(stored, "BACKLOG_MAX", 1)
    monkeypatch.setattr(journal, "JOURNAL_MAX", 0)
    full = threading.Event()
    real = stored.append

    def append(store: HistoryStore, rows: Iterable[LedgerRow]) -> None:
        if full.is_set():
            raise HistoryError(served.home / "data" / "history.sqlite3", FULL)
        real(store, rows)

    def record_gap(store: HistoryStore, gap: LedgerGap) -> None:
        if full.is_set():
            raise HistoryError(served.home / "data" / "history.sqlite3", FULL)
        real_gap(store, gap)

    real_gap = stored.record_gap
    monkeypatch.setattr(stored, "append", append)
    monkeypatch.setattr(stored, "record_gap", record_gap)
    data = served.home / "data"
    data.mkdir(parents=True, exist_ok=True)
    with HistoryStore.open(data / "history.sqlite3") as store:
        kept = journal.Journal(journal.directory_beside(store.path))
        writer = stored.LedgerWriter(store, kept)
        app = ProxyApp(served.base_url, writer.put, hub=served.base_url, clock=FunctionClock(served.hub.now),
                       journal=kept)
        try:
            with serving(app) as url:
                client = openai.OpenAI(base_url=f"{url}/v1", api_key=FULL_TOKEN, max_retries=0)
                first = client.chat.completions.create(model=f"{QWEN}:novita", messages=HELLO, max_tokens=30).usage
                deadline = time.monotonic() + 10
                while not stored.load(store, datetime(2000, 1, 1, tzinfo=UTC)):  # bounded, as Rows.wait
                    assert time.monotonic() < deadline, "the first row was not written"
                    time.sleep(0.01)
                full.set()
                for i in range(3):
                    client.chat.completions.create(model=f"{QWEN}:novita", messages=HELLO, max_tokens=40 + i)
                while writer.lost < 2:
                    assert time.monotonic() < deadline + 10, f"{writer.lost} rows dropped"
                    time.sleep(0.01)
        finally:
            writer.close()
        assert len(writer.unwritten) == 1 and stored.load_gaps(store, datetime(2000, 1, 1, tzinfo=UTC)) == ()
    assert first is not None

    run = served.run("--once", "--json")  # the next poll: the file takes rows again
    assert run.code == 0, run.stderr
    [hour] = [w for w in json.loads(run.stdout)["inference"]["proxy"]["windows"] if w["window"] == "1h"]
    [qwen] = hour["by_model"]
    assert (qwen["requests"], qwen["requests_lost"]) == (1, 3)
    estimated = qwen["estimated_usd"]
    assert estimated["value"] is None and estimated["missing"] == [f"unknown:3 requests through the proxy not "
                                                                   f"recorded ({FULL})"]
    assert estimated["at_least"] == pytest.approx(float(cost(first.prompt_tokens, first.completion_tokens)), abs=1e-6)
    assert not any(journal.directory_beside(data / "history.sqlite3").iterdir())  # recorded once, then removed
