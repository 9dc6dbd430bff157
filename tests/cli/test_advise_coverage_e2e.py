"""End to end: `hfmon advise` never says "No savings found" over what it could not look at (audit 28).

Nothing read → "Nothing could be checked", exit 1; some read → "No savings found in what was checked; not
checked: …", exit 1; everything read and judged → "No savings found (checked: …)", exit 0.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from hfmon.fakehub.faults import RouteFault
from tests.cli.test_once_e2e import Served, fake

pytestmark = pytest.mark.e2e
__all__ = ["fake"]  # the loopback fake hub fixture, shared with test_once_e2e

LISTINGS = ("/v2/endpoint/*", "/api/spaces", "/api/jobs/*", "/api/settings/repositories",
            "/api/organizations/*/settings/repositories", "/api/settings/billing/*",
            "/api/organizations/*/billing/*")  # billing too: usage/live carries each namespace's private storage


def _empty(body: Any) -> Any:
    return {**body, "items": []} if isinstance(body, dict) else []


def test_a_token_that_may_read_no_listing_checks_nothing_and_never_says_no_savings(
        fake: Callable[..., Served]) -> None:
    served = fake()
    for path in LISTINGS:  # HF's answer to a token without the permission: every listing is no_access
        served.hub.route_faults.append(RouteFault(path, status=403))
    run = served.run("advise", "--no-history")
    assert "No savings found" not in run.stdout
    head = run.stdout.splitlines()[0]
    assert head.startswith("Nothing could be checked: not read: "), head
    for ns in served.hub.scenario.namespaces():
        for kind in ("endpoints", "spaces", "jobs", "storage"):
            assert f"{kind}:{ns}" in head
    # every source answered (403 is an answer), yet nothing was looked at: not success
    assert run.code == 1, run.stderr
    assert "hfmon: not checked: endpoints:ada" in run.stderr
    doc = served.run("advise", "--json", "--no-history").doc()
    assert doc["outcome"] == "nothing_checked" and doc["findings"] == [] and doc["checked"] == []
    assert doc["total_saving_usd_month"]["value"] is None and doc["total_saving_usd_month"]["complete"] is False
    assert "spaces:ada-labs" in doc["not_checked"]


def test_no_savings_in_part_names_what_was_not_checked(fake: Callable[..., Served]) -> None:
    served = fake()
    for path in ("/v2/endpoint/*", "/api/spaces", "/api/jobs/*"):  # an account with nothing to save in them...
        served.hub.route_faults.append(RouteFault(path, edit=_empty))
    for path in ("/api/settings/repositories", "/api/settings/billing/usage/live"):  # ...and ada's storage unread
        served.hub.route_faults.append(RouteFault(path, status=403))
    run = served.run("advise", "--no-history")
    head = run.stdout.splitlines()[0]
    # read: ada-labs's storage (within its plan); northwind's plan limit is unreadable with this token: not judged
    assert head == ("No savings found in what was checked (storage of 1 namespace); not checked: storage:ada; "
                    "not judged: 1 (below)"), head
    assert "storage northwind: not compared with the plan" in run.stdout
    assert run.code == 1, run.stderr
    doc = served.run("advise", "--json", "--no-history").doc()
    assert doc["outcome"] == "none_found_in_part"
    assert doc["checked"] == [{"namespace": "ada-labs", "kind": "storage", "count": 1}]
    assert doc["not_checked"] == ["storage:ada"]
    assert doc["not_judged"] == [{"namespace": "northwind", "note": "storage northwind: not compared with the plan: "
                                                                    "its private storage limit is unknown"}]


def test_no_savings_found_when_everything_was_read_and_judged(fake: Callable[..., Served]) -> None:
    served = fake()
    scn = served.hub.scenario

    def jobs_without_a_timeout(body: Any) -> Any:  # none of them can have run into one (a finding)
        return [j for j in body if "timeout" not in j]

    for path in ("/v2/endpoint/*", "/api/spaces"):
        served.hub.route_faults.append(RouteFault(path, edit=_empty))
    served.hub.route_faults.append(RouteFault("/api/jobs/ada", edit=jobs_without_a_timeout))
    kept = [j for j in scn.jobs if j.namespace == "ada" and j.created_at <= served.hub.now() and j.timeout_s is None]
    assert len(kept) >= 2
    run = served.run("advise", "--namespace", "ada", "--no-history")
    assert run.code == 0, run.stderr
    assert run.stdout.splitlines()[0] == f"No savings found (checked: {len(kept)} jobs, storage of 1 namespace)"
    doc = served.run("advise", "--namespace", "ada", "--json", "--no-history").doc()
    assert doc["outcome"] == "none_found" and doc["not_checked"] == [] and doc["not_judged"] == []
    assert doc["total_saving_usd_month"] == {"value": 0, "at_least": 0, "complete": True, "missing": []}
    assert doc["checked"] == [{"namespace": "ada", "kind": "storage", "count": 1},
                              {"namespace": "ada", "kind": "job", "count": len(kept)}]
