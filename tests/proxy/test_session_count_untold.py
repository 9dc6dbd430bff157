"""A session's `requestCount` HF did not give is unknown, never 0 (note13, fixb's leftover): the count is what tells a
session this ledger alone made from one shared with requests outside it, so 0 counted a shared session's whole settled
cost as the ledger's own."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

from hfmon.fakehub.faults import RouteFault
from hfmon.jsonout import report_document
from hfmon.ledger import LedgerRow, Outcome
from hfmon.store import ledger as stored
from tests.tui.demo import frozen_demo

SESSION = "s0-00000"  # the fake settles 12 requests of ada's in it at $0.01472619; this ledger made 3 of them
QWEN = "Qwen/Qwen3-235B-A22B-Instruct-2507"


def without_count(body: Any) -> Any:
    for period in body["periods"]:
        for session in period["sessions"]:
            if session["id"] == SESSION:
                del session["requestCount"]
    return body


async def settled_in_the_last_hour(untold: bool) -> dict[str, Any]:
    monitor, clock = frozen_demo(history=True)
    now = clock.now()
    row = LedgerRow(at=now - timedelta(minutes=10), namespace=None, route="chat", model=QWEN, policy="novita",
                    provider="novita", streamed=False, status=200, outcome=Outcome.OK, ttfb_s=0.1, latency_s=1.0,
                    prompt_tokens=100, completion_tokens=200, request_id="r", session_id=SESSION,
                    estimated_usd=Decimal("0.00018"), caller="ada")
    try:
        assert monitor.store is not None
        stored.append(monitor.store, [replace(row, at=row.at + timedelta(seconds=i)) for i in range(3)])
        if untold:
            monitor.collector.client.fake.route_faults.append(
                RouteFault("/api/settings/billing/usage-by-inference-session*", edit=without_count))
        await monitor.poll()  # records what HF settled for the ledger's sessions
        report = await monitor.poll()
    finally:
        monitor.close()
    [hour] = [w for w in report_document(report)["inference"]["proxy"]["windows"] if w["window"] == "1h"]
    [qwen] = hour["by_model"]
    return dict(qwen["settled_usd"])


async def test_a_session_without_its_count_is_not_taken_as_the_ledgers_alone() -> None:
    told = await settled_in_the_last_hour(untold=False)
    assert told["at_least"] is None and told["missing"] == ["unknown:sessions shared with requests outside this ledger"]
    untold = await settled_in_the_last_hour(untold=True)
    # was at least $0.01472619 (the 12 requests' cost, 9 of them someone else's) and "pending"
    assert untold["at_least"] is None and untold["value"] is None and untold["missing"]
