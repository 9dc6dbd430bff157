"""`hfmon --demo` traffic: requests through a real in-process proxy to the demo's fake router land in the ledger
(model, provider, tokens, the estimate at the router's price), nothing is left running when it stops, and
nothing runs outside --demo."""

from __future__ import annotations

import io
import threading
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hfmon import dashboard
from hfmon.cli import build_parser
from hfmon.clock import FrozenClock
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.catalog import ROUTER_MODELS
from hfmon.ledger import LedgerRow, Outcome
from hfmon.monitor import build_monitor
from hfmon.proxy.demo_traffic import THREAD, DemoTraffic, traffic_for
from hfmon.store import HistoryStore
from hfmon.store import ledger as stored

OURS = {THREAD, "hfmon-proxy", "hfmon-ledger"}
AT = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)
NEVER = (3600.0, 3600.0)  # a gap so long that only the test's own send_one calls go out


def running_threads() -> set[str]:
    return {t.name for t in threading.enumerate() if t.is_alive()} & OURS


def rows_in(path: Path) -> tuple[LedgerRow, ...]:
    with HistoryStore.open(path) as store:
        return stored.load(store, datetime(2000, 1, 1, tzinfo=UTC))


def router_price(model: str, provider: str) -> tuple[Decimal, Decimal]:
    """USD per 1M input and output tokens, straight from the fake's catalog."""
    offer = next(o for m in ROUTER_MODELS if m.id == model for o in m.offers if o.provider == provider)
    return Decimal(str(offer.input_usd)), Decimal(str(offer.output_usd))


def test_each_demo_request_lands_in_the_ledger_priced_and_nothing_is_left_running(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    hub = FakeHub(demo_scenario(), now=FrozenClock(AT).now)
    traffic = DemoTraffic(hub, FULL_TOKEN, path, FrozenClock(AT), seed=3, gap_s=NEVER)
    traffic.start()
    try:
        statuses = [traffic.send_one() for _ in range(24)]
    finally:
        traffic.stop()
    assert running_threads() == set()
    rows = rows_in(path)
    assert len(rows) == 24 and all(s is not None for s in statuses)
    assert {r.at for r in rows} == {AT}  # the demo's clock, not the wall clock
    assert len({r.model for r in rows}) >= 4 and any(r.streamed for r in rows)
    assert sorted(r.status for r in rows) == sorted(statuses)
    ok = [r for r in rows if r.outcome is Outcome.OK]
    assert ok and all(r.prompt_tokens and r.provider for r in ok)
    for row in ok:
        if row.model == "google/gemma-3-27b-it":  # featherless-ai has no price: unpriced, never $0
            assert row.estimated_usd is None
            continue
        assert row.provider is not None and row.prompt_tokens is not None and row.completion_tokens is not None
        price_in, price_out = router_price(row.model, row.provider)
        assert row.estimated_usd == (row.prompt_tokens * price_in + row.completion_tokens * price_out) / 1_000_000
    assert any(r.status == 400 for r in rows) and any(r.estimated_usd is None for r in ok)  # seed 3 has both
    for row in rows:  # a provider pinned while it is down: the router's 400 is passed on and counted
        assert row.is_error == (row.status == 400)
    # the fake router billed what went through it, under the proxy's session ids
    billed = {r.session for r in hub.traffic.ledger if r.session}
    assert {r.session_id for r in ok} <= billed


def test_the_demo_sends_by_itself_until_stopped(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    traffic = DemoTraffic(FakeHub(demo_scenario(), now=FrozenClock(AT).now), FULL_TOKEN, path, FrozenClock(AT),
                          gap_s=(0.01, 0.02))
    traffic.start()
    try:
        deadline = time.monotonic() + 20
        while traffic.sent < 5:
            assert time.monotonic() < deadline, f"the demo sent {traffic.sent} requests in 20 s"
            time.sleep(0.02)
    finally:
        traffic.stop()
    sent = traffic.sent
    assert running_threads() == set()
    assert len(rows_in(path)) == sent  # every request it sent is in the ledger once stopped
    time.sleep(0.1)
    assert traffic.sent == sent  # and it sends no more


def test_traffic_runs_only_under_demo_with_a_history_file() -> None:
    demo = build_monitor(demo=True)
    try:
        with traffic_for(demo, False) as nothing:
            assert nothing is None and running_threads() == set()
        with traffic_for(demo, True) as traffic:
            assert traffic is not None and running_threads() == OURS
        assert running_threads() == set()
    finally:
        demo.close()
    no_history = build_monitor(demo=True, history=False)
    with traffic_for(no_history, True) as nothing:  # nowhere for the ledger: nothing to show it in
        assert nothing is None and running_threads() == set()


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("demo", [True, False])
def test_the_dashboard_starts_demo_traffic_only_with_demo(demo: bool, monkeypatch: pytest.MonkeyPatch,
                                                         tmp_path: Path) -> None:
    monkeypatch.setenv("HFMON_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("HF_TOKEN", "hf_" + "x" * 34)
    monkeypatch.setenv("TERM", "xterm")
    monkeypatch.setattr("sys.stdin", Tty())
    monkeypatch.setattr("sys.stdout", Tty())
    seen: dict[str, Any] = {}

    def dashboard_ran(monitor: Any, **_: Any) -> int:
        seen["threads"] = running_threads()
        return 0

    monkeypatch.setattr("hfmon.tui.run", dashboard_ran)
    argv = ["--demo"] if demo else []
    assert dashboard.run(build_parser().parse_args([*argv, "--log-file", str(tmp_path / "log")])) == 0
    assert seen["threads"] == (OURS if demo else set())
    assert running_threads() == set()
