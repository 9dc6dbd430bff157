"""End to end: `hfmon advise`'s what-if bill of a namespace over its storage plan (audit 7 D2). The statement bills
private storage above the plan whole for the month (2 TB x $18 = $36.00 for ada, 1 TB = $18.00 for ada-labs, from
Nov 1 00:00 on): a month at the pace so far scales only what accrues and counts that charge once. The real command
against the loopback fake frozen on Nov 1 12:00, hfmon's clock pinned to it, without history.

By hand (12 h in, a month of 730 h): ada billed $42.001754, of which $36 storage: (42.001754 - 36) x 730/12 + 36 =
$401.11 (was $2,555.11: 42.001754 x 730/12); with the storage finding applied, $365.11 for the month and $6.00 so
far (had it been applied on Nov 1, the $36 was never charged; was $2,519.11 and $41.41: it saved 36 x 12/730 "so
far"). ada-labs: (98.663571 - 18) x 730/12 + 18 = $4,925.03 (was $6,002.03)."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from hfmon.fakehub import FakeHub
from hfmon.fakehub.faults import RouteFault
from hfmon.fakehub.server import serve
from tests.alerts.test_budget_storage_charge import NOV_1_NOON, over_storage_plan
from tests.cli.test_once_e2e import Served

pytestmark = pytest.mark.e2e


def test_the_month_at_pace_counts_the_storage_charge_once(tmp_path: Path) -> None:
    hub = FakeHub(over_storage_plan(), now=lambda: NOV_1_NOON)
    with serve(hub, port=0) as server:
        served = Served(hub, server.base_url, tmp_path / "data")
        spend = {s["namespace"]: s for s in served.run("--once", "--json", "--no-history", frozen_clock=True)
                 .doc()["spend"]}
        run = served.run("advise", "--json", "--no-history", frozen_clock=True)
        text = served.run("advise", "--no-history", frozen_clock=True).stdout
    assert (spend["ada"]["storage_usd"], spend["ada-labs"]["storage_usd"]) == (36, 18)
    bills = {b["namespace"]: b for b in json.loads(run.stdout)["what_if"]}
    for ns, storage in (("ada", 36), ("ada-labs", 18)):
        bill = bills[ns]
        so_far = Decimal(str(bill["so_far_usd"]))
        assert bill["elapsed_hours"] == 12 and so_far == Decimal(str(spend[ns]["total_usd"]["value"]))
        # JSON rounds so_far to the micro-dollar (usage-v2 counts nano-dollars): within half a micro x 730/12 of it
        assert abs(Decimal(str(bill["month_usd"])) - ((so_far - storage) * 730 / 12 + storage)) <= Decimal("5e-7") * 62
        [line] = [line for line in bill["lines"] if line["label"] == f"storage {ns} (storage)"]
        assert (line["saving_so_far_usd"], line["saving_month_usd"]) == (storage, storage)
        assert Decimal(str(line["so_far_usd"])) == so_far - storage
    assert round(Decimal(str(bills["ada"]["month_usd"])), 2) == Decimal("401.11")
    assert round(Decimal(str(bills["ada-labs"]["month_usd"])), 2) == Decimal("4925.03")
    ada = text[text.index("ada: 12 h into the period"):text.index("ada-labs: 12 h into the period")]
    assert "$401.11" in ada and " $6.00 " in ada and "$365.11" in ada


def without_storage_lines(statement: dict[str, Any]) -> dict[str, Any]:
    """The statement before HF has put the month's storage charge on it (it bills it with the renewal)."""
    usage = {group: [line for line in lines if line["product"] != "hf/repository-storage"]
             for group, lines in statement["usage"].items()}
    return {**statement, "usage": usage}


def test_a_storage_charge_not_on_the_statement_yet_still_counts_for_the_month(tmp_path: Path) -> None:
    """By hand: ada's statement without its $36 storage line bills $6.001754 so far; the charge comes with the
    renewal, so none of it is saved so far and all of it a month: (6.001754 x 730/12) + 36 = $401.11 a month,
    $365.11 with the finding applied. Before, the month read $365.11 and the finding saved $0.00 in both columns."""
    hub = FakeHub(over_storage_plan(), now=lambda: NOV_1_NOON)
    hub.route_faults.append(RouteFault("*/billing/usage", edit=without_storage_lines))
    with serve(hub, port=0) as server:
        served = Served(hub, server.base_url, tmp_path / "data")
        spend = {s["namespace"]: s for s in served.run("--once", "--json", "--no-history", frozen_clock=True)
                 .doc()["spend"]}
        bills = {b["namespace"]: b for b in json.loads(
            served.run("advise", "--json", "--no-history", frozen_clock=True).stdout)["what_if"]}
        text = served.run("advise", "--no-history", frozen_clock=True).stdout
    assert spend["ada"]["storage_usd"] == 0
    bill = bills["ada"]
    so_far = Decimal(str(bill["so_far_usd"]))
    assert round(so_far, 6) == Decimal("6.001754")
    assert abs(Decimal(str(bill["month_usd"])) - (so_far * 730 / 12 + 36)) <= Decimal("5e-7") * 62
    assert round(Decimal(str(bill["month_usd"])), 2) == Decimal("401.11")
    [line] = [line for line in bill["lines"] if line["label"] == "storage ada (storage)"]
    assert (line["saving_so_far_usd"], line["saving_month_usd"]) == (0, 36)
    assert Decimal(str(line["so_far_usd"])) == so_far
    ada = text[text.index("ada: 12 h into the period"):text.index("ada-labs: 12 h into the period")]
    assert "$401.11" in ada and "$365.11" in ada
