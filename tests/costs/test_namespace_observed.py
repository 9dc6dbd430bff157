"""Uptime from history counts a resource first seen later as not running before only where history was watching:
a namespace polled only since later (an org joined, `--namespace` runs before) says nothing of its earlier time."""

from __future__ import annotations

from decimal import Decimal

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.history import History, StateChange
from tests.costs.builders import at, endpoint, missing, namespace, snapshot, space

NOW = at(20)  # Nov 20 00:00: 19 days (456 h) into the period

# alice has been watched since Nov 1; acme only since Nov 19 (its resources' first records)
HISTORY = History(changes=(
    StateChange("space", "alice/old", at(1), "RUNNING", "t4-small", 1),
    StateChange("space", "alice/new", at(19), "RUNNING", "t4-small", 1),
    StateChange("space", "acme/rag", at(19), "RUNNING", "t4-small", 1),
    StateChange("endpoint", "acme/qwen", at(19), "running", "aws/nvidia-l4/x1", 1),
))


def _report() -> dict[str, tuple[Decimal | None, Decimal | None]]:
    snap = snapshot(
        namespace("alice", spaces=(space("alice/old"), space("alice/new")),
                  statement=missing("statement:alice")),
        namespace("acme", kind="org", spaces=(space("acme/rag"),), endpoints=(endpoint("acme", "qwen"),),
                  statement=missing("statement:acme")))
    r = evaluate(snap, HISTORY, Config(), NOW)
    rows = [(s.space.id, s.cost) for s in r.spaces] + [(e.endpoint.id, e.cost) for e in r.endpoints]
    return {rid: (cost.uptime_pct, cost.uptime_24h_pct) for rid, cost in rows}


def test_a_resource_new_in_a_watched_namespace_did_not_run_before_it_was_first_seen() -> None:
    uptime = _report()
    assert uptime["alice/old"] == (Decimal("100.00"), Decimal("100.00"))
    assert uptime["alice/new"] == (Decimal("5.26"), Decimal("100.00"))  # 24 h of 456 h, all of the last day


def test_a_namespace_watched_only_lately_has_no_period_uptime_for_its_resources() -> None:
    uptime = _report()
    # one day of the 19 observed: less than half the period, so unknown (it was 5.26 %, as if acme had been watched)
    assert uptime["acme/rag"] == (None, Decimal("100.00"))
    assert uptime["acme/qwen"] == (None, Decimal("100.00"))
