"""End to end: shapes the audit found read as figures (whoami without orgs, …) are unknown as a user sees them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from hfmon.fakehub.faults import RouteFault
from hfmon.schemas import once_schema
from tests.cli.test_once_e2e import Served, fake

pytestmark = pytest.mark.e2e
__all__ = ["fake"]  # the loopback fake hub fixture, shared with test_once_e2e


def _drop_orgs(body: Any) -> Any:
    body.pop("orgs", None)
    return body


def _null_orgs(body: Any) -> Any:
    return {**body, "orgs": None}


@pytest.mark.parametrize("edit", [_drop_orgs, _null_orgs], ids=["missing", "null"])
def test_whoami_without_orgs_makes_the_orgs_unknown_not_none(fake: Callable[..., Served],
                                                              edit: Callable[[Any], Any]) -> None:
    served = fake()
    served.hub.route_faults.append(RouteFault("/api/whoami-v2", edit=edit))
    # ada's own figures are read; its orgs (ada-labs, northwind) are unknown, so no total is complete
    run = served.run("--once", "--json", "--no-history")
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    assert doc["namespaces_unknown"] == ["account"]
    # which orgs ada has is unknown: null with the reason, never [] (which would say "no orgs")
    assert doc["account"]["orgs"] is None
    assert doc["account"]["orgs_why"] == "whoami did not list the account's orgs, so their figures are not in any total"
    assert run.code == 1, run.stderr  # partial: every source polled answered, but the orgs were not polled
    # ada bills llama-chat $1.60/h + forgotten-finetune $1.50/h + job 0097a076… $0.80/h (l4x1 priced $0.013333
    # a minute, so $0.79998/h); the orgs' part is unknown
    running = doc["running_cost_per_hour_usd"]
    assert running["value"] is None and running["complete"] is False and running["missing"] == ["account"]
    assert running["at_least"] == pytest.approx(1.60 + 1.50 + 0.79998, abs=1e-6)
    text = served.run("--once", "--no-history")
    assert "Orgs      unknown: whoami did not list the account's orgs" in text.stdout
    assert "not in it: account unknown" in text.stdout
    guard = served.run("guard", "--no-history", "--max-cost-per-hour-usd", "100")
    assert guard.code == 5, guard.stdout  # could not check: the orgs' running cost is unknown, never "ok"
    assert guard.stdout.startswith("UNKNOWN running cost now: unknown")


def _price_h100(body: Any) -> Any:
    """The demo's one unpriced Space (h100) priced, so that the Space under test is the only unknown."""
    return [*body, {"name": "h100", "prettyName": "H100", "cpu": "24 vCPU", "ram": "256 GB", "accelerator": None,
                    "unitCostMicroUSD": 75000, "unitCostUSD": 0.075, "unitLabel": "minute"}]


def _drop_rag_runtime(body: Any) -> Any:
    for space in body:
        if space["id"] == "ada-labs/rag-service":
            space.pop("runtime", None)
    return body


def test_a_space_listed_without_runtime_costs_an_unknown_not_zero(fake: Callable[..., Served],
                                                                  tmp_path: Any) -> None:
    served = fake()
    served.hub.route_faults.append(RouteFault("/api/spaces/hardware", edit=_price_h100))
    before = served.run("--once", "--json", "--no-history").doc()
    rag = next(s for s in before["spaces"] if s["id"] == "ada-labs/rag-service")
    assert (rag["stage"], rag["hardware"], rag["cost_per_hour_usd"]) == ("RUNNING", "l4x1", 0.79998)  # $0.013333/min
    assert before["running_cost_per_hour_usd"]["complete"] is True
    served.hub.route_faults.append(RouteFault("/api/spaces", edit=_drop_rag_runtime))
    doc = served.run("--once", "--json", "--no-history").doc()
    jsonschema.validate(doc, once_schema())
    rag = next(s for s in doc["spaces"] if s["id"] == "ada-labs/rag-service")
    assert rag["cost_per_hour_usd"] is None  # was $0.00/h exact
    running = doc["running_cost_per_hour_usd"]
    assert running["value"] is None and running["missing"] == ["unknown:space ada-labs/rag-service (hardware unknown)"]
    assert running["at_least"] == pytest.approx(before["running_cost_per_hour_usd"]["value"] - 0.79998, abs=1e-6)
    assert not any(f["kind"] == "no_sleep_time" and f["subject"] == "ada-labs/rag-service" for f in doc["flags"])
    guard = served.run("guard", "--no-history", "--max-cost-per-hour-usd", "100")
    assert guard.code == 5 and guard.stdout.startswith("UNKNOWN running cost now: unknown"), guard.stdout
    policy = tmp_path / "policy.toml"
    policy.write_text("[policy]\ngpu_space_max_sleep_s = 3600\n", encoding="utf-8")
    check = served.run("check", "--no-history", "--namespace", "ada-labs", "--policy", str(policy))
    assert "UNCHECKED no GPU Space without a sleep time of at most 1h" in check.stdout, check.stdout
    assert "space ada-labs/rag-service (its hardware and sleep time are unknown" in check.stdout
    advise = served.run("advise", "--no-history")
    assert "space ada-labs/rag-service: not judged: its stage, hardware and sleep time" in advise.stdout.replace(
        "\n     ", " "), advise.stdout


