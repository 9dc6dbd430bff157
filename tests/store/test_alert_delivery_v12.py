"""Schema v12: what of each alert event is still to deliver (`alert_events.pending`, `taken_at`), kept across runs and
processes; a v11 file is upgraded in place, its events taken as delivered (before v12 no one knew otherwise)."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hfmon.alerts.engine import DELIVERY_LEASE, FIRED, HOOK, RESET, WEBHOOK, AlertEvent
from hfmon.store import HistoryStore
from hfmon.store.alert_state import SqliteAlertState
from hfmon.store.schema import SCHEMA_VERSION

AT = datetime(2026, 11, 18, 15, tzinfo=UTC)
KEY = "[@ada] max_cost_per_hour_usd:account"


def event(kind: str, at: datetime) -> AlertEvent:
    return AlertEvent(KEY, "max_cost_per_hour_usd", "account", kind, at, "running cost now", "$10.43/h", "$5.00/h",
                      Decimal("10.43"), Decimal(5))


def test_an_undelivered_event_is_taken_once_per_lease_by_any_process_until_delivered(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as one, HistoryStore.open(path) as two:
        first, second = SqliteAlertState(one), SqliteAlertState(two)
        assert first.claim(KEY, True, event(FIRED, AT), HOOK | WEBHOOK)
        [taken] = first.take_undelivered(AT)
        assert (taken.event.at, taken.targets) == (AT, HOOK | WEBHOOK)
        assert second.take_undelivered(AT + timedelta(minutes=1)) == []  # the first is delivering it
        # killed before it could record anything: past the lease, the next poll of any process sends it again
        [again] = second.take_undelivered(AT + DELIVERY_LEASE)
        second.delivered(again, WEBHOOK)  # the hook got it, the webhook did not
        [left] = first.take_undelivered(AT + DELIVERY_LEASE)
        assert left.targets == WEBHOOK
        first.delivered(left, 0)
        assert second.take_undelivered(AT + 2 * DELIVERY_LEASE) == []


def test_a_reset_supersedes_its_firing_and_a_day_old_event_is_not_sent(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        state = SqliteAlertState(store)
        state.claim(KEY, True, event(FIRED, AT), WEBHOOK)
        state.claim(KEY, False, event(RESET, AT + timedelta(minutes=10)), WEBHOOK)
        assert [(p.event.kind, p.event.at) for p in state.take_undelivered(AT + timedelta(minutes=10))] == [
            (RESET, AT + timedelta(minutes=10))]
    with HistoryStore.open(tmp_path / "other.sqlite3") as store:
        state = SqliteAlertState(store)
        state.claim(KEY, True, event(FIRED, AT), WEBHOOK)
        assert state.take_undelivered(AT + timedelta(hours=24, seconds=1)) == []


def test_a_v11_file_is_upgraded_its_old_events_not_sent_again(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        SqliteAlertState(store).claim(KEY, True, event(FIRED, AT), WEBHOOK)
    conn = sqlite3.connect(path)  # what v11 wrote: the same rows, without v12's columns
    conn.execute("DROP INDEX alert_events_pending")
    conn.execute("ALTER TABLE alert_events DROP COLUMN pending")
    conn.execute("ALTER TABLE alert_events DROP COLUMN taken_at")
    conn.execute("DROP TABLE ledger_gaps")  # v13's
    conn.execute("DROP TABLE zero_gpu_overage")  # v16's
    conn.execute("DROP INDEX ledger_entry")  # v17's
    conn.execute("ALTER TABLE ledger DROP COLUMN entry")
    conn.execute("PRAGMA user_version = 11")
    conn.commit()
    conn.close()
    with HistoryStore.open(path) as store:
        state = SqliteAlertState(store)
        assert [e.at for e in state.history()] == [AT] and state.firing() == {KEY}
        assert state.take_undelivered(AT) == []
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 18
    conn.close()
