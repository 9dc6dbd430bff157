"""A resource group left out of HF's usage by resource group (audit 10 G5): whether HF lists a group that spent nothing
this month is not documented, so its spend is unknown, never $0, and every front end says why. It read
"ada-labs/research — this month · total — of $261.00" with no why, the alert rule said "its usage could not be read"
(it was read), and the group's limit was in no `flags_unchecked`. The demo (seed 7) at Nov 18 15:00, in-process."""

from __future__ import annotations

from typing import Any

import jsonschema

from hfmon.alerts.checks import Outcome
from hfmon.alerts.rules import evaluate_rules
from hfmon.config import Alerts
from hfmon.fakehub.faults import RouteFault
from hfmon.jsonout import report_document
from hfmon.report import Report
from hfmon.schemas import once_schema
from hfmon.textout import render_text
from tests.tui.demo import frozen_demo

WHY = "not in HF's usage by resource group"


def _without_research(body: Any) -> Any:
    for period in body["periods"]:
        period["resourceGroups"] = [g for g in period["resourceGroups"] if g.get("name") != "research"]
    return body


async def _report() -> Report:
    monitor, _ = frozen_demo(history=False)
    monitor.collector.client.fake.route_faults.append(
        RouteFault("/api/organizations/ada-labs/billing/usage-by-resource-group", edit=_without_research))
    try:
        return await monitor.poll()
    finally:
        monitor.close()


async def test_a_group_not_in_hfs_usage_has_its_spend_unknown_and_says_why() -> None:
    report = await _report()
    doc = report_document(report)
    jsonschema.validate(doc, once_schema())
    research = next(g for g in doc["resource_groups"] if g["name"] == "research")
    assert research["total_usd"] is None and research["spend_unknown_why"] == WHY
    assert {lim["state"] for lim in research["limits"]} == {"unknown"}
    production = next(g for g in doc["resource_groups"] if g["name"] == "production")
    assert production["total_usd"] is not None and production["spend_unknown_why"] is None
    assert f"resource_group_limit:ada-labs/research ({WHY})" in doc["flags_unchecked"]
    assert "resource_group_usage:ada-labs" not in doc["flags_unchecked"]  # the usage was read

    text = " ".join(render_text(report, color=False).split())
    assert f"ada-labs/research spend unknown ({WHY})" in text

    readings = [r for result in evaluate_rules(report, Alerts(resource_group_limits=True), {})
                if result.rule == "resource_group_limit" for r in result.readings
                if r.subject.startswith("ada-labs/research ")]
    assert readings and all(r.outcome is Outcome.UNKNOWN and r.why == WHY for r in readings)
