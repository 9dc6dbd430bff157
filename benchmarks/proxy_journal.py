"""What the proxy's journal (`hfmon.store.journal`) costs each request: journaled as it is sent on, again before its
answer's end, then marked written once the history file has its row (as `hfmon proxy` does for every request).

Setup: a journal in a scratch directory, 20,000 requests, committed 100 at a time (the ledger writer's batches).
Judged by: CPU microseconds per request. Goal: under 50 µs, about 2% of the ~2 ms of CPU the proxy spends on a
request (benchmarks/proxy.py).
Run: .venv/bin/python benchmarks/proxy_journal.py [--requests 20000]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from hfmon.ledger import LedgerRow, Outcome
from hfmon.store.journal import Journal

GOAL_US = 50.0
ROW = LedgerRow(at=datetime(2026, 12, 2, 9, 0, tzinfo=UTC), namespace="acme", route="chat",
                model="Qwen/Qwen3-235B-A22B-Instruct-2507", policy="novita", provider=None, streamed=True,
                status=None, outcome=Outcome.BAD_RESPONSE, ttfb_s=None, latency_s=None, prompt_tokens=None,
                completion_tokens=None, request_id=None, session_id="hfmon-20261202T09-0123456789abcdef",
                estimated_usd=None, caller="ada")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=20_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        journal = Journal(Path(scratch) / "proxy-journal")
        # the rows the proxy builds anyway (its ledger's), made first: not the journal's cost
        keys = [journal.key() for _ in range(args.requests)]
        going = [replace(ROW, entry=k, outcome=Outcome.PROXY_STOPPED) for k in keys]
        ended = [replace(g, provider="novita", status=200, outcome=Outcome.OK, ttfb_s=0.05, latency_s=0.4,
                         prompt_tokens=100 + i % 50, completion_tokens=200, request_id=f"req-{i}",
                         estimated_usd=Decimal("0.000123")) for i, g in enumerate(going)]
        start = time.process_time()
        for _ in range(args.requests):
            journal.key()  # what reserving a key costs (these keys go unused)
        batch: list[LedgerRow] = []
        for i in range(args.requests):
            journal.start(going[i])
            journal.note(ended[i], last=False)
            journal.note(ended[i])  # handed over as journaled before the answer's end (`ProxyApp._row_of`)
            batch.append(ended[i])
            if len(batch) == 100:
                journal.committed(batch)
                batch.clear()
        journal.committed(batch)
        spent = time.process_time() - start
        journal.close()
    per_us = spent / args.requests * 1e6
    print(f"journal: {per_us:.1f} µs of CPU per request ({args.requests} requests); "
          f"goal < {GOAL_US:.0f} µs; ratio {per_us / GOAL_US:.2f}")


if __name__ == "__main__":
    main()
