"""Replicas billed now: the costs, the history and the JSON count them by one rule (costs.billing_rules)."""

from __future__ import annotations

from pathlib import Path

from hfmon.config import Config
from hfmon.costs import evaluate, history_since
from hfmon.costs.evaluate import history_windows
from hfmon.jsonout import report_document
from hfmon.store import HistoryStore
from tests.store.builders import endpoint, minutes, namespace, snapshot, space

# (resource, how it looks, replicas HF bills for it now): written out by hand from the documented rules.
ENDPOINTS = [
    (endpoint("alice", "ready2", ready=2, target=2), 2),
    (endpoint("alice", "scaling-up", ready=1, target=2), 1),  # running: the ready ones
    (endpoint("alice", "no-ready-yet", ready=0, target=2), 2),  # running with none ready: the target bills
    (endpoint("alice", "initializing", state="initializing", ready=0, target=0), 1),  # at least one comes up
    (endpoint("alice", "paused", state="paused", ready=1, target=1), 0),
    (endpoint("alice", "zero", state="scaledToZero", ready=0, target=0), 0),
]
SPACES = [
    (space("alice/two", current=2, wanted=2), 2),
    # running with no count: 1 or 2 bill, unknown which (history records 0, which a state that bills never has)
    (space("alice/none-current", current=0, wanted=2), None),
    (space("alice/asked-one"), 1),  # asked for one (builders: {"requested": 1}) and no count: one
    (space("alice/asleep", stage="SLEEPING", current=1, wanted=1), 0),
]


def test_history_costs_and_json_count_the_same_replicas(tmp_path: Path) -> None:
    snap = snapshot(minutes(0), namespace("alice", endpoints=[e for e, _ in ENDPOINTS], spaces=[s for s, _ in SPACES]))
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        store.record(snap)
        history = store.load(minutes(0))
    report = evaluate(snap, history, Config(), minutes(0))
    want: dict[str, int | None] = {e.id: n for e, n in ENDPOINTS} | {s.id: n for s, n in SPACES}
    assert {c.resource: c.replicas for c in history.changes} == {k: 0 if n is None else n for k, n in want.items()}
    assert {r.endpoint.id: r.cost.replicas for r in report.endpoints} | {
        r.space.id: r.cost.replicas for r in report.spaces} == want
    doc = report_document(report)
    assert {f"{e['namespace']}/{e['name']}": e["replicas"] for e in doc["endpoints"]} | {
        s["id"]: s["replicas"] for s in doc["spaces"]} == want
    for row in report.endpoints:  # and $/h now is the price of exactly those replicas
        assert row.cost.price is not None
        assert row.cost.cost_per_hour_usd == row.cost.price.usd_per_hour * want[row.endpoint.id]


def test_a_span_whose_replica_count_hf_did_not_give_makes_its_window_unknown(tmp_path: Path) -> None:
    """An Endpoint running without readyReplica for an hour: its $/h now is unknown, and so is what the hour cost;
    history used to price it as one replica, a plain number (audit 3, finding 7: $3.20 where $5.70 ran)."""
    blind = endpoint("alice", "blind", ready=None, target=2)  # type: ignore[arg-type]  # readyReplica left out
    seen = endpoint("alice", "seen", ready=1, target=1)
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        for m in range(0, 61, 10):
            store.record(snapshot(minutes(m), namespace("alice", endpoints=[blind, seen])))
        last = snapshot(minutes(60), namespace("alice", endpoints=[blind, seen]))
        history = store.load(history_since(last, minutes(60)), history_windows(last, minutes(60)), minutes(60))
    report = evaluate(last, history, Config(), minutes(60))
    [hour] = [w for w in report.windows if w.window == "1h" and w.namespace == "alice"]
    assert hour.current.endpoints_usd is None
    assert next(r for r in report.endpoints if r.endpoint.id == "alice/blind").cost.cost_per_hour_usd is None
