"""The dashboard's Inference screen when the proxy's ledger lost requests (audit 7 C8): the history file refused
them past what the proxy keeps to retry, so only their count is known. A model's requests read "1+" and its
estimate "at least", and its detail says what is not in it, with why (before: "1" and "$0.021000", as complete)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hfmon.fakehub import demo_scenario
from hfmon.ledger import LedgerGap, LedgerRow, Outcome
from hfmon.store import ledger as stored
from hfmon.tui.app import HfmonApp
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, table
from tests.tui.test_details import detail_text, open_row

MODEL = "m/chat"
FULL = "cannot write history file: the disk holding it is full"


async def test_a_model_reads_at_least_while_requests_the_ledger_lost_may_be_its() -> None:
    monitor, clock = frozen_demo(scenario=demo_scenario(seed=7))
    now = clock.now()
    assert monitor.store is not None
    # one request kept: 1,000 in x $1/M + 2,000 out x $10/M = $0.021; two more the file refused, model unknown
    stored.append(monitor.store, [LedgerRow(
        at=now - timedelta(minutes=10), namespace="ada-labs", route="chat", model=MODEL, policy="p", provider="p",
        streamed=False, status=200, outcome=Outcome.OK, ttfb_s=0.1, latency_s=0.5, prompt_tokens=1000,
        completion_tokens=2000, request_id="r1", session_id="s1", estimated_usd=Decimal("0.021"), caller="ada")])
    stored.record_gap(monitor.store, LedgerGap(now - timedelta(minutes=9), now - timedelta(minutes=8), 2, FULL))
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(200, 50)) as pilot:
            await settle(app, pilot)
            await pilot.press("2")
            await pilot.pause()
            models = table(app, "models")
            requests = models.get_cell(MODEL, "requests").cell.plain
            estimated = models.get_cell(MODEL, "estimated").cell.plain
            await open_row(app, pilot, "2", "models", MODEL)
            detail = detail_text(app)
    finally:
        await monitor.aclose()
    assert (requests, estimated) == ("1+", "at least $0.021000")
    assert f"not in it: 2 requests through the proxy not recorded ({FULL}) (unknown)" in detail, detail
    assert "a step whose estimate is a lower bound" in detail and "cannot price" not in detail  # nothing unpriced
