"""Billing shapes HF's spec allows (or real payloads show) that must read as unknown, never as $0: driven through the
real `python -m hfmon` against the fake Hugging Face on loopback, asserting what the user sees. Expected figures are
read from the fake's own answers (its usage-v2), never from hfmon."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import jsonschema
import pytest

from hfmon.fakehub import NO_BILLING_TOKEN
from hfmon.schemas import once_schema
from tests.fakehub.conftest import HUB, get_json, over_its_period
from tests.faults.harness import Served

pytestmark = pytest.mark.e2e


@pytest.fixture
def served(served_now: Served) -> Served:
    """The fake anchored at this minute (see conftest): hfmon's own clock asks for this month."""
    return served_now


def _usd(value: Any) -> Decimal:
    """A JSON money figure as an exact Decimal (hfmon prints micro-dollar precision)."""
    return Decimal(str(value))


def _inference_used(served: Served, namespace: str) -> Decimal:
    """What the fake's usage-v2 says the namespace used on Inference Providers, in USD to the micro-dollar."""
    route = "settings" if namespace == "ada" else f"organizations/{namespace}"
    usage = get_json(served.hub, over_its_period(served.hub, f"{HUB}/api/{route}/billing/usage-v2"))["usage"]
    return (Decimal(usage["inferenceProviders"]["usedNanoUsd"]) / 10**9).quantize(Decimal("0.000001"))


def _jobs_used(served: Served, namespace: str) -> Decimal:
    route = "settings" if namespace == "ada" else f"organizations/{namespace}"
    usage = get_json(served.hub, over_its_period(served.hub, f"{HUB}/api/{route}/billing/usage-v2"))["usage"]
    return Decimal(usage["jobs"]["usedMicroUsd"]) / 10**6


def _spend(doc: dict[str, Any], namespace: str) -> dict[str, Any]:
    return next(s for s in doc["spend"] if s["namespace"] == namespace)


def test_a_statement_without_usage_is_an_unreadable_statement_not_an_empty_bill(served: Served) -> None:
    expected_at_least = _inference_used(served, "ada") + _jobs_used(served, "ada")

    def drop_usage(body: dict[str, Any]) -> dict[str, Any]:
        del body["usage"]
        return body

    served.fault("/api/settings/billing/usage", edit=drop_usage)
    run = served.run("--once", "--json", "--no-history")
    statement = run.sources()["statement:ada"]
    assert (statement["status"], statement["failure"]) == ("error", "bad_response")
    assert "billing/usage.usage: missing required field" in statement["error"]
    spend = _spend(run.doc(), "ada")
    assert spend["total_usd"]["value"] is None and spend["total_usd"]["missing"] == ["statement:ada"]
    assert (spend["endpoints_usd"], spend["spaces_usd"]) == (None, None)
    # what is known is only usage-v2's part: inference plus its jobs figure, said as "at least"
    assert _usd(spend["total_usd"]["at_least"]) == expected_at_least
    assert run.code == 1, run.stderr  # partial data, never "all ok"
    text = served.run("--once", "--no-history")
    assert "Billed    ada: at least $" in text.stdout and "not in it: statement unread (ada)" in text.stdout


def test_statement_groups_that_are_not_lists_make_the_statement_unreadable(served: Served) -> None:
    def null_groups(body: dict[str, Any]) -> dict[str, Any]:
        body["usage"] = {"Endpoints": None, "Spaces": None}
        return body

    served.fault("/api/organizations/ada-labs/billing/usage", edit=null_groups)
    run = served.run("--once", "--json", "--no-history")
    statement = run.sources()["statement:ada-labs"]
    assert statement["status"] == "error"
    assert "billing/usage.usage.Endpoints: expected an array, got NoneType" in statement["error"]
    assert _spend(run.doc(), "ada-labs")["total_usd"]["missing"] == ["statement:ada-labs"]
    assert run.code == 1


