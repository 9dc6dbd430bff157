"""Retention: old rows go, each resource keeps its state at the window's start, gone resources are forgotten."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from hfmon.store import HistoryStore
from tests.store.builders import T0, billing, endpoint, namespace, snapshot


def day(n: float) -> timedelta:
    return timedelta(days=n)


def test_record_prunes_once_a_day_keeping_each_resources_starting_state(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "history.sqlite3", retention_days=2) as store:
        store.record(snapshot(T0, namespace("alice", usage=billing("alice", "1"), endpoints=[
            endpoint("alice", "kept"), endpoint("alice", "deleted")])))
        store.record(snapshot(T0 + day(0.5), namespace("alice", usage=billing("alice", "2"), endpoints=[
            endpoint("alice", "kept", state="paused")])))
        store.record(snapshot(T0 + day(3), namespace("alice", usage=billing("alice", "3"), endpoints=[
            endpoint("alice", "kept", state="running")])))
        history = store.load(T0 - day(10))
    # Cutoff is day 1: usage before it is gone; "kept" keeps its day-0.5 state as the window's start;
    # "deleted" was last seen on day 0 and is forgotten.
    assert [p.at for p in history.usage] == [T0 + day(3)]
    assert [(c.resource, c.at, c.state) for c in history.changes] == [
        ("alice/kept", T0 + day(0.5), "paused"), ("alice/kept", T0 + day(3), "running")]


def test_a_resource_still_seen_keeps_its_old_change(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "history.sqlite3", retention_days=2) as store:
        for hours in range(0, 24 * 5, 6):  # running unchanged for five days
            store.record(snapshot(T0 + timedelta(hours=hours), namespace("alice", endpoints=[endpoint("alice", "a")])))
        history = store.load(T0 + day(4))
    assert [(c.at, c.state) for c in history.changes] == [(T0, "running")]


def test_opening_prunes_relative_to_the_newest_record(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        for d in range(10):
            store.record(snapshot(T0 + day(d), namespace("alice", usage=billing("alice", str(d)))))
    with HistoryStore.open(path, retention_days=3) as store:
        assert [p.at for p in store.load(T0 - day(1)).usage] == [T0 + day(d) for d in (6, 7, 8, 9)]
        assert store.prune() == 0  # already done


def test_a_short_retention_keeps_the_proxys_ledger_for_the_windows_it_reports(tmp_path: Path) -> None:
    # audit 5 #12: retention_days = 7 pruned this period's proxy requests: the period's count fell 6 -> 3 and read
    # complete (the exporter's period counter went down). The ledger is kept 62 days (30 d and the 30 d before it,
    # and the period before this one), whatever the retention.
    from dataclasses import replace

    from hfmon.store import ledger as stored
    from hfmon.store.db import LEDGER_KEPT
    from tests.proxy.test_report_figures import BASE

    made = [T0 + day(d) for d in (-70, 1, 4)]
    with HistoryStore.open(tmp_path / "history.sqlite3", retention_days=7) as store:
        stored.append(store, [replace(BASE, at=at, request_id=f"r{i}") for i, at in enumerate(made)])
        store.record(snapshot(T0 + day(10), namespace("alice", usage=billing("alice", "1"))))
        store.prune(T0 + day(10))
        kept = [r.at for r in stored.load(store, T0 - day(100))]
        usage = [p.at for p in store.load(T0 - day(100)).usage]
    assert LEDGER_KEPT == day(62)
    assert kept == made[1:]  # days 1 and 4 are 9 and 6 days old: kept; day -70 is 80 days old: gone
    assert usage == [T0 + day(10)]  # everything else keeps to the retention
