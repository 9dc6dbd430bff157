"""Money fields the spec requires, or marks optional, that are absent: unknown or a bad response, never $0."""

from __future__ import annotations

import copy
import re
from decimal import Decimal
from typing import Any

import pytest

from hfmon.api import parse_billing as pb
from hfmon.errors import BadResponseError, NoAccessError
from tests.api import payloads as p


def _without(data: dict[str, Any], *path: str | int) -> dict[str, Any]:
    """A deep copy of `data` with the key at `path` removed."""
    out = copy.deepcopy(data)
    node = out
    for key in path[:-1]:
        node = node[key]
    del node[path[-1]]
    return out


def test_a_statement_without_usage_is_a_bad_response_naming_the_field() -> None:
    with pytest.raises(BadResponseError, match=r"billing/usage\.usage: missing required field"):
        pb.parse_statement(_without(p.STATEMENT, "usage"), "alice")


@pytest.mark.parametrize("group", [None, {"lines": []}, "none"])
def test_a_statement_group_that_is_not_a_list_is_a_bad_response(group: Any) -> None:
    data = {**p.STATEMENT, "usage": {**p.STATEMENT["usage"], "Spaces": group}}
    with pytest.raises(BadResponseError, match=r"billing/usage\.usage\.Spaces: expected an array"):
        pb.parse_statement(data, "alice")


def test_a_statement_with_no_groups_is_an_empty_bill() -> None:
    assert pb.parse_statement({**p.STATEMENT, "usage": {}}, "alice").lines == ()  # HF said so: no lines


def test_usage_v2_without_included_credits_leaves_them_unknown() -> None:
    usage = pb.parse_usage_v2(_without(p.USAGE_V2, "usage", "inferenceProviders", "includedNanoUsd"), "alice")
    assert usage.inference.included_usd is None
    assert usage.inference.used_usd == Decimal("1.5")  # 1,500,000,000 nano-USD
    assert pb.parse_usage_v2(p.USAGE_V2, "alice").inference.included_usd == Decimal("2")


def test_usage_v2_jobs_without_used_is_unknown_job_spend() -> None:
    jobs = pb.parse_usage_v2(_without(p.USAGE_V2, "usage", "jobs", "usedMicroUsd"), "alice").jobs
    assert jobs is not None and jobs.used_usd is None and jobs.minutes == Decimal("3.5")
    known = pb.parse_usage_v2(p.USAGE_V2, "alice").jobs
    assert known is not None and known.used_usd == Decimal("0.25")  # 250,000 micro-USD


def test_job_charges_with_has_access_false_are_no_access_not_an_empty_list() -> None:
    denied = {**p.JOB_CHARGES, "hasAccess": False}
    with pytest.raises(NoAccessError, match="hasAccess: false") as info:
        pb.parse_job_charges(denied, "grant the billing permission")
    assert info.value.hint == "grant the billing permission"
    assert [c.cost_usd for c in pb.parse_job_charges(p.JOB_CHARGES)] == [Decimal("0.002004")]


@pytest.mark.parametrize(("path", "field"), [
    (("hasAccess",), "billing/usage/jobs.hasAccess"),
    (("usage",), "billing/usage/jobs.usage"),
    (("usage", "jobDetails"), "billing/usage/jobs.usage.jobDetails"),
    (("usage", "jobDetails", 0, "totalMinutes"), "billing/usage/jobs.usage.jobDetails[0].totalMinutes"),
])
def test_job_charges_without_a_required_field_are_a_bad_response(path: tuple[str | int, ...], field: str) -> None:
    with pytest.raises(BadResponseError, match=re.escape(field)):
        pb.parse_job_charges(_without(p.JOB_CHARGES, *path))


def test_a_live_provider_without_its_cost_leaves_the_split_unknown() -> None:
    live = pb.parse_live_usage(_without(p.LIVE, "inference", "providerDetails"))
    assert live.by_provider == ()  # no provider rows: an empty split
    data = copy.deepcopy(p.LIVE)
    data["inference"]["providerDetails"].append({"provider": "groq", "numRequests": 3})
    missing = pb.parse_live_usage(data)
    assert missing.by_provider is None and missing.private_storage_bytes == 3  # storage is still read
    (together,) = pb.parse_live_usage(p.LIVE).by_provider or ()
    assert together.cost_usd == Decimal("0.9")
