"""End to end: history counts a stretch as watched only for the namespaces and kinds its polls listed fresh.

The account: the user `ada` and the org `ada-labs`, each with one Endpoint and one Space running all along (a price
per hour from the scenario's catalog), no Jobs and no Inference Providers traffic. Real `hfmon` processes record
each poll in one history file, on the fake hub's clock, which the test moves on between them.

- Polled whole at 0 min, with `--namespace ada` every 10 min up to 80 min, whole again at 90 min: the last hour
  (30-90 min) was watched for ada (polls 10 min apart) but not for ada-labs (nothing listed it between 0 and 90
  min), so ada's figures are known and ada-labs' are null, and the account's total is "at least" ada's.
- Polled whole every 10 min, ada-labs' Endpoints listing failing from 10 to 80 min: only that kind of that org is
  unknown over the last hour; its Space and everything of ada are known.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hfmon.fakehub import FakeHub, Scenario, demo_scenario
from hfmon.fakehub.server import serve
from hfmon.fakehub.timeline import Interval
from hfmon.schemas import once_schema
from tests.faults.harness import Served

pytestmark = pytest.mark.e2e
USER, ORG = "ada", "ada-labs"
HARDWARE = "t4-small"
MINUTE = timedelta(minutes=1)
MICRO = Decimal("0.000001")  # JSON amounts are rounded to the micro-dollar


def two_namespaces() -> Scenario:
    """ada and ada-labs, each with one Endpoint and one Space running since long before the test's polls."""
    demo = demo_scenario(seed=7, orgs=1)
    since = demo.start - timedelta(days=3)
    endpoint, space = demo.endpoints[0], next(s for s in demo.spaces if s.id.startswith(f"{USER}/"))
    endpoints = tuple(replace(endpoint, name=f"{ns}-llm", namespace=ns, entity_id=f"{endpoint.entity_id}{i}",
                              min_replica=1, max_replica=1, scale_to_zero_timeout=None, created_at=since,
                              timeline=(Interval(since, None, "running", 1, endpoint.compute.id),))
                      for i, ns in enumerate((USER, ORG)))
    spaces = tuple(replace(space, id=f"{ns}/app", entity_id=f"{space.entity_id}{i}", requested_hardware=HARDWARE,
                           sleep_time=None, created_at=since, granted=False,
                           timeline=(Interval(since, None, "RUNNING", 1, HARDWARE),))
                   for i, ns in enumerate((USER, ORG)))
    return replace(demo, endpoints=endpoints, spaces=spaces, jobs=(), traffic=(), discrepancies=(),
                   resource_groups=(), scheduled_jobs=())


@pytest.fixture
def served(tmp_path: Path) -> Iterator[tuple[Served, Callable[[timedelta], None]]]:
    """The two-namespace account on loopback, and a way to move the fake's clock on from its start."""
    scenario = two_namespaces()
    clock = [scenario.start]
    hub = FakeHub(scenario, now=lambda: clock[0])

    def at(offset: timedelta) -> None:
        clock[0] = scenario.start + offset

    with serve(hub, port=0) as server:
        yield Served(hub, server.base_url, tmp_path), at


def hourly(scenario: Scenario) -> tuple[Decimal, Decimal]:
    """An Endpoint's and a Space's price per hour, from the scenario's catalogs: HF lists an Endpoint's per hour,
    Spaces hardware per minute in micro-USD, rounded half up (0.40 $/h: 6,667 µ$/min, 0.40002 $/h)."""
    endpoint = scenario.endpoints[0].compute.price_per_hour
    flavor = scenario.space_flavor(HARDWARE)
    assert flavor is not None
    per_minute = (flavor.hourly_usd * 10**6 / 60).quantize(Decimal(1), ROUND_HALF_UP)
    return endpoint, per_minute * 60 / 10**6


def last_hour(doc: dict[str, Any]) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """The 1 h window of the account, and each namespace's part of it."""
    window = doc["windows"]["1h"]
    return window, {n["namespace"]: n["current"] for n in window["namespaces"]}


def poll(served: Served, *args: str) -> dict[str, Any]:
    run = served.run("--once", "--json", *args)
    assert run.stdout, run.stderr
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    return doc


def test_a_namespace_polled_alone_leaves_the_others_unknown_over_that_stretch(
        served: tuple[Served, Callable[[timedelta], None]]) -> None:
    fake, at = served
    at(timedelta(0))
    poll(fake)
    for minutes in range(10, 90, 10):
        at(minutes * MINUTE)
        poll(fake, "--namespace", USER)
    at(90 * MINUTE)
    doc = poll(fake)
    window, by_ns = last_hour(doc)
    endpoint, space = hourly(fake.hub.scenario)
    # ada: listed every 10 min from 0 to 90 min, its Endpoint and Space running all along: an hour of each
    ada = by_ns[USER]
    assert Decimal(str(ada["endpoints_usd"])) == endpoint.quantize(MICRO)
    assert Decimal(str(ada["spaces_usd"])) == space.quantize(MICRO)
    assert ada["jobs_usd"] == 0 and ada["inference_usd"] == 0
    assert ada["total_usd"]["value"] is not None
    # ada-labs: nothing listed it from 0 to 90 min, so what its resources did in 30-90 min is unknown (v8 priced it as
    # if its resources had kept the state the 0 min poll saw: the same numbers as ada's); its inference is what
    # usage-v2 says of the hour itself, which needs no history: $0 (audit 8 E2; unknown before)
    labs = by_ns[ORG]
    assert [labs[p] for p in ("inference_usd", "endpoints_usd", "spaces_usd", "jobs_usd")] == [0] + [None] * 3
    assert labs["total_usd"]["value"] is None and labs["total_usd"]["missing"] == [f"history:{ORG}"]
    # the account: at least ada's, never ada's posing as the whole
    total = window["spend_usd"]
    assert total["value"] is None and f"history:{ORG}" in total["missing"]
    assert Decimal(str(total["at_least"])) == (endpoint + space).quantize(MICRO)


def test_a_listing_that_failed_leaves_only_that_kind_of_that_org_unknown(
        served: tuple[Served, Callable[[timedelta], None]]) -> None:
    fake, at = served
    for minutes in range(0, 100, 10):
        at(minutes * MINUTE)
        if minutes == 10:
            fault = fake.fault(f"/v2/endpoint/{ORG}", status=401, reason="Invalid credentials in Authorization header")
        if minutes == 90:
            fake.hub.route_faults.remove(fault)
        doc = poll(fake)
    window, by_ns = last_hour(doc)
    endpoint, space = hourly(fake.hub.scenario)
    ada, labs = by_ns[USER], by_ns[ORG]
    assert Decimal(str(ada["endpoints_usd"])) == endpoint.quantize(MICRO)
    assert Decimal(str(ada["spaces_usd"])) == Decimal(str(labs["spaces_usd"])) == space.quantize(MICRO)
    assert labs["endpoints_usd"] is None  # its listing failed from 10 to 80 min: nothing watched it then
    assert labs["jobs_usd"] == 0 and labs["inference_usd"] == 0
    total = window["spend_usd"]
    assert total["value"] is None and total["missing"] == [f"history:{ORG}"]
    assert Decimal(str(total["at_least"])) == (endpoint + 2 * space).quantize(MICRO)
