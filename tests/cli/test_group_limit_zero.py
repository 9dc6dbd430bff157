"""A resource group's spend limit of 0 is a $0 limit (HF's spec removes a limit with `null`, "in cents, `null` to
remove"): the group may spend nothing and HF refuses its usage. What share of $0 a spend is has no figure (audit 7 D9:
"total 100.0% of $0.00 over limit", and a flag "... (100%)")."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import jsonschema

from hfmon.alerts.checks import Outcome
from hfmon.alerts.rules import evaluate_rules
from hfmon.config import Alerts
from hfmon.fakehub import billing, demo_scenario
from hfmon.fakehub.scenario import Scenario, period_bounds
from hfmon.jsonout import report_document
from hfmon.schemas import once_schema
from hfmon.textout import render_text
from hfmon.tui.app import HfmonApp
from hfmon.tui.themes import tones
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, table


def zero_limit() -> tuple[Scenario, str]:
    """The demo with ada-labs/research's limits set to `{"total": 0}`; and the group's id."""
    scn = demo_scenario(seed=7)
    research = next(g for g in scn.resource_groups if g.name == "research")
    groups = tuple(replace(g, spend_limits=(("total", 0),)) if g is research else g for g in scn.resource_groups)
    return replace(scn, resource_groups=groups), research.id


async def test_a_zero_limit_with_nothing_spent_is_closed_said_once_as_info() -> None:
    """production's Inference Providers limit set to 0 with no inference spent: the user turned that product off. HF
    refuses it, and nothing the group was using is refused: an info flag, no alert, the limit "closed" (it read
    "$0.00 of $0.00 over limit" with a critical flag on every poll, and the alert fired)."""
    scn = demo_scenario(seed=7)
    production = next(g for g in scn.resource_groups if g.name == "production")
    limits = tuple((k, 0 if k == "inferenceProviders" else v) for k, v in production.spend_limits)
    scn = replace(scn, resource_groups=tuple(replace(g, spend_limits=limits) if g is production else g
                                             for g in scn.resource_groups))
    monitor, _ = frozen_demo(history=False, scenario=scn)
    try:
        report = await monitor.poll()
    finally:
        monitor.close()
    doc = report_document(report)
    jsonschema.validate(doc, once_schema())
    row = next(r for r in doc["resource_groups"] if r["id"] == production.id)
    assert {"product": "inference", "limit_usd": 0.0, "spent_usd": 0.0, "used_pct": None, "state": "closed"} in \
        row["limits"]
    [flag] = [f for f in doc["flags"] if f["subject"] == "ada-labs/production"]
    assert (flag["kind"], flag["severity"]) == ("resource_group_limit_closed", "info")
    assert flag["message"] == ("Resource group ada-labs/production: $0.00 of its $0.00 inference spend limit this "
                               "month: a $0 limit, so HF refuses all of that usage")
    [found] = [r for result in evaluate_rules(report, Alerts(resource_group_limits=True), {})
               if result.rule == "resource_group_limit" for r in result.readings
               if r.subject == "ada-labs/production inference"]
    assert found.outcome is Outcome.OK and found.figure == "$0.00 of $0.00 (closed)"
    text = render_text(report)
    assert "inference $0.00 of $0.00 closed" in text and "$0.00 of $0.00 over limit" not in text


def spent(scn: Scenario, group_id: str) -> Decimal:
    """The group's compute spend this month, from the fake's own lines (it has no inference)."""
    members = next(g.members for g in scn.resource_groups if g.id == group_id)
    lines = billing.all_lines(scn, "ada-labs", period_bounds(scn.start)[0], scn.start, scn.start)
    return sum((Decimal(x.total_micro_usd).scaleb(-6) for x in lines if x.group != "storage" and x.label in members),
               Decimal(0))


async def test_a_zero_limit_is_reached_and_has_no_percentage() -> None:
    scn, group_id = zero_limit()
    monitor, _ = frozen_demo(history=False, scenario=scn)
    try:
        report = await monitor.poll()
    finally:
        monitor.close()
    doc = report_document(report)
    jsonschema.validate(doc, once_schema())
    row = next(r for r in doc["resource_groups"] if r["id"] == group_id)
    want = spent(scn, group_id)
    assert want > 0 and abs(Decimal(str(row["total_usd"])) - want) < Decimal("0.01")
    assert row["limits"] == [{"product": "total", "limit_usd": 0.0, "spent_usd": row["total_usd"], "used_pct": None,
                              "state": "over"}]
    flag = next(f for f in doc["flags"] if f["subject"] == "ada-labs/research")
    assert flag["kind"] == "resource_group_limit_hit" and flag["severity"] == "critical"
    assert "%" not in flag["message"] and "a $0 limit, so HF refuses all of that usage" in flag["message"]
    text = render_text(report)
    shown = f"${row['total_usd']:,.2f}"
    assert f"total {shown} of $0.00 over limit" in text
    assert "100.0%" not in text and "% of $0.00" not in text


async def test_the_alert_and_the_dashboard_say_the_spend_not_a_share_of_zero() -> None:
    scn, group_id = zero_limit()
    monitor, _ = frozen_demo(history=False, scenario=scn)
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        report = app.report
        assert report is not None
        [found] = [r for result in evaluate_rules(report, Alerts(resource_group_limits=True), {})
                   if result.rule == "resource_group_limit" for r in result.readings
                   if r.subject == "ada-labs/research total"]
        shown = f"${next(g.total_usd for g in report.resource_groups or () if g.id == group_id):,.2f}"
        assert found.outcome is Outcome.CROSSED and found.figure == f"{shown} of $0.00 (over)"
        # the Overview's groups table: the used cell says the spend, not "100.0 %"
        assert table(app, "groups").get_row(f"ada-labs/{group_id}")[-1].cell.plain == f"{shown} over"


async def test_the_dashboard_says_a_closed_limit_in_the_muted_tone() -> None:
    """research limited to $0 of Inference Providers, which it does not use: the groups table's used cell reads
    "$0.00 closed", not "over" in the bad tone."""
    scn = demo_scenario(seed=7)
    research = next(g for g in scn.resource_groups if g.name == "research")
    scn = replace(scn, resource_groups=tuple(replace(g, spend_limits=(("inferenceProviders", 0),)) if g is research
                                             else g for g in scn.resource_groups))
    monitor, _ = frozen_demo(history=False, scenario=scn)
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        used = table(app, "groups").get_row(f"ada-labs/{research.id}")[-1].cell
        assert used.plain == "$0.00 closed" and str(used.style) == tones(app.theme_variables)["muted"]
