"""End to end: an Endpoint `pending` (waiting to be deployed) with min replica 1 is about to bill: "left as it is
until the period ends" is its price for its min replicas, never a known $0.00 (audit 6 B5). The demo at Nov 18 15:00:
northwind/classifier is pending (min 1, max 1, $0.033/h); 15:00 to Dec 1 00:00 is 297 h: 0.033 x 297 = $9.801 (it
was 0.0; at 15:30 it runs one replica and the same figure is $9.78)."""

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
