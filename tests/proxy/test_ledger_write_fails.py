"""A ledger write that fails (the disk full for a moment, the file locked past its busy timeout) loses no request:
the rows are kept and written with the next one; what the history file still refuses when `hfmon run` ends is
counted from memory and said; rows dropped for good make the receipt's totals "at least" (audit 7 C8: the receipt
read "4 requests … $0.084000" as complete where 5 were made, $0.105000)."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import openai
import pytest

from hfmon.clock import FunctionClock
from hfmon.fakehub import FULL_TOKEN
from hfmon.fakehub.server import Server
from hfmon.format import money_fine
from hfmon.ledger import LedgerRow
from hfmon.proxy import receipt as proxy_receipt
from hfmon.proxy import run as proxy_run
from hfmon.proxy.app import ProxyApp
from hfmon.proxy.server import running
from hfmon.store import HistoryStore, journal
from hfmon.store import ledger as stored
from hfmon.store.connection import HistoryError
from tests.fakehub.conftest import Clock
from tests.proxy.test_run_receipt import QWEN, cost

FULL = "cannot write history file: the disk holding it is full"
CHILD = f"""
import os, openai
c = openai.OpenAI(api_key=os.environ["HF_TOKEN"], max_retries=0)
for text in ("a", "bb", "ccc", "dddd", "eeeee"):
    c.chat.completions.create(model="{QWEN}:novita", messages=[{{"role": "user", "content": text}}])
print("child: 5 requests answered")
"""


def refuse_writes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, refused: Iterable[int]) -> list[int]:
    """Make the ledger's appends number `refused` (1 is the first) fail as a full disk does; the rest write."""
    real, calls, failing = stored.append, [0], set(refused)

    def append(store: HistoryStore, rows: Iterable[LedgerRow]) -> None:
        calls[0] += 1
        if calls[0] in failing:
            raise HistoryError(tmp_path / "history.sqlite3", FULL)
        real(store, rows)

    monkeypatch.setattr(stored, "append", append)
    return calls


def hfmon_run(fake: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
              capfd: pytest.CaptureFixture[str]) -> list[str]:
    """`hfmon run -- python child.py` against the fake router; the receipt's lines."""
    child = tmp_path / "child.py"
    child.write_text(CHILD)
    for name, value in {"HFMON_ROUTER_URL": fake.base_url, "HF_ENDPOINT": fake.base_url,
                        "HFMON_DATA_DIR": str(tmp_path), "HF_TOKEN": FULL_TOKEN}.items():
        monkeypatch.setenv(name, value)
    code = proxy_run.run(argparse.Namespace(command=["--", sys.executable, str(child)], bill_to=None, config=None))
    out, err = capfd.readouterr()
    assert code == 0, err
    assert "child: 5 requests answered" in out
    return err.splitlines()


def billed(fake: Server) -> Decimal:
    routed = [r for r in fake.hub.traffic.ledger if r.provider == "novita"]
    assert len(routed) == 5
    return sum((cost(r.prompt_tokens, r.completion_tokens) for r in routed), Decimal(0))


def written(tmp_path: Path) -> int:
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        return len(stored.load(store, datetime(2000, 1, 1, tzinfo=UTC)))


def test_a_write_that_fails_once_loses_no_request(fake: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                   capfd: pytest.CaptureFixture[str]) -> None:
    refuse_writes(monkeypatch, tmp_path, {1})
    lines = hfmon_run(fake, tmp_path, monkeypatch, capfd)
    assert lines[0].endswith(": 5 requests, 0 errors"), lines
    [total] = [line for line in lines if line.startswith("total")]
    assert total.split()[1:3] == ["5", "0"] and money_fine(billed(fake)) in total and "at least" not in total
    assert not any("history file" in line for line in lines)
    assert written(tmp_path) == 5  # retried with the next write: `hfmon receipt` finds them all


def test_rows_the_file_still_refuses_at_the_end_are_counted_said_and_written_in_by_the_next_run(
        fake: Server, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capfd: pytest.CaptureFixture[str]) -> None:
    """They are in the proxy's journal: the next `hfmon run` writes them in, and `hfmon receipt` then counts them
    (before: "`hfmon receipt` will not count them", and it never did)."""
    real = stored.append
    refuse_writes(monkeypatch, tmp_path, range(1, 1000))
    lines = hfmon_run(fake, tmp_path, monkeypatch, capfd)
    assert lines[0].endswith(": 5 requests, 0 errors"), lines
    [total] = [line for line in lines if line.startswith("total")]
    assert money_fine(billed(fake)) in total and "at least" not in total
    run_id = lines[0].split()[2].rstrip(":")
    assert (f"  not in the history file yet: 5 requests ({FULL}): counted here; kept in the proxy's journal until "
            "the next `hfmon proxy` or `hfmon run` writes them in") in lines
    assert written(tmp_path) == 0

    monkeypatch.setattr(stored, "append", real)  # the disk has room again
    code = proxy_run.run(argparse.Namespace(command=["--", sys.executable, "-c", "pass"], bill_to=None, config=None))
    assert code == 0
    capfd.readouterr()
    assert written(tmp_path) == 5
    assert proxy_receipt.run(argparse.Namespace(run_id=run_id)) == 0
    out = capfd.readouterr().out.splitlines()
    assert out[0] == f"hfmon run {run_id}: 5 requests, 0 errors", out
    [total] = [line for line in out if line.startswith("total")]
    assert money_fine(billed(fake)) in total and "at least" not in total


