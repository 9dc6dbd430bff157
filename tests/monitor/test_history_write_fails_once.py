"""One history write that fails (a full disk, a lock held past the timeout) costs that poll's history only: the
store stays, the next poll writes again, and an alert already firing is not fired a second time (audit 7 C3)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from hfmon.alerts.engine import FIRED
from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Alerts, Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.jsonout import report_document
from hfmon.monitor import Monitor
from hfmon.store import HistoryStore
from hfmon.store.connection import explain

ALERTS = Alerts(max_cost_per_hour_usd=Decimal(5), monthly_budget_usd=Decimal(50))


def disk_full(path: Path) -> Exception:
    """The HistoryError a full disk gives."""
    exc = sqlite3.OperationalError("database or disk is full")
    exc.sqlite_errorcode = sqlite3.SQLITE_FULL
    return explain(path, exc)


async def test_a_failed_history_write_skips_that_poll_only_and_fires_nothing_twice(tmp_path: Path) -> None:
    clock = FrozenClock(datetime(2026, 11, 18, 15, tzinfo=UTC))
    hub = FakeHub(demo_scenario(seed=7), now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    path = tmp_path / "history.sqlite3"
    store = HistoryStore.open(path)
    monitor = Monitor(Collector(client, clock), clock, Config(alerts=ALERTS), store)
    real = store.record_and_load
    writes = [0]

    def second_write_fails(*args: Any, **kwargs: Any) -> Any:
        writes[0] += 1
        if writes[0] == 2:
            raise disk_full(path)
        return real(*args, **kwargs)

    store.record_and_load = second_write_fails  # type: ignore[method-assign]
    events, hour = [], []
    try:
        for _poll in range(4):
            report = await monitor.poll()
            events.append(sorted((e.kind, e.title) for e in monitor.alert_events))
            hour.append(report_document(report)["windows"]["1h"]["spend_usd"])
            clock.advance(600)
        assert monitor.store is store  # still the history file, not memory
        fired = [(e.kind, e.title) for e in monitor.alert_history()]
    finally:
        await monitor.aclose()
    first = [(FIRED, "hfmon alert: running cost now"), (FIRED, "hfmon alert: spend this period (ada)"),
             (FIRED, "hfmon alert: spend this period (ada-labs)")]
    assert events == [first, [], [], []]  # each fired once, at 15:00; the failed write at 15:10 fires nothing again
    assert sorted(fired) == first
    assert [w for w in monitor.warnings if w.startswith("history not saved")] == [
        f"history not saved: {disk_full(path)}"]
    assert hour[1]["value"] is None and "history:ada" in hour[1]["missing"]  # that poll's: unknown, and why
    with HistoryStore.open(path) as again:  # history written again from the next poll on: 15:10's poll only lost
        polls = {p.at.strftime("%H:%M") for p in again.load(datetime(2026, 11, 18, tzinfo=UTC)).usage}
    assert polls == {"15:00", "15:20", "15:30"}
