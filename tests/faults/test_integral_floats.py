"""A whole number sent as a float (`7860.0`: JSON Schema counts it an integer) is that integer, in every field and
every source; a count with a fraction (a port `7860.5`) is that one field unknown, never its whole source failed nor
a rounded figure. Through the real `python -m hfmon --once --json` against the demo account on loopback."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from hfmon.schemas import once_schema
from tests.faults.harness import Served
from tests.faults.test_date_time_spellings import json_routes

pytestmark = pytest.mark.e2e


def floats(value: Any) -> Any:
    """The same JSON with every integer written as a float (`7860` as `7860.0`); booleans stay booleans."""
    if isinstance(value, dict):
        return {key: floats(item) for key, item in value.items()}
    if isinstance(value, list):
        return [floats(item) for item in value]
    return float(value) if type(value) is int and abs(value) < 2**53 else value


def once(served: Served) -> dict[str, Any]:
    doc: dict[str, Any] = served.run("--once", "--json", "--no-history", HFMON_TEST_FAKE_FROZEN="1").doc()
    jsonschema.validate(doc, once_schema())
    failed = {name: s for name, s in doc["sources"].items() if s["status"] not in ("ok", "no_access")}
    assert not failed, failed
    return doc


def exposed_job(doc: dict[str, Any]) -> dict[str, Any]:
    job: dict[str, Any] = next(j for j in doc["jobs"] if j["exposed_ports"])  # the demo's a10g-small job, port 7860
    return job


def test_every_integer_sent_as_a_float_reads_as_that_integer(served: Served) -> None:
    routes = json_routes(served)
    plain = once(served)
    assert exposed_job(plain)["exposed_ports"] == [7860]
    for path in routes:
        served.fault(path, edit=floats)
    assert once(served) == plain  # every figure, count, port and source the same


def test_a_port_with_a_fraction_is_an_unknown_port_of_a_job_that_still_exposes_one(served: Served) -> None:
    plain = once(served)
    job = exposed_job(plain)

    def odd_port(body: Any) -> Any:
        for item in body:
            if item["id"] == job["id"]:
                item["expose"]["ports"] = [7860.5]
        return body

    served.fault(f"/api/jobs/{job['namespace']}", edit=odd_port)
    doc = once(served)  # the Jobs listing of that namespace is read: its other Jobs are all there
    assert [j["id"] for j in doc["jobs"]] == [j["id"] for j in plain["jobs"]]
    odd = next(j for j in doc["jobs"] if j["id"] == job["id"])
    assert odd["exposed_ports"] == [None]  # which port is unknown, not 7860 nor 7861
    # it exposes a port all the same: HF's $0.01/h per job is in its price, which is the same as before
    assert odd["expose_usd_per_hour"] == 0.01
    assert odd["price_per_hour_usd"] == job["price_per_hour_usd"] and odd["billed_usd"] == job["billed_usd"]


@pytest.mark.parametrize("fraction", [0.0, 0.5])
def test_an_endpoints_replica_count_with_a_fraction_is_unknown_not_rounded(served: Served, fraction: float) -> None:
    plain = once(served)
    running = next(e for e in plain["endpoints"] if e["state"] == "running")  # qwen-prod: 2 ready replicas
    assert running["replicas"] == 2

    def sent(body: Any) -> Any:
        for item in body["items"]:
            if item["name"] == running["name"]:
                item["status"]["readyReplica"] = running["replicas"] + fraction
        return body

    served.fault(f"/v2/endpoint/{running['namespace']}", edit=sent)
    endpoint = next(e for e in once(served)["endpoints"] if e["name"] == running["name"])
    if fraction:  # 2.5 was rounded to 2 (half to even), a figure HF never said: now unknown
        assert endpoint["replicas"] is None and endpoint["cost_per_hour_usd"] is None
    else:
        assert endpoint == running  # 2.0 is 2