def test_rows_dropped_for_good_make_the_receipt_at_least(fake: Server, tmp_path: Path,
                                                         monkeypatch: pytest.MonkeyPatch,
                                                         capfd: pytest.CaptureFixture[str]) -> None:
    """With room to keep 1 refused row and the proxy's journal full, 4 of the 5 are dropped: their count is known,
    their cost is not."""
    monkeypatch.setattr(stored, "BACKLOG_MAX", 1)
    monkeypatch.setattr(journal, "JOURNAL_MAX", 0)
    refuse_writes(monkeypatch, tmp_path, range(1, 1000))
    lines = hfmon_run(fake, tmp_path, monkeypatch, capfd)
    assert lines[0].endswith(": 1 request, 0 errors, and 4 more not recorded (figures at least)"), lines
    [kept] = [r for r in fake.hub.traffic.ledger if r.provider == "novita"][-1:]
    [total] = [line for line in lines if line.startswith("total")]
    assert f"at least {money_fine(cost(kept.prompt_tokens, kept.completion_tokens))}" in total
    assert f"  not in the figures: 4 requests the history file refused ({FULL}) (unknown)" in lines


def test_rows_past_what_memory_keeps_are_read_back_from_the_journal(fake: Server, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch,
                                                                    capfd: pytest.CaptureFixture[str]) -> None:
    """Room to keep 1 refused row in memory: the 4 others are in the proxy's journal, so the receipt is of all 5,
    exact (before the journal: "1 request, 0 errors, and 4 more not recorded (figures at least)")."""
    monkeypatch.setattr(stored, "BACKLOG_MAX", 1)
    refuse_writes(monkeypatch, tmp_path, range(1, 1000))
    lines = hfmon_run(fake, tmp_path, monkeypatch, capfd)
    assert lines[0].endswith(": 5 requests, 0 errors"), lines
    [total] = [line for line in lines if line.startswith("total")]
    assert money_fine(billed(fake)) in total and "at least" not in total
    assert (f"  not in the history file yet: 5 requests ({FULL}): counted here; kept in the proxy's journal until "
            "the next `hfmon proxy` or `hfmon run` writes them in") in lines


def test_a_later_receipt_says_the_requests_the_history_file_refused(fake: Server, clock: Clock, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """Room to keep 1 refused row, 3 requests while the disk is full, then it has room: the 2 dropped are recorded
    with the run, and `hfmon receipt` says them as `hfmon run` did (it read "1 request" as the whole run)."""
    monkeypatch.setattr(stored, "BACKLOG_MAX", 1)
    full = threading.Event()
    full.set()
    real = stored.append

    def append(store: HistoryStore, rows: Iterable[LedgerRow]) -> None:
        if full.is_set():
            raise HistoryError(tmp_path / "history.sqlite3", FULL)
        real(store, rows)

    monkeypatch.setattr(stored, "append", append)
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        writer = stored.LedgerWriter(store)
        app = ProxyApp(fake.base_url, writer.put, hub=fake.base_url, run_id="r1", clock=FunctionClock(clock))
        try:
            with running(app) as url:
                c = openai.OpenAI(base_url=f"{url}/v1", api_key=FULL_TOKEN, max_retries=0)
                for text in ("a", "bb", "ccc"):
                    c.chat.completions.create(model=f"{QWEN}:novita", messages=[{"role": "user", "content": text}])
            deadline = time.monotonic() + 10
            while writer.lost < 2:  # the writer has tried (and dropped) them: bounded, as Rows.wait
                assert time.monotonic() < deadline, f"{writer.lost} rows dropped"
                time.sleep(0.01)
            full.clear()
        finally:
            writer.close()
    env = {**os.environ, "HF_ENDPOINT": fake.base_url, "HFMON_DATA_DIR": str(tmp_path), "HF_TOKEN": FULL_TOKEN}
    done = subprocess.run([sys.executable, "-m", "hfmon", "receipt", "r1"], env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "hfmon run r1: 1 request, 0 errors, and 2 more not recorded (figures at least)", lines
    [total] = [line for line in lines if line.startswith("total")]
    assert "at least" in total
    assert f"  not in the figures: 2 requests the history file refused ({FULL}) (unknown)" in lines
