"""A resource group's spend against its limit is judged on the exact amounts, and its percentage is rounded only for
display, never across the state it is in: through the real `python -m hfmon` against the fake on loopback (the
research group of ada-labs spent $242.27: Spaces $240.60 + Jobs $1.67), with its total limit edited."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from tests.faults.harness import Served

pytestmark = pytest.mark.e2e

GROUPS = "/api/organizations/ada-labs/resource-groups"
SPENT = Decimal("242.27")  # the fake's research group this month: Spaces 240.60 + Jobs 1.67


def _limit(served: Served, cents: int, near_pct: int | None = None) -> None:
    """Set the research group's total spend limit (HF's cents), and optionally alerts.limit_near_pct."""
    def edit(body: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for group in body:
            if group["name"] == "research":
                group["spendLimits"]["total"] = cents
        return body

    served.fault(GROUPS, edit=edit)
    if near_pct is not None:
        config = served.home / "config" / "hfmon" / "config.toml"
        config.parent.mkdir(parents=True, exist_ok=True)
        config.write_text(f"[alerts]\nlimit_near_pct = {near_pct}\n")


def _research(served: Served) -> tuple[dict[str, Any], list[tuple[str, str]], str]:
    """The research group's total limit in JSON, its resource-group flags (kind, severity), and its text line."""
    doc = served.run("--once", "--json", "--no-history").doc()
    row = next(g for g in doc["resource_groups"] if g["name"] == "research")
    assert Decimal(str(row["total_usd"])) == SPENT
    flags = [(f["kind"], f["severity"]) for f in doc["flags"] if f["subject"] == "ada-labs/research"]
    text = served.run("--once", "--no-history").stdout
    at = text.index("ada-labs/research $242.27 this month")
    return row["limits"][0], flags, " ".join(text[at:].split("\n", 2)[:2])


def test_a_cent_under_the_limit_is_near_and_never_reads_100_percent(served: Served) -> None:
    _limit(served, 24228)  # 242.27 / 242.28 = 99.9958…%: HF still allows spend
    limit, flags, line = _research(served)
    assert (limit["used_pct"], limit["state"]) == (99.9, "near")
    assert flags == [("resource_group_limit_near", "warning")]
    assert "total 99.9% of $242.28 near limit" in line and "100" not in line.replace("$242.28", "")


def test_exactly_at_the_limit_is_over_and_critical(served: Served) -> None:
    _limit(served, 24227)
    limit, flags, line = _research(served)
    assert (limit["used_pct"], limit["state"]) == (100.0, "over")
    assert flags == [("resource_group_limit_hit", "critical")]
    assert "total 100.0% of $242.27 over limit" in line


def test_exactly_at_the_near_threshold_is_near(served: Served) -> None:
    _limit(served, 48454, near_pct=50)  # 242.27 / 484.54 = 50% exactly
    limit, flags, line = _research(served)
    assert (limit["used_pct"], limit["state"]) == (50.0, "near")
    assert flags == [("resource_group_limit_near", "warning")]
    assert "total 50.0% of $484.54 near limit" in line


def test_just_under_the_near_threshold_is_ok_and_reads_under_it(served: Served) -> None:
    _limit(served, 48455, near_pct=50)  # 242.27 / 484.55 = 49.9989…%: not yet near, and never shown as 50%
    limit, flags, line = _research(served)
    assert (limit["used_pct"], limit["state"]) == (49.9, "ok")
    assert flags == []
    assert "total 49.9% of $484.55" in line and "near" not in line
