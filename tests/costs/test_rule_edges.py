"""Billing rules at the edges a reviewer's hand mutations probed; every expected figure is worked out by hand.

Each test pins one rule through a public function (evaluate, the billing-rule functions) with a small
hand-built snapshot, so that changing the rule (replicas, hardware, labels, storage tiers, catalog units)
fails here.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from hfmon.config import Config, Tolerance
from hfmon.costs import evaluate
from hfmon.costs.billing_rules import billed_replica_minutes, endpoint_replicas, intervals, space_replicas
from hfmon.costs.crosscheck import STORAGE_PRODUCT, storage_rows
from hfmon.costs.observed import observed_minutes
from hfmon.history import History, PollRun, StateChange
from hfmon.models import HardwareFlavor
from hfmon.pricing.catalog import build_catalog, load_bundled
from hfmon.report import CheckStatus
from tests.costs.builders import (
    at,
    billing,
    compute,
    endpoint,
    flavor,
    job,
    line,
    namespace,
    paid,
    replace,
    snapshot,
    space,
    statement,
)

D = Decimal
NOW = at(20)


def test_a_space_scaled_up_is_billed_for_the_replicas_it_runs_not_the_ones_requested() -> None:
    scaled_up = replace(space("alice/chat"), replicas_requested=1, replicas_current=3)
    not_reported = replace(space("alice/echo"), replicas_requested=2, replicas_current=None)
    one = replace(space("alice/solo"), replicas_requested=1, replicas_current=None)
    assert (space_replicas(scaled_up), space_replicas(one)) == (3, 1)
    # it asked for 2 and HF did not say how many it has: 1 or 2 bill, unknown which (audit 3, finding 6: it was 2)
    assert space_replicas(not_reported) is None
    snap = snapshot(namespace("alice", spaces=(scaled_up, not_reported, one),
                              statement=paid("alice", scaled_up, not_reported, one)),
                    spaces_hw=(flavor("t4-small", "0.01", gpu=True),))  # $0.60/h a replica; no grant
    r = evaluate(snap, History(), Config(), NOW)
    assert [row.cost.cost_per_hour_usd for row in r.spaces] == [D("1.80"), None, D("0.60")]
    assert r.running_cost_per_hour_usd.value is None
    assert r.running_cost_per_hour_usd.known == D("2.40") and len(r.running_cost_per_hour_usd.missing) == 1


def test_an_autoscaled_space_without_its_current_count_bills_an_unknown_number_of_replicas() -> None:
    auto = replace(space("alice/auto"), replicas_requested=None, replicas_current=None)  # requested "auto"
    assert space_replicas(auto) is None
    assert space_replicas(replace(auto, replicas_current=2)) == 2
    assert space_replicas(replace(auto, stage="SLEEPING")) == 0


def test_an_initializing_endpoint_is_billed_for_the_replicas_it_brings_up() -> None:
    # Initializing: 1 replica ready of 3 being brought up bills 3. Running: the ready replicas bill.
    starting = replace(endpoint("alice", "boot", state="initializing", ready=1), target_replicas=3)
    running = replace(endpoint("alice", "serve", state="running", ready=2), target_replicas=3)
    assert (endpoint_replicas(starting), endpoint_replicas(running)) == (3, 2)
    snap = snapshot(namespace("alice", endpoints=(starting, running),
                              endpoint_catalog=(compute("nvidia-l4", "x1", "0.80"),)))
    r = evaluate(snap, History(), Config(), NOW)
    assert [row.cost.cost_per_hour_usd for row in r.endpoints] == [D("2.40"), D("1.60")]


def test_catalog_prices_are_hourly_whatever_unit_the_hub_quotes() -> None:
    hw = (HardwareFlavor("by-second", "by-second", D("0.0004"), "second", "gpu"),
          HardwareFlavor("by-minute", "by-minute", D("0.01"), "minute", "gpu"),
          HardwareFlavor("by-hour", "by-hour", D("2.5"), "hour", "gpu"),
          HardwareFlavor("by-fortnight", "by-fortnight", D("100"), "fortnight", "gpu"))
    catalog = build_catalog(snapshot(spaces_hw=hw, jobs_hw=hw[:1]))
    hourly = {name: p.usd_per_hour if (p := catalog.space(name)) else None
              for name in ("by-second", "by-minute", "by-hour", "by-fortnight")}
    assert hourly == {"by-second": D("1.44"), "by-minute": D("0.60"), "by-hour": D("2.5"), "by-fortnight": None}
    job_price = catalog.job("by-second")
    assert job_price is not None and job_price.usd_per_hour == D("1.44")  # 0.0004 x 3600


def test_storage_below_50_tb_is_checked_and_from_50_tb_is_tiered() -> None:
    base = load_bundled().storage_private_tiers[0]  # $18/TB below 50 TB
    rows = storage_rows("alice", [line(STORAGE_PRODUCT, "private", "10", "180"),
                                  line(STORAGE_PRODUCT, "private", "49", "800"),
                                  line(STORAGE_PRODUCT, "private", "50", "900")], base, Tolerance())
    assert [(r.billed_usd, r.recomputed_usd, r.status) for r in rows] == [
        (D(180), D(180), CheckStatus.OK),  # 10 TB x $18
        (D(800), D(882), CheckStatus.DRIFT),  # 49 TB x $18
        (D(900), None, CheckStatus.UNPRICED),  # tiered prices are not modelled: no figure, not a guess
    ]
    assert [r.item for r in rows] == ["storage alice"] * 3
    assert [r.note for r in rows] == [
        "10 TB above the plan's private storage at $18/TB/month (bundled price)",
        "49 TB above the plan's private storage at $18/TB/month (bundled price)",
        "50 TB is priced in tiers hfmon does not model"]


def change(at_: timedelta, state: str, hardware: str | None, replicas: int = 1) -> StateChange:
    return StateChange("space", "alice/chat", at(19) + at_, state, hardware, replicas)


def test_observed_minutes_count_only_the_hardware_of_the_line() -> None:
    hours = [change(timedelta(hours=0), "RUNNING", "t4-small"),
             change(timedelta(hours=1), "RUNNING", "a10g-small", replicas=2),
             change(timedelta(hours=2), "SLEEPING", "a10g-small"),
             change(timedelta(hours=3), "RUNNING", None)]  # hardware not recorded: counts for any line
    start, end = at(19), at(19, 4)
    assert observed_minutes("space", hours, "t4-small", start, end) == (D(120), D(0), 4, 1)  # 60 + 60 unknown
    assert observed_minutes("space", hours, "a10g-small", start, end) == (D(180), D(0), 4, 2)  # 2 x 60 + 60


def test_a_job_line_labelled_with_its_namespace_belongs_to_the_job() -> None:
    snap = snapshot(namespace("alice", billing=billing("alice"),
                              jobs=(job("abc123", stage="COMPLETED", started=at(19), finished=at(19, 0, 30)),),
                              statement=statement("alice", line("jobs/cpu-basic/minutes", "alice/abc123", "30",
                                                                "0.5", unit="0.016667"))),
                    jobs_hw=(flavor("cpu-basic", "0.01"),))
    r = evaluate(snap, History(), Config(), NOW)
    cost = r.jobs[0].cost
    assert (cost.billed_minutes, cost.billed_usd, cost.recomputed_usd) == (D(30), D("0.5"), D("0.3"))
    assert [c.item for c in r.crosscheck if c.item.startswith("job")] == ["job abc123 cpu-basic"]


def test_replica_minutes_add_up_over_every_billed_interval() -> None:
    spans = intervals([(at(19), "RUNNING", 2), (at(19, 0, 30), "SLEEPING", 0), (at(19, 1), "RUNNING", 1)],
                      until=at(19, 1, 30))
    assert [(s.state, s.replicas) for s in spans] == [("RUNNING", 2), ("SLEEPING", 0), ("RUNNING", 1)]
    assert billed_replica_minutes("space", spans, at(19), at(20)) == D(90)  # 30 min x 2 + 30 min x 1


def test_every_resource_history_covers_gets_its_minutes_row_whatever_comes_before() -> None:
    # Three Spaces billed on t4-small; history saw only the last one (from before its line started).
    stmt = statement("alice", *(line("spaces/t4-small/minutes", f"alice/{name}", "60", "0.6", unit="0.01",
                                     started=start, stopped=start + timedelta(hours=1))
                                for name, start in (("unseen", at(19)), ("late", at(18)), ("seen", at(19)))))
    history = History(changes=(StateChange("space", "alice/late", at(18, 12), "RUNNING", "t4-small", 1),
                               StateChange("space", "alice/seen", at(18, 12), "SLEEPING", "t4-small", 1),
                               StateChange("space", "alice/seen", at(19), "RUNNING", "t4-small", 1),
                               StateChange("space", "alice/seen", at(19, 1), "SLEEPING", "t4-small", 1)))
    snap = snapshot(namespace("alice", billing=billing("alice"), statement=stmt),
                    spaces_hw=(flavor("t4-small", "0.01", gpu=True),))
    polled = (PollRun(at(18, 12), NOW, 60.0),)  # polls every 60 s since history began
    r = evaluate(snap, replace(history, poll_runs=polled), Config(interval_s=60), NOW)
    # "unseen": no history of it; "late": its line started before history began. Neither stops the rest.
    assert [(c.item, c.status) for c in r.crosscheck if c.item.endswith("minutes vs history")] == [
        ("space alice/seen t4-small minutes vs history", CheckStatus.OK)]


def test_a_line_without_a_start_time_says_nothing_about_uptime() -> None:
    stmt = statement("alice", line("spaces/t4-small/minutes", "alice/chat", "60", "0.6", unit="0.01",
                                   started=None, stopped=at(19, 1)))
    snap = snapshot(namespace("alice", billing=billing("alice"), statement=stmt,
                              spaces=(replace(space("alice/chat", "SLEEPING"), replicas_requested=2),)),
                    spaces_hw=(flavor("t4-small", "0.01", gpu=True),))
    cost = evaluate(snap, History(), Config(), NOW).spaces[0].cost
    assert (cost.billed_minutes, cost.uptime_pct, cost.uptime_24h_pct) == (D(60), None, None)