def test_job_charges_without_access_are_no_access_and_each_jobs_bill_unknown(served: Served) -> None:
    denied = json.dumps({"hasAccess": False, "usage": {"usedMicroUsd": 0, "totalMinutes": 0,
                                                       "periodStart": "2026-11-01T00:00:00.000Z",
                                                       "periodEnd": "2026-12-01T00:00:00.000Z",
                                                       "jobDetails": []}}).encode()
    served.fault("/api/settings/billing/usage/jobs", status=200, body=denied)
    run = served.run("--once", "--json", "--no-history", token=NO_BILLING_TOKEN)
    charges = run.sources()["job_charges:ada"]
    assert (charges["status"], charges["failure"]) == ("no_access", "no_access")
    assert "hasAccess: false" in charges["error"] and "Billing > Read billing usage" in charges["hint"]
    jobs = [j for j in run.doc()["jobs"] if j["namespace"] == "ada"]
    assert any(j["stage"] == "RUNNING" for j in jobs)
    assert [j["billed_usd"] for j in jobs] == [None] * len(jobs)  # unknown, never $0.00
    assert run.code == 0, run.stderr  # a missing permission is an answer, as a 403 is


def test_usage_v2_without_included_credits_leaves_credits_unknown_and_guard_undecided(served: Served) -> None:
    def drop_included(body: dict[str, Any]) -> dict[str, Any]:
        del body["usage"]["inferenceProviders"]["includedNanoUsd"]
        return body

    served.fault("/api/settings/billing/usage-v2", edit=drop_included)
    run = served.run("--once", "--json", "--no-history")
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    credits = doc["credits"]  # no "$1.82 of $0.00 · overage $1.82": the entry is there, what needs the amount null
    assert credits["namespace"] == "ada" and credits["why"] == (
        "usage-v2 did not say how many credits are included, so what is left and any overage are unknown")
    for key in ("included_usd", "remaining_usd", "overage_usd", "exhausts_at"):
        assert credits[key] is None, key
    assert _usd(credits["used_usd"]) == _inference_used(served, "ada")  # what is known stays known
    assert credits["projected_period_usd"] is not None and credits["period_end"] is not None
    assert [(c["namespace"], c["why"]) for c in doc["org_credits"]] == [("ada-labs", None)]
    assert "billing:ada" in doc["flags_unchecked"]
    assert _usd(_spend(doc, "ada")["inference_usd"]) == _inference_used(served, "ada")  # the spend itself is known
    assert run.code == 0, run.stderr
    text = served.run("--once", "--no-history").stdout
    used = _inference_used(served, "ada").quantize(Decimal("0.01"))
    assert f"Credits   ada Inference Providers: ${used} used · included unknown" in text  # the known part stays
    assert "included unknown: usage-v2 did not say how many" in text
    assert "$2.00" not in text.split("Credits   ada ")[1].split("\n")[0] and "overage $" not in text
    guard = served.run("guard", "--max-overage-usd", "1", "--no-history")
    assert guard.code == 5, guard.stdout + guard.stderr  # could not check: never a FAIL on a made-up $0 of credits
    line = next(x for x in guard.stdout.splitlines() if "(ada)" in x)
    assert line.startswith("UNKNOWN") and "did not say how many credits are included" in line


def test_an_orgs_zero_included_credits_are_unknown_not_an_overage_from_its_first_request(served: Served) -> None:
    # hf-api.md 3.1: includedNanoUsd is "0 for orgs per a third-party note"; HF gives Team and Enterprise orgs $2.00
    # a seat, pooled: read as a $0 plan, ada-labs read "$6.57 of $0.00 · overage $6.57" and guard FAILed (audit 7 D3)
    def zero_included(body: dict[str, Any]) -> dict[str, Any]:
        body["usage"]["inferenceProviders"]["includedNanoUsd"] = 0
        return body

    served.fault("/api/organizations/ada-labs/billing/usage-v2", edit=zero_included)
    doc = served.run("--once", "--json", "--no-history").doc()
    jsonschema.validate(doc, once_schema())
    [org] = [c for c in doc["org_credits"] if c["namespace"] == "ada-labs"]
    for key in ("included_usd", "remaining_usd", "overage_usd", "exhausts_at"):
        assert org[key] is None, key
    assert org["why"] is not None and "$2.00 a seat, pooled" in org["why"]
    assert _usd(org["used_usd"]) == _inference_used(served, "ada-labs")  # what is known stays known
    assert doc["credits"]["included_usd"] == 2.0  # a user's $0 would still be a $0 plan: only an org's is unsaid
    guard = served.run("guard", "--max-overage-usd", "0", "--namespace", "ada-labs", "--no-history")
    assert guard.code == 5, guard.stdout + guard.stderr  # could not check: never a FAIL on a made-up $0 of credits


