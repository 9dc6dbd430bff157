"""A long-running hfmon (the dashboard, the exporter) across the month's rollover while usage-by-resource-group fails:
its last good answer is last month's group spend, which is not this month's. Group limits are monthly: this month's
group spend is unknown, says why, and raises no flag, until Hugging Face answers for this month."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.models import SourceStatus
from hfmon.monitor import Monitor
from hfmon.report import Report

GROUP_USAGE = "/api/organizations/ada-labs/billing/usage-by-resource-group"


def research(report: Report) -> tuple[datetime | None, Decimal | None, list[tuple[Decimal | None, str]]]:
    """ada-labs' group research: its month, spend, and (spend, state) of each limit."""
    [row] = [g for g in report.resource_groups or () if g.namespace == "ada-labs" and g.name == "research"]
    return row.period, row.total_usd, [(lim.spent_usd, lim.state) for lim in row.limits or ()]


async def test_last_months_group_spend_is_not_shown_as_this_months_after_the_rollover() -> None:
    clock = FrozenClock(datetime(2026, 11, 30, 23, 50, tzinfo=UTC))
    hub = FakeHub(demo_scenario(seed=7), now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, clock), clock, Config(), None)
    try:
        november = await monitor.poll()  # research: $748.15 of its $261.00 total limit this month (November)
        assert research(november) == (datetime(2026, 11, 1, tzinfo=UTC), Decimal("748.14503"),
                                      [(Decimal("748.14503"), "over")])
        assert ("resource_group_limit_hit", "ada-labs/research") in [(f.kind, f.subject) for f in november.flags]

        hub.route_faults.append(RouteFault(GROUP_USAGE, status=500))
        clock.advance(20 * 60)  # Dec 1 00:10: December's group spend is unknown, not November's "limit hit"
        december = await monitor.poll()
        assert research(december) == (None, None, [(None, "unknown")])
        assert not [f for f in december.flags if f.kind.startswith("resource_group_limit")]
        source = december.source("resource_group_usage:ada-labs")
        assert source is not None and source.status is SourceStatus.ERROR
        assert source.error == ("500 Internal Server Error on GET /api/organizations/ada-labs/billing/usage-by-"
                                "resource-group: Scripted failure; the last answer hfmon has, the usage by resource "
                                "group of ada-labs, is for Nov 01 00:00 to Dec 01 00:00 UTC, a period that has ended: "
                                "this month's group spend is unknown")  # the failure's own words first: why no answer
        assert source.http_status == 500

        hub.route_faults.clear()  # answering again: December's own figures
        clock.advance(10 * 60)
        answered = await monitor.poll()
        assert research(answered) == (datetime(2026, 12, 1, tzinfo=UTC), Decimal("0.000"), [(Decimal("0.000"), "ok")])
    finally:
        await monitor.aclose()
