"""A product whose statement is behind another Hugging Face figure of the period is a lower bound on /metrics too:
`hfmon_spend_usd` leaves it out (as `hfmon_running_cost_per_hour_usd` leaves out a partial meter row) and
`hfmon_spend_at_least_usd` carries it, so the known parts still add up to `hfmon_namespace_spend_at_least_usd`.
Polled in-process against the demo fake (seed 7) frozen at Nov 18 15:00 UTC, scraped over HTTP.

Worked by hand: ada's running Job (l4x1, started 14:25: 35 min at $0.013333/min = $0.466655) has no statement line
and no job charge yet; the statement's Jobs add up to the three finished ones, $0.77949, while usage-v2 counts
$1.246145 for the same period. ada's jobs part is at least $1.246145; it was served as `hfmon_spend_usd` 1.246145,
a plain figure, beside an absent namespace total."""

from __future__ import annotations

from typing import Any

import pytest

from hfmon.fakehub.faults import RouteFault
from tests.exporter.test_scrape import lab, scrape, serving

RUNNING_JOB = "cc9cd021b4815cda4596be7c"
PRODUCTS = ("inference", "endpoints", "spaces", "jobs", "storage", "other")


def _statement_without_the_running_job(body: dict[str, Any]) -> dict[str, Any]:
    for group in body["usage"]:
        body["usage"][group] = [line for line in body["usage"][group] if line.get("label") != RUNNING_JOB]
    return body


def _charges_without_the_running_job(body: dict[str, Any]) -> dict[str, Any]:
    details = [j for j in body["usage"]["jobDetails"] if j["jobId"] != RUNNING_JOB]
    return {**body, "usage": {**body["usage"], "jobDetails": details}}


async def test_a_part_the_statement_is_behind_on_is_served_as_at_least() -> None:
    async with serving(seed=7) as exporter:  # the demo as the audits ran it
        exporter.hub.route_faults += [
            RouteFault("/api/settings/billing/usage", edit=_statement_without_the_running_job),
            RouteFault("/api/settings/billing/usage/jobs", edit=_charges_without_the_running_job)]
        await exporter.watch.poll_once()
        behind = scrape(exporter.port)
    jobs = lab(namespace="ada", product="jobs", source="billed")
    assert jobs not in behind["hfmon_spend_usd"]  # was 1.246145, a plain figure
    assert behind["hfmon_spend_at_least_usd"][jobs] == pytest.approx(1.246145)
    spaces = lab(namespace="ada", product="spaces", source="billed")
    assert behind["hfmon_spend_usd"][spaces] == behind["hfmon_spend_at_least_usd"][spaces]  # not behind on it
    assert lab(namespace="ada") not in behind.get("hfmon_namespace_spend_usd", {})
    # the parts add up to the namespace's known part, the jobs at least
    parts = [behind["hfmon_spend_at_least_usd"][lab(namespace="ada", product=p, source="billed")] for p in PRODUCTS]
    assert behind["hfmon_namespace_spend_at_least_usd"][lab(namespace="ada")] == pytest.approx(sum(parts))
    # ada-labs's statement is whole: its figures and their known parts are one and the same
    labs = lab(namespace="ada-labs")
    assert behind["hfmon_namespace_spend_usd"][labs] == behind["hfmon_namespace_spend_at_least_usd"][labs]
