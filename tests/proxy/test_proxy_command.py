"""`hfmon proxy` as a user runs it: it says where it listens, meters a request into the history file, stops
on SIGTERM, and never loads Textual."""

from __future__ import annotations

import os
import re
import sys
from datetime import datetime
from pathlib import Path

import httpx2

from hfmon.fakehub import FULL_TOKEN
from hfmon.fakehub.server import Server
from hfmon.ledger import Outcome
from hfmon.store import HistoryStore
from hfmon.store import ledger as stored
from tests.processes import running

QWEN = "Qwen/Qwen3-235B-A22B-Instruct-2507"


def test_hfmon_proxy_serves_meters_and_stops(fake: Server, tmp_path: Path) -> None:
    env = {**os.environ, "HFMON_ROUTER_URL": fake.base_url, "HFMON_DATA_DIR": str(tmp_path)}
    probe = ("import sys, runpy\nsys.argv = ['hfmon', 'proxy', '--port', '0', '--bill-to', 'ada-labs']\n"
             "try:\n    runpy.run_module('hfmon', run_name='__main__')\nfinally:\n"
             "    print('heavy', [m for m in sys.modules if m.split('.')[0] == 'textual'], file=sys.stderr)\n")
    with running([sys.executable, "-c", probe], env=env, stderr=__import__("subprocess").PIPE, text=True) as proc:
        assert proc.stderr is not None
        line = proc.stderr.readline()
        found = re.search(r"serving (http://127\.0\.0\.1:\d+)/v1", line)
        assert found, line
        r = httpx2.post(f"{found.group(1)}/v1/chat/completions", json={"model": QWEN, "messages": []},
                        headers={"authorization": f"Bearer {FULL_TOKEN}"}, timeout=30)
        assert r.status_code == 200
        proc.terminate()
        rest = proc.stderr.read()
        assert proc.wait(timeout=30) == 0, rest
    assert "heavy []" in rest
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        [row] = stored.load(store, datetime(2000, 1, 1).astimezone())
    assert (row.namespace, row.outcome, row.model) == ("ada-labs", Outcome.OK, QWEN)
    assert row.prompt_tokens == r.json()["usage"]["prompt_tokens"]
