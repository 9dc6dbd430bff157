"""A statement behind HF's other figures of the same period (a line not there yet) is "at least" the later figure,
never a complete smaller sum: usage-v2's Jobs, and an org's resource groups. Driven through the real `python -m hfmon`
against the demo fake frozen at Nov 18 15:00 UTC (period Nov 1 - Dec 1); figures worked out by hand."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import jsonschema
import pytest

from hfmon.schemas import once_schema
from tests.fakehub.conftest import HUB, get_json
from tests.faults.harness import Served

pytestmark = pytest.mark.e2e

FROZEN = {"HFMON_TEST_FAKE_FROZEN": "1"}
RUNNING_JOB = "cc9cd021b4815cda4596be7c"  # ada's l4x1 job, started 14:25: 35 min at $0.013333/min by 15:00
FINISHED_JOBS_USD = Decimal("0.77949")  # ada's three finished jobs' statement lines
RUNNING_JOB_USD = 35 * Decimal("0.013333")  # $0.466655


def _without(label: str) -> Any:
    def edit(body: Any) -> Any:
        for group in body["usage"]:
            body["usage"][group] = [line for line in body["usage"][group] if line.get("label") != label]
        return body

    return edit


def _usd(value: Any) -> Decimal:
    return Decimal(str(value))


def _spend(doc: dict[str, Any], namespace: str) -> dict[str, Any]:
    return next(s for s in doc["spend"] if s["namespace"] == namespace)


def test_jobs_the_statement_has_no_line_for_yet_are_at_least_usage_v2s(served: Served) -> None:
    before = _spend(served.run("--once", "--json", "--no-history", **FROZEN).doc(), "ada")
    assert _usd(before["jobs_usd"]) == FINISHED_JOBS_USD + RUNNING_JOB_USD  # the statement has the line: no lag
    assert before["total_usd"]["complete"] is True and not before.get("behind")

    served.fault("/api/settings/billing/usage", edit=_without(RUNNING_JOB))
    served.fault("/api/settings/billing/usage/jobs",
                 edit=lambda b: {**b, "usage": {**b["usage"], "jobDetails": [
                     j for j in b["usage"]["jobDetails"] if j["jobId"] != RUNNING_JOB]}})
    doc = served.run("--once", "--json", "--no-history", **FROZEN).doc()
    jsonschema.validate(doc, once_schema())
    spend = _spend(doc, "ada")
    # was: jobs $0.77949 and the total complete; usage-v2 says $1.246145 for the same period
    assert _usd(spend["jobs_usd"]) == FINISHED_JOBS_USD + RUNNING_JOB_USD
    assert spend["behind"] == [{"product": "jobs", "statement_usd": 0.77949, "at_least_usd": 1.246145,
                                "source": "usage-v2"}]
    total = spend["total_usd"]
    assert total["complete"] is False and total["value"] is None
    assert total["missing"] == ["statement_behind:ada"]
    assert _usd(total["at_least"]) == _usd(before["total_usd"]["value"])  # every other part as before
    # the period window is the same figures: at least, the jobs part a lower bound (it read complete, audit 7 D4)
    [period] = [n["current"] for n in doc["windows"]["period"]["namespaces"] if n["namespace"] == "ada"]
    assert period["total_usd"]["complete"] is False and period["total_usd"]["missing"] == ["statement_behind:ada"]
    storage = _usd(spend["storage_usd"] or 0) + _usd(spend.get("other_usd") or 0)  # billed monthly: in no window
    assert _usd(period["total_usd"]["at_least"]) == _usd(total["at_least"]) - storage
    assert period["jobs_usd"] is None  # a part known only in part is null in a window, its total says at least
    row = next(c for c in doc["crosscheck"] if c["item"] == "jobs ada: statement vs usage-v2")
    assert row["status"] == "pending" and _usd(row["billed_usd"]) == FINISHED_JOBS_USD
    assert "the statement is $0.47 behind usage-v2" in row["note"]
    # the running Job's own figures: it has no line, and usage-v2's $0.47 is every unbilled Job's (was 0.0, as if HF
    # had billed 35 min at $0.80/h nothing)
    [job] = [j for j in doc["jobs"] if j["id"] == RUNNING_JOB]
    assert job["billed_usd"] is None and job["recomputed_usd"] is None and job["billed_hours"] is None
    assert job["billed_why"] == ("the statement has no line for it yet: usage-v2 counts $0.47 of ada's Jobs this "
                                 "period that the statement has not billed")
    assert all(j["billed_why"] is None and j["billed_usd"] is not None for j in doc["jobs"]
               if j["id"] != RUNNING_JOB and j["namespace"] == "ada")
    text = served.run("--once", "--no-history", **FROZEN).stdout
    assert f"ada: at least ${_usd(before['total_usd']['value']):,.2f} this period" in text, text
    assert "jobs at least $1.25" in text
    assert "jobs: the statement is $0.47 behind usage-v2 (at least $1.25)" in text
    assert "what the statement has not billed yet (ada)" in text


def test_an_orgs_groups_adding_up_to_more_than_its_statement_make_it_at_least_theirs(served: Served) -> None:
    statement = get_json(served.hub, f"{HUB}/api/organizations/ada-labs/billing/usage")
    video_gen = sum((Decimal(line["totalCostMicroUSD"]) / 10**6 for lines in statement["usage"].values()
                     for line in lines if line["label"] == "ada-labs/video-gen"), Decimal(0))
    assert video_gen > 200  # h100 since Nov 12: what the groups count and the edited statement will not
    before = _spend(served.run("--once", "--json", "--no-history", **FROZEN).doc(), "ada-labs")
    assert before["total_usd"]["complete"] is True and not before.get("behind")
    rows = len([g for g in served.run("--once", "--json", "--no-history", **FROZEN).doc()["resource_groups"]
                if g["namespace"] == "ada-labs"])

    served.fault("/api/organizations/ada-labs/billing/usage", edit=_without("ada-labs/video-gen"))
    doc = served.run("--once", "--json", "--no-history", **FROZEN).doc()
    jsonschema.validate(doc, once_schema())
    spend = _spend(doc, "ada-labs")
    groups = [g for g in doc["resource_groups"] if g["namespace"] == "ada-labs"]
    grouped = sum((_usd(g["spaces_usd"]) for g in groups), Decimal(0))
    # was: Spaces $579.35 and the org's total complete, less than its groups add up to
    assert spend["behind"] == [{"product": "spaces", "statement_usd": float(_usd(before["spaces_usd"]) - video_gen),
                                "at_least_usd": float(grouped), "source": "usage-by-resource-group"}]
    assert _usd(spend["spaces_usd"]) == grouped  # at least what the groups count, to their cents
    assert abs(grouped - _usd(before["spaces_usd"])) <= Decimal("0.005") * rows
    total = spend["total_usd"]
    assert total["complete"] is False and "statement_behind:ada-labs" in total["missing"]
    # only the Spaces part moved: from the statement's (less video-gen) up to the groups' sum
    assert _usd(total["at_least"]) == _usd(before["total_usd"]["value"]) - _usd(before["spaces_usd"]) + grouped
    row = next(c for c in doc["crosscheck"] if c["item"] == "spaces ada-labs: statement vs usage-by-resource-group")
    assert row["status"] == "pending"