def _drop_qwen_replicas(body: Any) -> Any:
    for endpoint in body["items"]:
        if endpoint["name"] == "qwen-prod":
            endpoint["status"].pop("readyReplica", None)
            endpoint["status"]["targetReplica"] = None
    return body


def test_an_endpoint_without_replica_counts_bills_an_unknown_not_min_replica(fake: Callable[..., Served]) -> None:
    served = fake()
    served.hub.route_faults.append(RouteFault("/api/spaces/hardware", edit=_price_h100))
    before = served.run("--once", "--json", "--no-history").doc()
    qwen = next(e for e in before["endpoints"] if (e["namespace"], e["name"]) == ("ada-labs", "qwen-prod"))
    # running, min 2 / max 4, 2 ready: 2 × $2.50/h
    assert (qwen["state"], qwen["replicas"], qwen["min_replica"], qwen["cost_per_hour_usd"]) == ("running", 2, 2, 5.0)
    served.hub.route_faults.append(RouteFault("/v2/endpoint/ada-labs", edit=_drop_qwen_replicas))
    doc = served.run("--once", "--json", "--no-history").doc()
    jsonschema.validate(doc, once_schema())
    qwen = next(e for e in doc["endpoints"] if (e["namespace"], e["name"]) == ("ada-labs", "qwen-prod"))
    assert (qwen["replicas"], qwen["cost_per_hour_usd"]) == (None, None)  # 2 to 4 replicas: never min exactly
    running = doc["running_cost_per_hour_usd"]
    assert running["value"] is None
    assert running["missing"] == ["unknown:endpoint ada-labs/qwen-prod (aws/nvidia-a100/x1)"]
    assert running["at_least"] == pytest.approx(before["running_cost_per_hour_usd"]["value"] - 5.0, abs=1e-6)
    guard = served.run("guard", "--no-history", "--max-cost-per-hour-usd", "100")
    assert guard.code == 5 and guard.stdout.startswith("UNKNOWN running cost now: unknown"), guard.stdout


def test_scheduled_jobs_of_an_unread_listing_are_named_not_dropped(fake: Callable[..., Served]) -> None:
    served = fake()
    served.hub.route_faults.append(RouteFault("/api/scheduled-jobs/ada", status=500, reason="boom"))
    doc = served.run("--once", "--json", "--no-history").doc()
    assert doc["scheduled_jobs_missing"] == ["scheduled_jobs:ada"]
    assert {j["namespace"] for j in doc["scheduled_jobs"]} == {"ada-labs"}  # ada's nightly job is unknown, not gone
    text = served.run("--once", "--no-history").stdout.splitlines()
    head = next(i for i, line in enumerate(text) if line.startswith("Scheduled jobs"))
    assert text[head] == "Scheduled jobs  at least 2 · spend still to come"
    assert text[head + 1].strip() == "not in it: scheduled jobs unread (ada)"
    advise = served.run("advise", "--no-history", "--json").doc()
    assert advise["scheduled_next_month_missing"] == ["scheduled_jobs:ada"]
    assert {s["namespace"] for s in advise["scheduled_next_month"]} == {"ada-labs"}
    words = served.run("advise", "--no-history").stdout
    assert "not in it  scheduled jobs unread (ada): what those can cost is unknown" in words, words


def test_resource_group_limits_not_read_are_unknown_not_no_limit(fake: Callable[..., Served]) -> None:
    served = fake()
    before = served.run("--once", "--json", "--no-history").doc()
    research = next(g for g in before["resource_groups"] if g["name"] == "research")
    assert [(lim["product"], lim["limit_usd"]) for lim in research["limits"]] == [("total", 261.0)]
    served.hub.route_faults.append(RouteFault("/api/organizations/ada-labs/resource-groups", status=500))
    doc = served.run("--once", "--json", "--no-history").doc()
    jsonschema.validate(doc, once_schema())
    groups = {g["name"]: g for g in doc["resource_groups"]}
    assert groups["research"]["limits"] is None and groups["production"]["limits"] is None  # unknown, not []
    assert groups["research"]["total_usd"] == research["total_usd"]  # its spend is still read
    assert "resource_groups:ada-labs" in doc["flags_unchecked"]  # whether one is near its limit is unknown
    text = served.run("--once", "--no-history").stdout
    assert "ada-labs/research" in text and "limits unknown (not read)" in text and "no limit" not in text, text


def test_scheduled_jobs_of_no_listing_read_are_unknown_not_at_least_zero(fake: Callable[..., Served]) -> None:
    served = fake()
    served.hub.route_faults.append(RouteFault("/api/scheduled-jobs/*", status=500, reason="boom"))
    text = served.run("--once", "--no-history").stdout.splitlines()
    head = next(line for line in text if line.startswith("Scheduled jobs"))
    assert head == "Scheduled jobs  unknown · spend still to come"  # "at least 0" said nothing (audit 3, 17d)
