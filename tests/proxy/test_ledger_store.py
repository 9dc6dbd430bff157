"""The ledger in the history file: rows round-trip exactly, a proxy and a dashboard write at once without
conflict, and HF's settled session costs are kept for the sessions the ledger knows."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hfmon.ledger import LedgerRow, Outcome
from hfmon.models import SessionCost
from hfmon.store import HistoryStore
from hfmon.store import ledger as stored
from tests.store.builders import billing, namespace, snapshot

AT = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
ROW = LedgerRow(at=AT, namespace="ada-labs", route="chat", model="m/x", policy="cheapest", provider="together",
                streamed=True, status=200, outcome=Outcome.OK, ttfb_s=0.012345, latency_s=1.5, prompt_tokens=12,
                completion_tokens=40, request_id="Root=1-abc", session_id="hfmon-20261118T15-aa",
                estimated_usd=Decimal("0.0000347"), run_id="r1", caller="ada")


def test_rows_round_trip_with_unknowns_kept_unknown(tmp_path: Path) -> None:
    unknown = replace(ROW, at=AT + timedelta(seconds=1), provider=None, status=None, outcome=Outcome.UNREACHABLE,
                      ttfb_s=None, prompt_tokens=None, completion_tokens=None, estimated_usd=None, run_id=None,
                      caller=None)
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        stored.append(store, [ROW, unknown])
        assert stored.load(store, AT) == (ROW, unknown)
        assert stored.load(store, AT + timedelta(seconds=1)) == (unknown,)
        assert stored.load_run(store, "r1") == (ROW,)


def test_a_proxy_and_a_dashboard_write_at_once_without_losing_a_row(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    with HistoryStore.open(path) as proxy_side, HistoryStore.open(path) as dashboard_side:
        writer = stored.LedgerWriter(proxy_side)

        def polls() -> None:
            for i in range(40):
                dashboard_side.record(snapshot(AT + timedelta(minutes=i), namespace("alice", usage=billing(
                    "alice", str(i)))))

        poller = threading.Thread(target=polls)
        poller.start()
        for i in range(400):
            writer.put(replace(ROW, at=AT + timedelta(seconds=i)))
        poller.join()
        writer.close()
        assert writer.unwritten == () and writer.lost == 0
        assert len(stored.load(dashboard_side, AT)) == 400
        assert len(dashboard_side.load(AT).usage) == 40


def test_settled_costs_are_kept_for_the_ledgers_sessions_summed_over_periods(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        stored.append(store, [ROW])
        nov, dec = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
        stored.store_sessions(store, [SessionCost(ROW.session_id or "", nov, 3, Decimal("0.01")),
                                      SessionCost(ROW.session_id or "", dec, 1, Decimal("0.002")),
                                      SessionCost("someone-elses", nov, 9, Decimal("5"))], AT)
        got = stored.settled(store, [ROW.session_id or "", "someone-elses"])
        assert list(got) == [ROW.session_id]
        assert (got[ROW.session_id or ""].requests, got[ROW.session_id or ""].settled_usd) == (4, Decimal("0.012"))
