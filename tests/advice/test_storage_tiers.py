"""The advisor's private-storage finding priced in the storage table's volume tier the excess is in (the table the
cost engine's cross-check uses: $18/TB below 50 TB, $16 from 50, $14 from 200, $12 from 500), through the fake Hub:
ada (PRO, 1 TB of private storage included) with its largest model grown to put ada 0.5, 20 and 50 TB above."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

import pytest

from hfmon.fakehub import Scenario, demo_scenario
from tests.advice.test_findings import advice_at
from tests.costs.test_scenario import START

TB = 10**12


def above_the_plan_by(scn: Scenario, excess: Decimal) -> Scenario:
    """ada's private storage 1 TB (its plan) + `excess` TB, by the size of ada/llama-3-8b-sft."""
    private = sum(r.used_storage for r in scn.repos if r.namespace == "ada" and r.private and
                  r.id != "ada/llama-3-8b-sft")
    private += sum(s.used_storage for s in scn.spaces if s.namespace == "ada" and (s.private or s.protected)
                   and s.created_at <= START)
    grown = TB + int(excess * TB) - private
    return replace(scn, repos=tuple(replace(r, used_storage=grown) if r.id == "ada/llama-3-8b-sft" else r
                                    for r in scn.repos))


@pytest.mark.parametrize(("excess", "saving", "assumption"), [
    ("0.5", Decimal(18), "billed in whole TB: from 1 TB above the plan ($18.00/month) to none (the base price, below "
                         "the first volume tier at 50 TB)"),
    ("20", Decimal(360), "billed in whole TB: from 20 TB above the plan ($360.00/month) to none (the base price, "
                         "below the first volume tier at 50 TB)"),
    # was "$900.00/month ... (below the first volume tier)": 50 TB is in the 50-200 TB tier; at $16 on all of it
    # $800, at $18 on the first 50 TB (the tier's price only past 50 TB) $900: which HF bills is not published
    ("50", None, "saving unknown: 50 TB above the plan is in the 50–200 TB volume tier ($16.00/TB a month); whether "
                 "HF bills all of it at that price or only the TB past 50 is not published: $800.00 to $900.00 a "
                 "month"),
])
async def test_the_storage_finding_names_the_tier_the_excess_is_in(excess: str, saving: Decimal | None,
                                                                   assumption: str) -> None:
    advice = await advice_at(above_the_plan_by(demo_scenario(), Decimal(excess)), START)
    [finding] = [f for f in advice.findings if f.kind == "storage_above_plan"]
    assert (finding.resource, finding.saving_usd_month, finding.assumption) == ("storage ada", saving, assumption)
    assert finding.cost_usd_month == saving  # what it costs as it is: as known as the saving
    billed = {"0.5": "1 TB at $18.00/TB a month (the 0–50 TB tier)", "20": "20 TB at $18.00/TB a month (the 0–50 TB "
              "tier)", "50": "50 TB at $16.00/TB a month (the 50–200 TB tier)"}[excess]
    assert finding.evidence[0].endswith(f"above, billed as {billed}")
    assert "ada/llama-3-8b-sft" in finding.change
