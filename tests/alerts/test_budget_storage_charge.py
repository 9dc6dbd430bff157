"""The monthly-budget alert of a namespace over its storage plan (audit 7 D2), run by a long-running Monitor against
the fake Hub. The free user ada holds 1.25 TB more private data than the demo's (100 GB included): HF bills the
whole TB above the plan for the month, 2 TB x $18 = $36.00 on the statement from Nov 1 00:00 on (hf-api.md 8.3).

By hand, Nov 1 12:00 (12 h of the 720 h period): ada has spent $42.00, the $36.00 storage charge and $6.00 of
Endpoints. A $1,000 budget allows the charge whole and the rest of the budget at its pace: 36 + 964 x 12/720 =
$52.07, so no alert (it fired before: $42.00 "above the limit $16.67", 1000 x 12/720, the charge paced as if it
accrued by the hour). Nov 2 12:00: $57.01 (Endpoints $21.00) against 36 + 964 x 36/720 = $84.20: no alert (was
$50.00). The month is on course for about 36 + 21/36 x 720 = $456."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal

import pytest

from hfmon.alerts.engine import FIRED
from hfmon.clock import FrozenClock
from hfmon.exporter.metrics import AccountView, families
from hfmon.fakehub import demo_scenario
from hfmon.fakehub.demo import entity_id
from hfmon.fakehub.scenario import RepoDef, Scenario
from hfmon.monitor import Monitor
from tests.alerts.test_budget_first_hours import events
from tests.alerts.test_budget_first_hours import watching as watching_account

NOV_1_NOON = datetime(2026, 11, 1, 12, tzinfo=UTC)


def over_storage_plan() -> Scenario:
    """The demo account on the free plan, with 1.25 TB more private data for ada and 5.6 TB more for ada-labs."""
    base = demo_scenario(seed=7, plan="free")
    made = datetime(2026, 10, 5, tzinfo=UTC)
    extra = (RepoDef("ada/big-private", entity_id(7, "ada/big-private"), "dataset", True, 1_250_000_000_000,
                     made, made, 3, 0),
             RepoDef("ada-labs/huge-private", entity_id(7, "ada-labs/huge-private"), "model", True,
                     5_600_000_000_000, made, made, 3, 0))
    return replace(base, repos=base.repos + extra)


def watching(budget: int, clock: FrozenClock) -> AbstractAsyncContextManager[Monitor]:
    """A Monitor of that account with a monthly budget for ada, on the fake frozen at `clock`."""
    return watching_account(budget, clock, over_storage_plan())


async def test_the_months_storage_charge_is_not_paced_by_the_hour() -> None:
    clock = FrozenClock(NOV_1_NOON)
    async with watching(1000, clock) as monitor:
        report = await monitor.poll()
        [ada] = [s for s in report.spend if s.namespace == "ada"]
        assert ada.storage_usd == Decimal(36)  # 2 TB x $18, billed whole for the month
        assert round(ada.total_usd.value or 0, 2) == Decimal("42.00")
        assert events(monitor) == []
        clock.advance(86400)  # Nov 2 12:00
        report = await monitor.poll()
        [ada] = [s for s in report.spend if s.namespace == "ada"]
        assert round(ada.total_usd.value or 0, 2) == Decimal("57.01")
        assert events(monitor) == []


@pytest.mark.parametrize(("budget", "limit", "pace"), [
    (50, "$36.23", "the month's $36.00 storage charge, and the rest of a $50.00 budget at its pace"),  # 36 + 14/60
    (30, "$30.00", "the whole budget: the month's $36.00 storage charge alone reaches it"),
])
async def test_spend_past_the_charge_and_the_pace_of_the_rest_fires(budget: int, limit: str, pace: str) -> None:
    async with watching(budget, FrozenClock(NOV_1_NOON)) as monitor:
        await monitor.poll()
        assert events(monitor) == [
            (FIRED, f"spend this period (ada): $42.00, above the limit {limit} ({pace}, 12h into the period)")]


async def test_the_exporter_serves_what_the_budget_rule_paces_over() -> None:
    # audit 8 E9: contrib's HfmonSpendAheadOfBudget paced the $36.00 charge by the hour over the credits' period;
    # it now reads the same month's charge and the spend's own period as this rule (promtool: test_prometheus.py)
    async with watching(1000, FrozenClock(NOV_1_NOON)) as monitor:
        report = await monitor.poll()
    served = {(s.name, s.labels.get("namespace")): s.value for f in families([AccountView("default", report, 1, 0)])
              for s in f.samples}
    assert served[("hfmon_spend_month_charge_usd", "ada")] == 36.0
    nov_1, dec_1 = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    assert served[("hfmon_spend_period_start_timestamp_seconds", "ada")] == nov_1.timestamp()
    assert served[("hfmon_spend_period_end_timestamp_seconds", "ada")] == dec_1.timestamp()
    assert round(served[("hfmon_namespace_spend_at_least_usd", "ada")], 2) == 42.0
