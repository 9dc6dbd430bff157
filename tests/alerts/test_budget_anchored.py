"""The monthly-budget alert of a namespace whose statement period is not usage-v2's (anchored on the 15th: Nov 15 →
Dec 15, usage-v2 Nov 1 → Dec 1), run by a long-running Monitor against the fake Hub. This period's inference is
unknown (usage-v2 counts from the 1st), but it is at most usage-v2's figure since the 1st: the alert fires on the
known lower bound and resets once the upper bound is back within the pace, instead of never resetting."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from hfmon.alerts.engine import FIRED, RESET
from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Alerts, Config, Thresholds
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.monitor import Monitor
from tests.cli.test_once_e2e import Served, fake

__all__ = ["fake"]


def anchored_on_the_15th(body: Any) -> Any:
    """ada's statement as of a period Nov 15 -> Dec 15."""
    body["period"]["periodStart"] = "2026-11-15T00:00:00.000Z"
    body["period"]["periodEnd"] = "2026-12-15T00:00:00.000Z"
    return body


async def test_a_budget_alert_on_a_period_anchored_elsewhere_resets_on_the_bounds() -> None:
    scale = {"k": 1.0}

    def anchored_on_the_15th(body: Any) -> Any:
        body["period"]["periodStart"] = "2026-11-15T00:00:00.000Z"
        body["period"]["periodEnd"] = "2026-12-15T00:00:00.000Z"
        for lines in body["usage"].values():
            for line in lines:  # the Endpoints/Spaces/Jobs spend, scaled to fall behind the pace at will
                line["quantity"] = int(line["quantity"] * scale["k"])
                line["totalCostMicroUSD"] = int(line["totalCostMicroUSD"] * scale["k"])
        return body

    scenario = demo_scenario(seed=7)
    clock = FrozenClock(scenario.start)  # Nov 18 15:00: 3d 15h into the period, a $1,000 budget allows $120.83
    hub = FakeHub(scenario, now=clock.now)
    hub.route_faults.append(RouteFault("/api/settings/billing/usage", edit=anchored_on_the_15th))
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    alerts = Alerts(namespaces={"ada": Thresholds(monthly_budget_usd=Decimal(1000))})
    monitor = Monitor(Collector(client, clock), clock, Config(alerts=alerts), None)
    try:
        first = await monitor.poll()
        [spend] = [s for s in first.spend if s.namespace == "ada"]
        assert spend.total_usd.missing == ("inference_period:ada",)  # this period's inference is unknown
        assert [(e.kind, e.message) for e in monitor.alert_events] == [
            (FIRED, "spend this period (ada): at least $1,009.68, above the limit $120.83 (a $1,000.00 budget's "
                    "pace, 3d 15h into the period)")]

        scale["k"] = 0.01  # the statement's part falls to $10.10; inference since Nov 15 is at most $1.86
        clock.advance(600)
        await monitor.poll()
        assert [(e.kind, e.message) for e in monitor.alert_events] == [
            (RESET, "spend this period (ada): at least $10.10, at most $11.96 (limit $121.06 (a $1,000.00 budget's "
                    "pace, 3d 15h into the period)) (back within the limit)")]
    finally:
        await monitor.aclose()


@pytest.mark.e2e
def test_the_json_says_what_this_periods_inference_is_at_most(fake: Callable[..., Served]) -> None:  # noqa: F811
    served = fake()
    plain = served.run("--once", "--json", "--no-history").doc()
    [before] = [s for s in plain["spend"] if s["namespace"] == "ada"]
    assert before["inference_period_start"] is None and before["inference_at_most_usd"] is None
    served.hub.route_faults.append(RouteFault("/api/settings/billing/usage", edit=anchored_on_the_15th))
    [ada] = [s for s in served.run("--once", "--json", "--no-history").doc()["spend"] if s["namespace"] == "ada"]
    assert ada["inference_usd"] is None and ada["inference_period_start"] == "2026-11-01T00:00:00Z"
    assert ada["total_usd"]["missing"] == ["inference_period:ada"]
    assert ada["inference_at_most_usd"] == before["inference_usd"]  # usage-v2's figure since Nov 1 bounds it
