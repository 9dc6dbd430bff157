"""The bundled price tables as parsed, token prices in full, job charges standing in for statement lines, and
rates at the first instant of a period; every expected value written out by hand."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.costs.credits import credits_for
from hfmon.history import History, StateChange, UsagePoint
from hfmon.models import JobCharge, RouterPrice
from hfmon.pricing import PriceOverrides, build_catalog
from hfmon.pricing.catalog import TokenPrice, parse_bundled
from hfmon.report import CheckStatus, PriceSource
from tests.costs.builders import (
    PERIOD_START,
    at,
    billing,
    flavor,
    inference,
    job,
    namespace,
    paid,
    snapshot,
    space,
    statement,
)

D = Decimal
NOW = at(20)


def table(as_of: str, source: str, prices: dict[str, Any], gpu: tuple[str, ...] = ()) -> dict[str, Any]:
    raw: dict[str, Any] = {"as_of": as_of, "source": source, "unit": "USD per hour", "prices": prices}
    if gpu:
        raw["gpu"] = list(gpu)
    return raw


def test_the_bundled_document_is_read_table_by_table() -> None:
    raw = {
        "schema": 1,
        "spaces_hardware": table("2026-01-01", "docs:spaces", {"cpu-basic": 0, "t4-small": "0.40"}, ("t4-small",)),
        "jobs_hardware": table("2026-01-02", "docs:jobs", {"h200": "5.00"}, ("h200",)),
        "endpoints": table("2026-01-03", "docs:endpoints", {"aws/nvidia-l4/x1": 0.8}),
        "plan_credits": table("2026-01-04", "docs:plans", {"pro": "2.00"}),
        "zero_gpu": {"as_of": "2026-01-05", "source": "docs:zero", "overage_usd_per_10_min": "1"},
        "storage": {"as_of": "2026-01-06", "source": "docs:storage", "private_usd_per_tb_month": "18",
                    "public_usd_per_tb_month": 12, "private_tiers": [["0", "18"], ["50", "16"]]},
    }
    b = parse_bundled(raw)
    assert (b.spaces.as_of, b.spaces.source, dict(b.spaces.prices), b.spaces.gpu) == (
        "2026-01-01", "docs:spaces", {"cpu-basic": D(0), "t4-small": D("0.40")}, frozenset({"t4-small"}))
    assert (b.jobs.as_of, b.jobs.source, dict(b.jobs.prices), b.jobs.gpu) == (
        "2026-01-02", "docs:jobs", {"h200": D("5.00")}, frozenset({"h200"}))
    assert (b.endpoints.as_of, b.endpoints.source, dict(b.endpoints.prices), b.endpoints.gpu) == (
        "2026-01-03", "docs:endpoints", {"aws/nvidia-l4/x1": D("0.8")}, frozenset())  # a float read exactly
    assert (b.plan_credits.as_of, dict(b.plan_credits.prices)) == ("2026-01-04", {"pro": D("2.00")})
    assert (b.zero_gpu_overage_usd_per_10_min, b.zero_gpu_as_of) == (D(1), "2026-01-05")
    assert (b.storage_private_usd_per_tb_month, b.storage_public_usd_per_tb_month, b.storage_as_of) == (
        D(18), D(12), "2026-01-06")
    assert [(t.name, t.usd_per_tb_month) for t in b.storage_private_tiers] == [("0–50 TB", D(18)), ("50 TB+", D(16))]
    catalog = build_catalog(None, bundled=b)
    assert catalog.is_gpu("job", "h200") and not catalog.is_gpu("space", "cpu-basic")
    assert not catalog.is_gpu("space", "h200") and not catalog.is_gpu("job", "t4-small")  # each family its table
    assert catalog.is_gpu("space", "t4-small")
    # A Space on a GPU of the Spaces table, billed and unchanged for 7 h, is flagged idle.
    chat = space("alice/chat", hardware="t4-small")
    gpu_space = snapshot(namespace("alice", spaces=(chat,), statement=paid("alice", chat)))  # read: not granted
    changes = History(changes=(StateChange("space", "alice/chat", NOW - timedelta(hours=7), "RUNNING", "t4-small",
                                           1),))
    report = evaluate(gpu_space, changes, Config(), NOW, catalog=catalog)
    assert [(f.kind, f.subject) for f in report.flags if f.kind == "idle_gpu"] == [("idle_gpu", "alice/chat")]
    assert catalog.zero_gpu_overage.usd_per_hour == D(6)


def test_token_prices_keep_input_and_output_apart() -> None:
    router = (RouterPrice("m/one", "together", "live", D("2.1"), D("4.4")),
              RouterPrice("m/one", "novita", "live", None, D("3.0")))
    overrides = PriceOverrides(models=MappingProxyType({"m/one:groq": (D(1), D(2))}))
    catalog = build_catalog(snapshot(router=router), overrides)
    assert catalog.model("m/one", "together") == TokenPrice(D("2.1"), D("4.4"), PriceSource.LIVE)
    assert catalog.model("m/one", "novita") == TokenPrice(None, D("3.0"), PriceSource.LIVE)  # input unknown
    assert catalog.model("m/one", "groq") == TokenPrice(D(1), D(2), PriceSource.OVERRIDE)
    assert catalog.model("m/two", "together") is None


def test_job_charges_stand_in_for_jobs_the_statement_does_not_list() -> None:
    # The statement lists no job; /billing/usage/jobs has one finished and one still running.
    charges = (JobCharge("done1", "cpu-basic", at(19), at(19, 1), D(60), D("0.60")),
               JobCharge("run2", "cpu-basic", at(19, 23), None, D(30), D("0.30")))
    snap = snapshot(namespace("alice", billing=billing("alice"), statement=statement("alice"), job_charges=charges,
                              jobs=(job("done1", stage="COMPLETED"), job("run2", stage="RUNNING", started=at(19, 23)))),
                    jobs_hw=(flavor("cpu-basic", "0.01"),))  # $0.60/h
    r = evaluate(snap, History(), Config(), NOW)
    done, running = (row.cost for row in r.jobs)
    assert (done.billed_minutes, done.billed_usd, done.recomputed_usd) == (D(60), D("0.60"), D("0.60"))
    assert (running.billed_minutes, running.billed_usd, running.recomputed_usd) == (D(30), D("0.30"), D("0.30"))
    rows = {c.item: (c.status, c.note) for c in r.crosscheck if c.item.startswith("job ")}
    assert rows == {"job done1 cpu-basic": (CheckStatus.OK, "1 line"),  # no unit price of its own to disagree
                    "job run2 cpu-basic": (CheckStatus.OK, "1 line; still accruing")}
    # The finished job has no start time of its own: its charge's span says it ran 1 h of the 19 days so far.
    assert done.uptime_pct == D("0.22")  # 1 h / 456 h


def test_at_the_first_instant_of_a_period_no_rate_is_measured_yet() -> None:
    c = credits_for("alice", inference("0", "2"), History(), PERIOD_START)
    assert (c.burn_rate_usd_per_day, c.burn_rate_24h_usd_per_day) == (None, None)  # over 0 s: unknown, not $0/day
    assert c.projected_period_usd is None  # no rate over a zero-length window: unknown, never $0 projected
    # A first point in the period's first second, and no spend since: a rate of 0, not a division by 0.
    history = History(usage=(UsagePoint("alice", PERIOD_START, PERIOD_START, D("0.5"), None),))
    c = credits_for("alice", inference("0.5", "2"), history, PERIOD_START + timedelta(hours=2))
    assert c.burn_rate_24h_usd_per_day is None  # 2 h from the period start at $0: too early, as the projection
    c = credits_for("alice", inference("0.5", "2"), history, PERIOD_START + timedelta(hours=4))
    assert c.burn_rate_24h_usd_per_day == D(3)  # $0.50 in 4 h, counted from the period start at $0
