"""What bills nothing now and starts by itself costs its price from when it runs, or unknown with why: never a known
$0.00 ahead (audit 10 G3). The test period is November 2026; at Nov 20 00:00, 11 days = 264 h are left."""

from __future__ import annotations

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.costs.resources import STARTS_GRANT_WHY, STARTS_REPLICAS_WHY
from hfmon.history import History
from hfmon.models import Space
from tests.costs.builders import (
    D,
    at,
    billing,
    compute,
    endpoint,
    flavor,
    namespace,
    paid,
    replace,
    snapshot,
    space,
    statement,
)

NOW = at(20)
T4 = (flavor("t4-small", "0.01"),)  # $0.60/h


def _building(replicas: int | None) -> Space:
    return replace(space("alice/app", stage="BUILDING", replicas=replicas), hardware=None, replicas_current=0)


def test_a_building_space_asking_for_one_replica_costs_its_price_to_the_period_end() -> None:
    running = space("alice/app")  # its statement line on t4-small, not granted: the hardware is paid
    snap = snapshot(namespace("alice", billing=billing("alice"), statement=paid("alice", running),
                              spaces=(_building(1),)), spaces_hw=T4)
    cost = evaluate(snap, History(), Config(), NOW).spaces[0].cost
    assert (cost.cost_per_hour_usd, cost.to_period_end_usd, cost.to_period_end_why) == (D(0), D("158.4"), None)


def test_a_building_space_on_auto_replicas_or_an_unknown_grant_is_unknown_ahead_and_says_why() -> None:
    auto = snapshot(namespace("alice", billing=billing("alice"), statement=paid("alice", space("alice/app")),
                              spaces=(_building(None),)), spaces_hw=T4)
    cost = evaluate(auto, History(), Config(), NOW).spaces[0].cost
    assert (cost.to_period_end_usd, cost.to_period_end_why) == (None, STARTS_REPLICAS_WHY)  # was 0
    no_line = snapshot(namespace("alice", billing=billing("alice"), statement=statement("alice"),
                                 spaces=(_building(1),)), spaces_hw=T4)  # no line on t4-small: granted or not?
    cost = evaluate(no_line, History(), Config(), NOW).spaces[0].cost
    assert (cost.to_period_end_usd, cost.to_period_end_why) == (None, STARTS_GRANT_WHY)  # was 0


def test_an_endpoint_updating_with_no_replica_ready_costs_its_min_replicas_to_the_period_end() -> None:
    snap = snapshot(namespace("alice", billing=billing("alice"), statement=statement("alice"),
                              endpoint_catalog=(compute("nvidia-l4", "x1", "0.8"),),
                              endpoints=(endpoint("alice", "e", state="updating", ready=0, min_replica=1),)))
    cost = evaluate(snap, History(), Config(), NOW).endpoints[0].cost
    assert (cost.cost_per_hour_usd, cost.to_period_end_usd) == (D(0), D("211.2"))  # 0.8 x 264; was 0
