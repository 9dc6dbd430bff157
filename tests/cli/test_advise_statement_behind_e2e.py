"""End to end: `hfmon advise`'s what-if bill when the statement is only behind usage-v2 (audit 8 E12). ada's statement
has no line yet for its running Job cc9cd021 (nor usage/jobs a charge), which usage-v2 counts: Billed is "at least"
the statement's lines with the jobs part raised to usage-v2's. The real command against the loopback fake frozen
on Nov 18 15:00 (the demo's start), without history.

By hand (from the audit's run): ada billed at least $1,011.54 over 423 h, so a month of 730 h at that pace at least
$1,011.54 x 730/423 = $1,745.68; each line is that less its saving (the savings do not depend on the jobs part).
It read "part of the bill is unreadable: statement_behind:ada" and every figure "—"."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hfmon.fakehub import FakeHub, demo_scenario
from hfmon.fakehub.demo import START
from hfmon.fakehub.faults import RouteFault
from hfmon.fakehub.server import serve
from tests.cli.test_once_e2e import Served

pytestmark = pytest.mark.e2e
RUN = "cc9cd021b4815cda4596be7c"  # ada's running Job


def without_the_runs_line(statement: dict[str, Any]) -> dict[str, Any]:
    statement["usage"] = {group: [line for line in lines if line.get("label") != RUN]
                          for group, lines in statement["usage"].items()}
    return statement


def without_the_runs_charge(charges: dict[str, Any]) -> dict[str, Any]:
    charges["usage"]["jobDetails"] = [j for j in charges["usage"]["jobDetails"] if j["jobId"] != RUN]
    return charges


def test_the_what_if_bill_shows_the_lower_bound_it_knows(tmp_path: Path) -> None:
    hub = FakeHub(demo_scenario(seed=7), now=lambda: START)
    hub.route_faults += [RouteFault("/api/settings/billing/usage", edit=without_the_runs_line),
                         RouteFault("/api/settings/billing/usage/jobs", edit=without_the_runs_charge)]
    with serve(hub, port=0) as server:
        served = Served(hub, server.base_url, tmp_path / "data")
        spend = {s["namespace"]: s for s in served.run("--once", "--json", "--no-history", frozen_clock=True)
                 .doc()["spend"]}
        run = served.run("advise", "--json", "--no-history", frozen_clock=True)
        text = served.run("advise", "--no-history", frozen_clock=True).stdout
    total = spend["ada"]["total_usd"]
    assert total["value"] is None and total["missing"] == ["statement_behind:ada"]
    at_least = Decimal(str(total["at_least"]))
    bill = {b["namespace"]: b for b in json.loads(run.stdout)["what_if"]}["ada"]
    assert bill["at_least"] is True and Decimal(str(bill["so_far_usd"])) == at_least
    hours = Decimal(str(bill["elapsed_hours"]))
    assert hours == 423
    assert abs(Decimal(str(bill["month_usd"])) - at_least * 730 / hours) <= Decimal("0.000001") * 2
    known = [line for line in bill["lines"] if line["saving_month_usd"] is not None]
    assert [line["label"] for line in known][-1] == "all findings" and len(known) >= 3
    for line in known:  # the bill less each saving: a lower bound of what it would be
        assert Decimal(str(line["so_far_usd"])) == at_least - Decimal(str(line["saving_so_far_usd"]))
        assert line["month_usd"] is not None
    ada = text[text.index("ada: 423 h into the period"):text.index("ada-labs: ")]
    assert "unreadable" not in ada
    assert "the bill is at least these figures: the statement is behind another HF figure of the period on jobs" \
        in " ".join(ada.split())
    assert f"≥${at_least:,.2f}" in ada and f"≥${at_least * 730 / hours:,.2f}" in ada
