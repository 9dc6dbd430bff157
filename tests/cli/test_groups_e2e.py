"""End to end: `hfmon --once` against the loopback fake shows each Enterprise resource group's spend this month
against its spend limits, and flags the group near its limit (figures recomputed here from the fake's scenario)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import ROUND_FLOOR, Decimal

import jsonschema
import pytest

from hfmon.fakehub import billing
from hfmon.fakehub.scenario import period_bounds
from hfmon.schemas import once_schema
from tests.cli.test_once_e2e import Served, fake  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e
ORG = "ada-labs"


def _expected(served: Served) -> dict[str | None, Decimal]:
    """Compute spend (Spaces + Endpoints + Jobs, USD) per group id at the frozen start, from the scenario's lines."""
    scn = served.hub.scenario
    lo = period_bounds(scn.start)[0]
    out: dict[str | None, Decimal] = {g.id: Decimal(0) for g in scn.resource_groups}
    out[None] = Decimal(0)
    for line in billing.all_lines(scn, ORG, lo, scn.start, scn.start):
        if line.group == "storage":
            continue
        group = next((g.id for g in scn.resource_groups if line.label in g.members), None)
        out[group] += Decimal(line.total_micro_usd).scaleb(-6)
    return out


def test_resource_group_spend_against_its_limits_and_the_near_flag(fake: Callable[..., Served]) -> None:  # noqa: F811
    served = fake()
    run = served.run("--once", "--json")
    assert run.code == 0, run.stderr
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    scn = served.hub.scenario
    expected = _expected(served)
    rows = {row["id"]: row for row in doc["resource_groups"] if row["namespace"] == ORG}
    assert set(rows) == {g.id for g in scn.resource_groups} | {None}
    for group in scn.resource_groups:
        row = rows[group.id]
        compute = Decimal(str(row["spaces_usd"])) + Decimal(str(row["endpoints_usd"])) + Decimal(str(row["jobs_usd"]))
        assert abs(compute - expected[group.id]) < Decimal("0.000002"), group.name
        limits = {lim["product"]: lim for lim in row["limits"]}
        want = {"inference": "inferenceProviders"}
        assert {p: lim["limit_usd"] for p, lim in limits.items()} == {
            p: dict(group.spend_limits)[want.get(p, p)] / 100 for p in limits}
        total = limits["total"]
        assert total["spent_usd"] == row["total_usd"]
        exact = Decimal(str(row["total_usd"])) * 100 / Decimal(str(total["limit_usd"]))
        pct = exact.quantize(Decimal("0.1"), ROUND_FLOOR)  # shown rounded down: never 100% under the limit
        assert Decimal(str(total["used_pct"])) == pct
    research = next(g for g in scn.resource_groups if g.name == "research")
    near = rows[research.id]["limits"][0]
    assert near["state"] == "near" and 90 <= near["used_pct"] < 100
    assert all(lim["state"] == "ok" for g in scn.resource_groups if g is not research for lim in rows[g.id]["limits"])
    flags = [(f["kind"], f["subject"]) for f in doc["flags"] if f["kind"].startswith("resource_group")]
    assert flags == [("resource_group_limit_near", f"{ORG}/research")]
    # Parts add up: the groups and HF's remainder row hold all of the org's compute and inference this month.
    spend = next(s for s in doc["spend"] if s["namespace"] == ORG)
    for product in ("spaces_usd", "endpoints_usd", "jobs_usd", "inference_usd"):
        assert abs(sum(Decimal(str(r[product])) for r in rows.values()) - Decimal(str(spend[product]))) < Decimal(
            "0.00001"), product
    # The Enterprise org whose billing the token cannot read: its usage is no_access, never $0.
    assert doc["sources"]["resource_group_usage:northwind"]["status"] == "no_access"
    assert not [r for r in doc["resource_groups"] if r["namespace"] == "northwind"]


def test_text_shows_the_group_near_its_limit(fake: Callable[..., Served]) -> None:  # noqa: F811
    served = fake()
    run = served.run("--once")
    assert run.code == 0, run.stderr
    research = next(g for g in served.hub.scenario.resource_groups if g.name == "research")
    limit = Decimal(dict(research.spend_limits)["total"]).scaleb(-2)
    lines = run.stdout.splitlines()
    at = next(i for i, line in enumerate(lines) if f"{ORG}/research" in line and "this month" in line)
    group = " ".join([lines[at], *(line.strip() for line in lines[at + 1:] if line.startswith(" " * 12))][:2])
    assert "near limit" in group and f"of ${limit:,.2f}" in group
    assert max(len(line) for line in run.stdout.splitlines()) <= 80
