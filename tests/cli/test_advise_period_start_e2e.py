"""End to end: `hfmon advise` in a billing period's first hours has no month's pace to scale to: the what-if bill's
"month at pace" and the resource groups' pace are not judged and say why. The real command against the loopback
fake frozen on Dec 1, hfmon's clock pinned to it, without history.

Before, at 00:10: ada-labs' bill of $2.64 so far read as $11,568.06 for the month (it is $6,427 at the day-2 pace,
$6,458 at Dec 10's), and its `production` group "breaks around Dec 23" ($2.63 spent, $11,718.08 by the period's
end against $8,570), a warning gone by 02:00."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from tests.cli.test_credits_first_hour_e2e import DEC_1, TOO_EARLY, fake_at

pytestmark = pytest.mark.e2e


def test_ten_minutes_in_the_month_at_pace_and_the_group_pace_are_not_judged(tmp_path: Path) -> None:
    with fake_at(DEC_1 + timedelta(minutes=10), tmp_path) as served:
        run = served.run("advise", "--json", "--no-history", frozen_clock=True)
        doc = json.loads(run.stdout)
        bills = {b["namespace"]: b for b in doc["what_if"]}
        labs = bills["ada-labs"]
        assert labs["so_far_usd"] is not None and labs["month_usd"] is None
        assert labs["note"] == f"a month at pace unknown: {TOO_EARLY}"
        assert all(line["month_usd"] is None for line in labs["lines"])
        assert [w for w in doc["pace"] if w["budget"].startswith("resource group")] == []
        notes = [n["note"] for n in doc["not_judged"] if n["namespace"] == "ada-labs"]
        assert f"resource group production: spend pace against its limits not judged: {TOO_EARLY}" in notes


def test_a_day_in_the_month_at_pace_is_the_bill_over_24_hours(tmp_path: Path) -> None:
    with fake_at(DEC_1 + timedelta(days=1), tmp_path) as served:
        doc = json.loads(served.run("advise", "--json", "--no-history", frozen_clock=True).stdout)
        labs = next(b for b in doc["what_if"] if b["namespace"] == "ada-labs")
        assert labs["elapsed_hours"] == 24 and labs["note"] == ""
        so_far = Decimal(str(labs["so_far_usd"]))  # x 730 h / 24 h; JSON rounds so_far to the micro-dollar
        assert abs(Decimal(str(labs["month_usd"])) - so_far * 730 / 24) <= Decimal("0.0000005") * 32
        assert not any("spend pace against its limits not judged" in n["note"] for n in doc["not_judged"])
