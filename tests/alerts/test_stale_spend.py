"""The budget-pace and resource-group-limit alerts across an outage of an org's billing, run by a long-running
Monitor (the dashboard's, the exporter's) against the fake Hub: what a failed source last said is not the spend now,
so neither alert fires nor resolves on it; each reads unknown and says which source failed and how old its value is.

The demo account at its start (Nov 18 15:00 UTC, 423 h of a 720-hour period): ada-labs has spent $3,032.99 this
period, and its group `research` $97.91 of a $106.00 total limit (92.3 %)."""

from __future__ import annotations

from decimal import Decimal

from hfmon.alerts.checks import Outcome
from hfmon.alerts.engine import FIRED
from hfmon.alerts.rules import evaluate_rules
from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Alerts, Config, Thresholds
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.monitor import Monitor
from hfmon.report import Report

ORG_BILLING = "/api/organizations/ada-labs/billing/*"  # usage-v2, the statement, usage by resource group


def monitor_with(alerts: Alerts) -> tuple[Monitor, FakeHub, FrozenClock]:
    """The demo account's Monitor with these alert rules, its fake Hub and its clock (at the scenario start)."""
    scenario = demo_scenario(discrepancies=False)
    clock = FrozenClock(scenario.start)
    hub = FakeHub(scenario, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    return Monitor(Collector(client, clock), clock, Config(alerts=alerts), None), hub, clock


def reading(report: Report, alerts: Alerts, rule: str, subject: str) -> tuple[Outcome, str, str]:
    """One rule's reading of one subject: its outcome, figure and why."""
    [found] = [r for result in evaluate_rules(report, alerts, {}) if result.rule == rule
               for r in result.readings if r.subject == subject]
    return found.outcome, found.figure, found.why


async def test_a_budget_alert_does_not_resolve_on_the_spend_its_failed_sources_last_read() -> None:
    # $4,000 a month allows $2,350.00 by 423 h in: $3,032.99 is ahead of the pace, so the alert fires
    alerts = Alerts(namespaces={"ada-labs": Thresholds(monthly_budget_usd=Decimal(4000))})
    monitor, hub, clock = monitor_with(alerts)
    try:
        first = await monitor.poll()
        [spend] = [s for s in first.spend if s.namespace == "ada-labs"]
        assert spend.total_usd.value is not None and round(spend.total_usd.value, 2) == Decimal("3032.99")
        assert [(e.kind, e.subject) for e in monitor.alert_events] == [(FIRED, "ada-labs")]
        hub.route_faults.append(RouteFault(ORG_BILLING, status=503))
        clock.advance(9 * 86400)  # 639 h in: the pace allows $3,550.00, and $3,032.99 is 5% below it
        second = await monitor.poll()
        assert second.source("statement:ada-labs").stale and second.source("billing:ada-labs").stale  # type: ignore[union-attr]
        assert monitor.alert_events == []  # not "back within the limit" on a 9-day-old spend
        outcome, figure, why = reading(second, alerts, "monthly_budget_usd", "ada-labs")
        assert outcome is Outcome.UNKNOWN and figure == "unknown"
        assert why.startswith("billing:ada-labs failed this poll, its last good value 9d old")
        assert "statement:ada-labs failed this poll" in why
        hub.route_faults.clear()  # the org's billing answers again: judged on what it says now
        clock.advance(60)
        third = await monitor.poll()
        assert reading(third, alerts, "monthly_budget_usd", "ada-labs")[0] is not Outcome.UNKNOWN
    finally:
        await monitor.aclose()


async def test_a_group_limit_alert_neither_holds_nor_fires_on_a_failed_usage_source() -> None:
    alerts = Alerts(resource_group_limits=True, limit_near_pct=Decimal(95))  # research at 92.3 %: not yet near
    monitor, hub, clock = monitor_with(alerts)
    try:
        first = await monitor.poll()
        assert reading(first, alerts, "resource_group_limit", "ada-labs/research total")[:2] == (
            Outcome.OK, "$97.91 of $106.00 (92.3%, ok)")
        assert monitor.alert_events == []
        hub.route_faults.append(RouteFault(ORG_BILLING, status=503))
        clock.advance(86400)
        second = await monitor.poll()
        assert second.source("resource_group_usage:ada-labs").stale  # type: ignore[union-attr]
        assert monitor.alert_events == []
        outcome, figure, why = reading(second, alerts, "resource_group_limit", "ada-labs/research total")
        assert (outcome, figure) == (Outcome.UNKNOWN, "unknown")  # not "ok" on a day-old 92.3 %
        assert why.startswith("resource_group_usage:ada-labs failed this poll, its last good value 1d old")
        groups = {r.subject: r.outcome for result in evaluate_rules(second, alerts, {})
                  if result.rule == "resource_group_limit" for r in result.readings}
        assert set(groups.values()) == {Outcome.UNKNOWN}  # every limit of the org, production's too
    finally:
        await monitor.aclose()
