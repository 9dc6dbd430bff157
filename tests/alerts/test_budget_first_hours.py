"""The monthly-budget alert in a billing period's first hours, run by a long-running Monitor against the fake Hub
across the Dec 1 rollover. The budget spread evenly over the period allows $0.00 at 00:00 and $0.27 of a $100
budget at 02:00 ($100 x 2 h / 744 h): minutes of spend are no month's pace, so under MIN_PROJECTION_SPAN (4 h, the
credits' one rule) the pace is not judged (no fire, no reset), while spend already above the whole budget fires."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from decimal import Decimal

from hfmon.alerts.engine import FIRED
from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Alerts, Config, Thresholds
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.scenario import Scenario
from hfmon.monitor import Monitor


@asynccontextmanager
async def watching(budget: int, clock: FrozenClock, scenario: Scenario | None = None) -> AsyncIterator[Monitor]:
    """A Monitor of an account (the demo's by default) with a monthly budget for ada, on the fake frozen at `clock`."""
    hub = FakeHub(scenario or demo_scenario(seed=7), now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    alerts = Alerts(namespaces={"ada": Thresholds(monthly_budget_usd=Decimal(budget))})
    monitor = Monitor(Collector(client, clock), clock, Config(alerts=alerts), None)
    try:
        yield monitor
    finally:
        await monitor.aclose()


def events(monitor: Monitor) -> list[tuple[str, str]]:
    return [(e.kind, e.message) for e in monitor.alert_events]


async def test_a_budget_alert_neither_resets_nor_fires_on_the_first_hours_pace() -> None:
    clock = FrozenClock(datetime(2026, 11, 30, 23, 50, tzinfo=UTC))
    async with watching(100, clock) as monitor:
        await monitor.poll()  # November: $1,786.13 against $99.98 allowed by 23:50 on its 30th day
        assert events(monitor) == [(FIRED, "spend this period (ada): $1,786.13, above the limit $99.98 (a $100.00 "
                                           "budget's pace, 29d 23h into the period)")]
        clock.advance(600)  # Dec 1 00:00: $0.00 spent of $0.00 allowed; was reset "(back within the limit)"
        report = await monitor.poll()
        assert [s.total_usd.value for s in report.spend if s.namespace == "ada"] == [Decimal(0)]
        assert events(monitor) == []
        # Dec 1 02:00: $4.77 (inference $0.09, Endpoints $1.67, Spaces $3.00) against $0.27; was fired again
        clock.advance(7200)
        report = await monitor.poll()
        assert [round(s.total_usd.value or 0, 2) for s in report.spend if s.namespace == "ada"] == [Decimal("4.77")]
        assert events(monitor) == []
        assert [e.kind for e in monitor.alert_history()] == [FIRED]  # November's alert: still firing, never reset
        clock.advance(7200)  # Dec 1 04:00: 4 h in, judged again: $10.25 against $0.54 (still firing: no event)
        await monitor.poll()
        assert events(monitor) == []


async def test_spend_over_the_whole_budget_fires_in_the_first_hours() -> None:
    clock = FrozenClock(datetime(2026, 12, 1, 2, tzinfo=UTC))
    async with watching(4, clock) as monitor:  # $4.77 spent 2 h in is over a $4 budget however the month goes
        await monitor.poll()
        assert events(monitor) == [(FIRED, "spend this period (ada): $4.77, above the limit $4.00 (the whole budget)")]
    async with watching(5, clock) as monitor:  # within a $5 budget: the pace is not judged yet (was fired on $0.01)
        await monitor.poll()
        assert events(monitor) == []
