"""A one-shot command's history store opened in a thread while its poll runs (`Monitor.open_store_in_background`)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.monitor import Monitor
from hfmon.store import HistoryStore, db


def monitor_opening(tmp_path: Path, path: Path) -> Monitor:
    """A Monitor over the demo scenario whose history store at `path` is being opened in the background."""
    clock = FrozenClock(demo_scenario().start)
    hub = FakeHub(demo_scenario(), now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, clock), clock, Config(), None)
    monitor.figures_only = True
    monitor.open_store_in_background(path)
    return monitor


async def test_the_poll_is_recorded_in_the_store_opened_meanwhile(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    monitor = monitor_opening(tmp_path, path)
    try:
        report = await monitor.poll()
        assert isinstance(monitor.store, HistoryStore) and monitor.store.path == path
    finally:
        await monitor.aclose()
    assert monitor.warnings == []
    with sqlite3.connect(path) as conn:
        listed = conn.execute("SELECT count(*) FROM resources").fetchone()[0]
    expected = sum(len(ns.endpoints.value or ()) + len(ns.spaces.value or ()) + len(ns.jobs.value or ())
                   for ns in monitor.snapshot.namespaces) if monitor.snapshot else -1
    assert listed == expected > 0
    assert report.spend  # evaluated with the history it just recorded


async def test_a_store_that_cannot_open_leaves_a_warning_and_the_poll(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    path.write_bytes(b"not an sqlite file, but the user's" * 100)
    before = path.read_bytes()
    monitor = monitor_opening(tmp_path, path)
    try:
        report = await monitor.poll()
    finally:
        await monitor.aclose()
    assert monitor.store is None
    assert len(monitor.warnings) == 1
    assert monitor.warnings[0].startswith("running without history: ") and str(path) in monitor.warnings[0]
    assert report.spend and path.read_bytes() == before  # the live numbers, and the file left untouched


def test_an_unexpected_failure_is_raised_where_the_store_is_asked_for(tmp_path: Path,
                                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args: object, **kwargs: object) -> HistoryStore:
        raise RuntimeError("a bug, not a history problem")

    monkeypatch.setattr(db.HistoryStore, "open", broken)
    monitor = monitor_opening(tmp_path, tmp_path / "history.sqlite3")
    with pytest.raises(RuntimeError, match="a bug"):
        _ = monitor.store
    assert monitor.warnings == []
