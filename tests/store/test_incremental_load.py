"""Loading history poll after poll (the dashboard): each load reads only what the last one did not, and gives
exactly what a fresh full load gives, also when another process wrote in between or old rows were pruned."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from hfmon.history import History
from hfmon.store import HistoryStore
from tests.store.builders import T0, billing, endpoint, minutes, namespace, snapshot, space

SINCE = T0 - timedelta(days=1)


def poll(n: int, name: str = "alice") -> object:
    """Poll `n` (a minute apart): the endpoint flips every third poll, the usage grows each poll."""
    up = (n // 3) % 2 == 0
    return snapshot(minutes(n), namespace(name, usage=billing(name, f"{n}.5"), endpoints=[
        endpoint(name, "llm", state="running" if up else "paused", ready=int(up))],
        spaces=[space(f"{name}/chat", stage="RUNNING" if n % 5 else "SLEEPING")]))


def fresh(path: Path) -> History:
    """What a new process would load."""
    with HistoryStore.open(path) as other:
        return other.load(SINCE)


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "history.sqlite3"


@pytest.fixture
def store(path: Path) -> Iterator[HistoryStore]:
    with HistoryStore.open(path) as opened:
        yield opened


def statements(store: HistoryStore) -> list[str]:
    """The SQL the store runs from now on (white box: which rows a load reads)."""
    seen: list[str] = []
    store._conn.set_trace_callback(seen.append)
    return seen


def test_each_load_reads_only_the_new_polls_and_equals_a_full_load(store: HistoryStore, path: Path) -> None:
    for n in range(10):
        store.record(poll(n))  # type: ignore[arg-type]
    first = store.load(SINCE)
    assert len(first.changes) > 3 and len(first.usage) == 10
    for n in range(10, 25):
        store.record(poll(n))  # type: ignore[arg-type]
        seen = statements(store)
        loaded = store.load(SINCE)
        store._conn.set_trace_callback(None)
        assert loaded == fresh(path)
        assert any("s.at > " in sql for sql in seen) and not any("m.at < " in sql for sql in seen)  # only new rows
    assert [c.at for c in loaded.changes] == sorted(c.at for c in loaded.changes)
    assert len(loaded.usage) == 25


def test_another_process_writing_makes_the_next_load_read_everything(store: HistoryStore, path: Path) -> None:
    for n in range(0, 20, 2):
        store.record(poll(n))  # type: ignore[arg-type]
    store.load(SINCE)
    with HistoryStore.open(path) as other:  # e.g. `hfmon --once` from cron, with polls older than the latest
        for n in range(1, 20, 2):
            other.record(poll(n, "acme"))  # type: ignore[arg-type]
            other.record(poll(n))  # type: ignore[arg-type]
    store.record(poll(20))  # type: ignore[arg-type]
    loaded = store.load(SINCE)
    assert loaded == fresh(path)
    assert {p.namespace for p in loaded.usage} == {"alice", "acme"}
    assert len([p for p in loaded.usage if p.namespace == "alice"]) == 21


def test_a_poll_not_after_the_last_load_and_a_prune_make_it_read_everything(store: HistoryStore, path: Path) -> None:
    for n in range(10):
        store.record(poll(n))  # type: ignore[arg-type]
    store.load(SINCE)
    store.record(poll(4, "acme"))  # older than what was read (a clock that went back)
    assert store.load(SINCE) == fresh(path)
    store.record(poll(60 * 24 * 200))  # 200 days on: the retention drops the old rows
    assert store.load(SINCE) == fresh(path)
    with HistoryStore.open(path) as other:  # another `since` reads everything again
        assert store.load(SINCE - timedelta(days=1)) == other.load(SINCE - timedelta(days=1))
