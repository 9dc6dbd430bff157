"""End to end: a saving priced from hfmon's bundled table says so, with the table's date (audit 27).

The bundled table is read here from the package data file itself, as a user would look it up.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from hfmon.fakehub.faults import RouteFault
from tests.cli.test_advise_e2e import MONTH_H, NEEDED_H, close
from tests.cli.test_once_e2e import Served, fake

pytestmark = pytest.mark.e2e
__all__ = ["fake"]  # the loopback fake hub fixture, shared with test_once_e2e

D = Decimal
BUNDLED: dict[str, Any] = json.loads(resources.files("hfmon.pricing").joinpath("bundled.json").read_text("utf-8"))
QWEN = "endpoint ada-labs/qwen-prod"


def _finding(doc: dict[str, Any], kind: str, resource: str) -> dict[str, Any]:
    return next(f for f in doc["findings"] if (f["kind"], f["resource"]) == (kind, resource))


def test_an_endpoint_saving_priced_from_the_bundled_table_says_so_with_its_date(
        fake: Callable[..., Served]) -> None:
    served = fake()
    live = _finding(served.run("advise", "--json", "--no-history").doc(), "cannot_scale_to_zero", QWEN)
    assert live["price_source"] == "live" and live["price_note"] is None and live["price_as_of"] is None
    # the Endpoints catalogs (the live pricePerHour of every namespace) unread: the bundled table prices it
    served.hub.route_faults.append(RouteFault("/v2/provider/*", status=500))
    run = served.run("advise", "--json", "--no-history")
    assert run.code == 1, run.stderr  # partial: the catalogs failed
    qwen = _finding(run.doc(), "cannot_scale_to_zero", QWEN)
    table = BUNDLED["endpoints"]
    per_hour = D(table["prices"]["aws/nvidia-a100/x1"])  # qwen-prod: aws nvidia-a100 x1, min replica 2
    assert close(qwen["saving_usd_month"], (per_hour * 2 * (MONTH_H - NEEDED_H)).quantize(D("0.000001")))
    assert qwen["price_source"] == "bundled" and qwen["price_as_of"] == table["as_of"] == "2026-08-20"
    note = "priced from hfmon's bundled table, dated 2026-08-20"
    assert qwen["price_note"] == note
    text = served.run("advise", "--no-history").stdout
    block = text[text.index(f"{QWEN}: "):]
    block = block[:block.index("\n\n")]
    assert "priced from hfmon's bundled table, dated 2026-08-20" in " ".join(block.split())


def test_job_and_scheduled_costs_from_the_bundled_jobs_table_are_labelled(fake: Callable[..., Served]) -> None:
    served = fake()
    served.hub.route_faults.append(RouteFault("/api/jobs/hardware", status=500))
    doc = served.run("advise", "--json", "--no-history").doc()
    as_of = BUNDLED["jobs_hardware"]["as_of"]
    timed_out = [f for f in doc["findings"] if f["kind"] == "job_hit_timeout"]
    assert timed_out and all(f["price_source"] == "bundled" and f["price_as_of"] == as_of for f in timed_out)
    priced = [s for s in doc["scheduled_next_month"] if s["max_usd"]]
    assert priced and all(s["price_source"] == "bundled" and s["price_as_of"] == as_of for s in priced)
