"""End to end: an Endpoint `pending` (waiting to be deployed) with min replica 1 is about to bill: "left as it is
until the period ends" is its price for its min replicas, never a known $0.00 (audit 6 B5). The demo at Nov 18 15:00:
northwind/classifier is pending (min 1, max 1, $0.033/h); 15:00 to Dec 1 00:00 is 297 h: 0.033 x 297 = $9.801 (it
was 0.0; at 15:30 it runs one replica and the same figure is $9.78). A Space building is about to bill too."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.cli.test_once_e2e import Served, fake

pytestmark = pytest.mark.e2e
__all__ = ["fake"]  # the loopback fake hub fixture, shared with test_once_e2e


def test_a_pending_endpoint_bills_its_min_replicas_to_the_period_end(fake: Callable[..., Served]) -> None:
    run = fake().run("--once", "--json", "--no-history", frozen_clock=True)
    assert run.code == 0, run.stderr
    classifier = next(e for e in run.doc()["endpoints"] if e["name"] == "classifier")
    assert (classifier["state"], classifier["min_replica"]) == ("pending", 1)
    assert classifier["cost_per_hour_usd"] == 0.0  # it bills nothing now
    assert classifier["to_period_end_usd"] == 9.801  # was 0.0


def test_a_building_space_bills_its_price_from_when_it_runs_to_the_period_end(fake: Callable[..., Served]) -> None:
    """audit 10 G3: ada-labs/vision-demo is BUILDING at Nov 18 15:00 (a10g-small, HF's live price $1.00002/h, one
    replica asked): a build ends in a run, and the fake bills it 4,928 minutes ($82.13) from 15:00 to Dec 1 (it sleeps
    after 30 min without visitors). Left as it is, from when it runs: 1.00002 x 297 h = $297.00594, as a Space
    running now reads (it was 0.0, with no why)."""
    run = fake().run("--once", "--json", "--no-history", frozen_clock=True)
    assert run.code == 0, run.stderr
    space = next(s for s in run.doc()["spaces"] if s["id"] == "ada-labs/vision-demo")
    assert (space["stage"], space["requested_hardware"], space["price_per_hour_usd"]) == ("BUILDING", "a10g-small",
                                                                                          1.00002)
    assert space["cost_per_hour_usd"] == 0.0  # a build bills nothing now
    assert space["to_period_end_usd"] == 297.00594  # was 0.0