def test_an_org_past_its_spending_limit_is_flagged_though_its_included_credits_are_unknown(served: Served) -> None:
    # audit 8 E15: ada-labs's usage-v2 said $0 included (unknown) and a $5.00 limit under its $6.57 used; HF refuses
    # its every request, yet no limit_hit flag was raised and the text said only why the credits were unknown
    used = _inference_used(served, "ada-labs")
    limit = (used / 2).quantize(Decimal("0.01"))

    def zero_included_low_limit(body: dict[str, Any]) -> dict[str, Any]:
        body["usage"]["inferenceProviders"]["includedNanoUsd"] = 0
        body["usage"]["inferenceProviders"]["limitNanoUsd"] = int(limit * 10**9)
        return body

    served.fault("/api/organizations/ada-labs/billing/usage-v2", edit=zero_included_low_limit)
    doc = served.run("--once", "--json", "--no-history").doc()
    [org] = [c for c in doc["org_credits"] if c["namespace"] == "ada-labs"]
    assert org["included_usd"] is None and _usd(org["limit_usd"]) == limit
    [hit] = [f for f in doc["flags"] if f["kind"] == "limit_hit"]
    assert hit["subject"] == "ada-labs" and hit["severity"] == "critical"
    assert hit["message"] == f"ada-labs has reached its ${limit} spending limit"
    assert not [f for f in doc["flags"] if f["kind"] in ("credits_exhausted", "credits_run_out")
                and f["subject"] == "ada-labs"]  # those need the included credits: still unchecked
    assert "billing:ada-labs" in doc["flags_unchecked"]
    text = served.run("--once", "--no-history", COLUMNS="80").stdout
    block = text[text.index("Credits   ada-labs"):]
    shown = used.quantize(Decimal("0.01"))
    assert block.startswith(f"Credits   ada-labs Inference Providers: ${shown} used · included unknown")
    assert f"limit ${limit}" in block
    assert f"spending limit ${limit} reached: HF refuses its requests until the period" in block


def test_usage_in_another_currency_is_refused_never_taken_as_dollars(served: Served) -> None:
    # audit 8 E14: the spec's required `currency` was never read: a group answer in EUR at 2x the cents doubled
    # ada-labs's Billed through statement_behind ("at least $6,351.36", true $3,178.97 in USD)
    expected = served.run("--once", "--json", "--no-history").doc()
    billed = {s["namespace"]: s["total_usd"] for s in expected["spend"]}

    def in_euros(body: dict[str, Any]) -> dict[str, Any]:
        body["currency"] = "EUR"
        for period in body["periods"]:
            for group in period.get("resourceGroups", ()):
                for part in (group["inference"], *group["compute"].values()):
                    part["costCents"] *= 2
        return body

    served.fault("/api/organizations/ada-labs/billing/usage-by-resource-group*", edit=in_euros)
    served.fault("/api/settings/billing/usage-by-inference-session*", edit=in_euros)
    run = served.run("--once", "--json", "--no-history")
    doc = run.doc()
    for name, route in (("resource_group_usage:ada-labs", "usage-by-resource-group"),
                        ("sessions:ada", "usage-by-inference-session")):
        source = run.sources()[name]
        assert (source["status"], source["failure"]) == ("error", "bad_response"), name
        assert source["error"] == (f"unexpected response: {route}.currency: the answer is in 'EUR'; hfmon reads "
                                   "USD only")
    assert {s["namespace"]: s["total_usd"] for s in doc["spend"]} == billed  # the statement's dollars, no "behind"
    assert [s["behind"] for s in doc["spend"]] == [[], []]
    groups = [g for g in doc["resource_groups"] or () if g["namespace"] == "ada-labs" and g["id"] is not None]
    assert groups and all(g["total_usd"] is None for g in groups)  # unknown, never euros shown as dollars


def test_usage_v2_jobs_without_used_is_unknown_job_spend_not_zero(served: Served) -> None:
    inference = _inference_used(served, "ada-labs")

    def drop_jobs_used(body: dict[str, Any]) -> dict[str, Any]:
        del body["usage"]["jobs"]["usedMicroUsd"]
        return body

    served.fault("/api/organizations/ada-labs/billing/usage-v2", edit=drop_jobs_used)
    served.fault("/api/organizations/ada-labs/billing/usage", status=500, reason="boom")
    run = served.run("--once", "--json", "--no-history")
    spend = _spend(run.doc(), "ada-labs")
    assert spend["jobs_usd"] is None
    assert spend["total_usd"]["value"] is None and spend["total_usd"]["missing"] == ["statement:ada-labs"]
    assert _usd(spend["total_usd"]["at_least"]) == inference
    assert run.code == 1
