"""The most replicas a resource ran with since a load's start counts the change it was in when the load starts
(the last one before it), not only the changes after: a Space at 2 replicas from before `since`, then 1."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from hfmon.store import HistoryStore
from hfmon.store.extract import encode_time
from hfmon.store.figures import seen
from tests.store.builders import T0, namespace, snapshot, space


def test_the_change_in_force_at_the_start_counts_for_the_most_replicas(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        store.record(snapshot(T0, namespace("alice", spaces=[space("alice/pair", current=2)])))
        store.record(snapshot(T0 + timedelta(hours=2), namespace("alice", spaces=[space("alice/pair", current=1)])))
        since = encode_time(T0 + timedelta(hours=1))  # ran at 2 replicas until an hour after it
        rows = store.transaction(lambda conn: seen(conn, since), write=False)
        later = store.transaction(lambda conn: seen(conn, encode_time(T0 + timedelta(hours=3))), write=False)
    assert [(kind, resource, first, most) for _, kind, resource, first, most in rows] == [
        ("space", "alice/pair", encode_time(T0), 2)]
    assert [most for *_, most in later] == [1]  # from after the change to 1 replica: 1
