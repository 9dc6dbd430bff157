"""Every money figure of the `--once --json` document, at frozen times, against values worked out from the scenario.

The document is built the way `hfmon --once --json` builds it (real collector against the in-process fake,
`evaluate`, `report_document`). Expected figures come from the scenario's timelines, catalogs, traffic and
storage only (`tests.costs.scenario_expect` plus the few below), converted as the JSON promises: USD rounded to
the micro-dollar, hours to 1/10,000, percentages to 1/100.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import jsonschema
import pytest

from hfmon.fakehub import Scenario, demo_scenario
from hfmon.jsonout import report_document
from hfmon.schemas import once_schema
from tests.costs import scenario_expect as expect
from tests.costs.test_scenario import BILLING, poll_report

D = Decimal
START = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
TIMES = [START, START + timedelta(hours=3), START + timedelta(days=2, minutes=7, seconds=41)]
IDS = ["start", "3h-on", "2d-on-mid-minute"]


def usd(amount: Decimal | None) -> float | None:
    return None if amount is None else float(amount.quantize(expect.MICRO))


def hours4(minutes: int) -> float:
    return float((D(minutes) / 60).quantize(D("0.0001")))


def storage(scn: Scenario, now: datetime) -> tuple[int, int]:
    """(private, public) bytes of every repo and Space of every namespace (a protected Space's files are private)."""
    private = public = 0
    for size, is_private in [(r.used_storage, r.private) for r in scn.repos] + [
            (s.used_storage, s.private or s.protected) for s in scn.spaces if s.created_at <= now]:
        if is_private:
            private += size
        else:
            public += size
    return private, public


def zero_gpu(now: datetime) -> tuple[int, int, str]:
    """(base, remaining, resets at) of the PRO user's ZeroGPU quota: a daily window from 09:12 UTC, 90 s/h used."""
    start = now.replace(hour=9, minute=12, second=0, microsecond=0)
    if start > now:
        start -= timedelta(days=1)
    used = int((now - start).total_seconds()) * 90 // 3600
    return 2400, 2400 - used, (start + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return demo_scenario()


async def document(scn: Scenario, now: datetime) -> tuple[dict[str, Any], Any]:
    report, hub = await poll_report(scn, now)
    doc = report_document(report)
    jsonschema.validate(doc, once_schema())
    return doc, hub


@pytest.mark.parametrize("now", TIMES, ids=IDS)
async def test_credits_and_inference_in_the_json(scenario: Scenario, now: datetime) -> None:
    doc, hub = await document(scenario, now)
    credits = {c["namespace"]: c for c in [doc["credits"], *doc["org_credits"]]}
    assert set(credits) == set(BILLING)
    providers: dict[str, Decimal] = {}
    total = D(0)
    for ns, included in (("ada", D(2)), ("ada-labs", D(2) * 5)):  # PRO; Team org of 5 seats at $2 each
        used, n, _ = expect.inference(hub, ns, now)
        for p, amount in expect.inference(hub, ns, now, live=True)[2].items():
            providers[p] = providers.get(p, D(0)) + amount
        c = credits[ns]
        assert (c["included_usd"], c["used_usd"]) == (usd(included), usd(used)), ns
        assert c["remaining_usd"] == usd(max(included - used, D(0))), ns
        assert c["overage_usd"] == usd(max(used - included, D(0))), ns
        start, end = expect.period_of(now)
        assert (c["period_start"], c["period_end"]) == (f"{start:%Y-%m-%dT%H:%M:%SZ}", f"{end:%Y-%m-%dT%H:%M:%SZ}")
        assert c["days_left"] == float((D((end - now) // timedelta(seconds=1)) / 86400).quantize(D("0.01")))
        total += used
    # northwind's billing is unreadable: the total is partial, says so, and never poses as the whole
    assert doc["inference"]["cost_usd"] == {"value": None, "at_least": usd(total), "complete": False,
                                            "missing": ["billing:northwind"]}
    assert {p["provider"]: p["cost_usd"] for p in doc["inference"]["by_provider"]} == {
        p: usd(v) for p, v in providers.items()}
    assert doc["inference"]["not_broken_down"]["cost_usd"] == usd(total - sum(providers.values(), D(0)))
    costs = [p["cost_usd"] for p in doc["inference"]["by_provider"]]
    assert costs == sorted(costs, reverse=True)


@pytest.mark.parametrize("now", TIMES, ids=IDS)
async def test_resource_figures_in_the_json(scenario: Scenario, now: datetime) -> None:
    doc, _ = await document(scenario, now)
    want = {**{("space", k): v for k, v in expect.spaces(scenario, now).items()},
            **{("endpoint", k): v for k, v in expect.endpoints(scenario, now).items()},
            **{("job", k): v for k, v in expect.jobs(scenario, now).items()}}
    rows = [("endpoint", f"{e['namespace']}/{e['name']}", e) for e in doc["endpoints"]]
    rows += [("space", s["id"], s) for s in doc["spaces"]] + [("job", j["id"], j) for j in doc["jobs"]]
    assert sorted((kind, key) for kind, key, _ in rows) == sorted(want)
    hours_left = D((expect.period_of(now)[1] - now) // timedelta(seconds=1)) / 3600
    # h100: uncataloged, a GPU by its name; ZeroGPU (zero-*) is shared and quota-metered, not GPU hours
    gpu = {f.name for f in scenario.space_flavors if f.gpu and not f.name.startswith("zero-")} | {"h100"}
    running = D(0)
    unpriced_now: list[str] = []
    for kind, key, row in rows:
        exp = want[(kind, key)]
        per_hour = exp.cost_per_hour
        assert row["cost_per_hour_usd"] == usd(per_hour), key
        assert row["price_per_hour_usd"] == usd(exp.hourly), key
        ahead, rate = hours_left, per_hour
        if kind == "job":  # HF stops a Job at its timeout (30 min when it sets none), counted in running time
            left = expect.job_seconds_left(scenario, key, now)
            assert left >= 0, key  # the fake never runs a Job past its timeout
            ahead = min(ahead, D(left) / 3600)
            ends = now + timedelta(seconds=left)
            running_now = row["stage"] == "RUNNING"
            if row["stage"] == "SCHEDULING":  # not started: its price for up to its timeout, starting when unknown
                rate = exp.hourly
            elif not running_now:  # ended: nothing more
                ahead = D(0)
            shown = ends.strftime("%Y-%m-%dT%H:%M:%SZ") if running_now and ahead < hours_left else None
            assert row["ends_by"] == shown, key
            assert row["timeout_s"] == next(j.timeout_s for j in scenario.jobs if j.id == key), key
            assert row["to_period_end_why"] is None, key
        # pending, or updating with none ready (its $/h now known: 0): bills its min once it starts
        starting = row.get("state") in ("pending", "updating") and row.get("replicas") == 0
        if kind == "endpoint" and starting and row["min_replica"]:
            rate = None if exp.hourly is None else exp.hourly * row["min_replica"]
        if kind == "space" and row["stage"] == "BUILDING":  # one replica asked: its price once the build ends in a run
            rate = exp.hourly
        assert row["to_period_end_usd"] == usd(None if rate is None else rate * ahead), key
        running += per_hour or 0
        if exp.hourly is None and exp.replicas_now:
            unpriced_now.append(key)
        if key.split("/")[0] not in BILLING and kind != "job":
            assert (row["billed_hours"], row["billed_usd"], row["recomputed_usd"]) == (None, None, None), key
            continue
        assert row["billed_hours"] == hours4(exp.minutes), key
        assert row["billed_usd"] == usd(exp.billed_usd), key
        assert row["recomputed_usd"] == usd(exp.recomputed_usd), key
        if kind == "space":  # every minute of these Spaces is on their requested hardware
            assert row["gpu_hours"] == (hours4(exp.minutes) if row["requested_hardware"] in gpu else 0.0), key
    meter = doc["running_cost_per_hour_usd"]
    assert meter["at_least"] == usd(running)
    assert [m.split()[1] for m in meter["missing"]] == unpriced_now  # billed now without a price: named
    assert meter["value"] == (None if unpriced_now else usd(running))


@pytest.mark.parametrize("now", TIMES, ids=IDS)
async def test_cross_check_totals_in_the_json(scenario: Scenario, now: datetime) -> None:
    doc, _ = await document(scenario, now)
    rows = {c["item"]: c for c in doc["crosscheck"]}
    families = {"spaces": expect.spaces(scenario, now), "endpoints": expect.endpoints(scenario, now),
                "jobs": expect.jobs(scenario, now)}
    owner = {j.id: j.namespace for j in scenario.jobs}
    for family, want in families.items():
        for ns in BILLING:
            mine = [e for key, e in want.items() if owner.get(key, key.split("/")[0]) == ns and e.lines]
            if not mine:
                continue
            row = rows[f"total {family} {ns}"]
            assert row["billed_usd"] == usd(sum((e.billed_usd for e in mine), D(0))), row["item"]
            priced = all(e.hourly is not None for e in mine)
            # ZeroGPU lines are GPU-minutes over the quota at $1 per 10 minutes, not hosting (`overage_usd`)
            recomputed = sum((e.hourly * e.minutes / 60 + e.overage_usd for e in mine
                              if e.hourly is not None and not e.granted), D(0))
            assert row["recomputed_usd"] == (usd(recomputed) if priced else None), row["item"]
            if priced:
                assert row["delta_usd"] == usd(D(str(row["billed_usd"])) - D(str(row["recomputed_usd"]))), row["item"]


@pytest.mark.parametrize("now", TIMES, ids=IDS)
async def test_storage_and_zero_gpu_in_the_json(scenario: Scenario, now: datetime) -> None:
    doc, _ = await document(scenario, now)
    private, public = storage(scenario, now)
    assert (doc["storage"]["private_bytes"]["value"], doc["storage"]["public_bytes"]["value"]) == (private, public)
    assert sum(r["bytes"] for r in doc["storage"]["repos"]) == private + public
    base, remaining, resets = zero_gpu(now)
    assert doc["zero_gpu"] == {"base_s": base, "remaining_s": remaining, "resets_at": resets, "overquota_used_s": 0,
                               "runs": None}  # a PRO account has no runs counter


async def test_a_spending_limit_in_the_json() -> None:
    now = datetime(2026, 11, 25, 15, 0, tzinfo=UTC)
    doc, hub = await document(demo_scenario(spending_limit_usd=3.0), now)
    c = doc["credits"]
    used, _, _ = expect.inference(hub, "ada", now)
    assert D(3) <= used <= D("3.01")  # HF refuses requests once the limit is reached
    assert (c["limit_usd"], c["used_usd"], c["overage_usd"]) == (3.0, usd(used), usd(used - 2))
    assert c["projected_period_usd"] == usd(used)  # spend cannot run past the limit
    assert c["limit_hit_at"] is None  # hit before the first poll: when is unknown (never the time of asking)
