"""The fake Hugging Face honours HF's published OpenAPI spec: every response of every route hfmon reads, user and
org variants, every page, at several scenario instants, validates against the spec's schema (Draft 2020-12).

Routes the spec gives no response schema (`usage-v2`, `usage/live`) are checked against the shapes of section 0.5
and 3.1/3.5 of the research notes, each check naming the evidence it follows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import httpx2
import pytest
from jsonschema import Draft202012Validator, FormatChecker

from hfmon.fakehub import FULL_TOKEN, NO_BILLING_TOKEN, FakeHub, Scenario, demo_scenario
from hfmon.fakehub.demo import START
from hfmon.fakehub.routes_billing import period_id
from hfmon.fakehub.scenario import period_bounds
from tests.contract.evidence import LIVE_EVENTS, LIVE_USAGE, USAGE_V2, sse_events
from tests.contract.spec import problems, response_schema, spec
from tests.fakehub.conftest import over_its_period

HUB = "https://huggingface.co"
# Instants: the demo's start (jobs scheduling, running and finished), a day later and in the previous period's
# last hour (statement lines of a period about to close).
INSTANTS = (START, START + timedelta(days=1, hours=7), period_bounds(START)[0] - timedelta(minutes=30))
MAX_PAGES = 50


def _get(hub: FakeHub, url: str, token: str = FULL_TOKEN, accept: str | None = None) -> httpx2.Response:
    headers = {"authorization": f"Bearer {token}"}
    if accept:
        headers["accept"] = accept
    with httpx2.Client(transport=hub.transport()) as client:
        return client.get(url, headers=headers)


def pages(hub: FakeHub, url: str, token: str = FULL_TOKEN) -> Iterator[Any]:
    """Every page of a listing, following `Link: <...>; rel="next"`; each must answer 200 with JSON."""
    for _ in range(MAX_PAGES):
        resp = _get(hub, url, token)
        assert resp.status_code == 200, (url, resp.status_code, resp.text[:200])
        yield resp.json()
        match = re.search(r'<([^>]+)>;\s*rel="next"', resp.headers.get("link", ""))
        if match is None:
            return
        url = match.group(1)
    raise AssertionError(f"{url}: more than {MAX_PAGES} pages")


def _hub(at: datetime) -> FakeHub:
    return FakeHub(demo_scenario(0, discrepancies=False, page_size=2), now=lambda: at)


def _billing_namespaces(scn: Scenario) -> list[tuple[str, str, str]]:
    """(spec path prefix, URL prefix, namespace) for the user and every org whose billing the token may read."""
    out = [("/api/settings/billing", "/api/settings/billing", scn.user.name)]
    out += [("/api/organizations/{name}/billing", f"/api/organizations/{o.name}/billing", o.name)
            for o in scn.orgs if o.billing_readable]
    return out


def cases() -> Iterator[tuple[str, str, str]]:
    """(case id, spec path, URL) of every response to check, user and org variants."""
    scn = demo_scenario(0, discrepancies=False)
    yield "whoami", "/api/whoami-v2", "/api/whoami-v2"
    for spec_prefix, url_prefix, ns in _billing_namespaces(scn):
        yield f"statement:{ns}", f"{spec_prefix}/usage", f"{url_prefix}/usage"
        yield f"sessions:{ns}", f"{spec_prefix}/usage-by-inference-session", f"{url_prefix}/usage-by-inference-session"
    yield "job_charges:user", "/api/settings/billing/usage/jobs", "/api/settings/billing/usage/jobs"
    yield "zero_gpu", "/api/spaces/zero-gpu/quota", "/api/spaces/zero-gpu/quota"
    yield "spaces_hardware", "/api/spaces/hardware", "/api/spaces/hardware"
    yield "jobs_hardware", "/api/jobs/hardware", "/api/jobs/hardware"
    for ns in (scn.user.name, *(o.name for o in scn.orgs)):
        yield f"jobs:{ns}", "/api/jobs/{namespace}", f"/api/jobs/{ns}"
        yield f"scheduled_jobs:{ns}", "/api/scheduled-jobs/{namespace}", f"/api/scheduled-jobs/{ns}"
    for o in scn.orgs:
        yield (f"resource_groups:{o.name}", "/api/organizations/{name}/resource-groups",
               f"/api/organizations/{o.name}/resource-groups")
        if o.billing_readable:
            yield (f"group_usage:{o.name}", "/api/organizations/{name}/billing/usage-by-resource-group",
                   f"/api/organizations/{o.name}/billing/usage-by-resource-group")
    yield "repositories:user", "/api/settings/repositories", "/api/settings/repositories"
    for o in scn.orgs:
        yield (f"repositories:{o.name}", "/api/organizations/{name}/settings/repositories",
               f"/api/organizations/{o.name}/settings/repositories")
        yield f"members:{o.name}", "/api/organizations/{name}/members", f"/api/organizations/{o.name}/members"


CASES = [pytest.param(*c, id=c[0]) for c in cases()]


def test_every_route_hfmon_reads_with_a_schema_is_checked() -> None:
    checked = {c.values[1] for c in CASES}
    with_schema = {p for p in spec()["paths"] if response_schema(p) is not None}
    # A single resource group (hfmon reads the list) is checked by its own test below.
    not_read_yet = {"/api/organizations/{name}/resource-groups/{resourceGroupId}"}
    assert with_schema - not_read_yet <= checked


@pytest.mark.parametrize("at", INSTANTS, ids=["start", "next-day", "previous-period"])
@pytest.mark.parametrize(("case", "spec_path", "url"), CASES)
def test_fake_response_validates_against_the_spec(case: str, spec_path: str, url: str, at: datetime) -> None:
    hub = _hub(at)
    found = [(i, line) for i, body in enumerate(pages(hub, HUB + url)) for line in problems(spec_path, body)]
    assert found == [], f"{case} at {at:%Y-%m-%d %H:%M}: " + json.dumps(found[:8], indent=1)


def test_fake_whoami_of_a_token_without_billing_validates() -> None:
    body = _get(_hub(START), HUB + "/api/whoami-v2", NO_BILLING_TOKEN).json()
    assert problems("/api/whoami-v2", body) == []


@pytest.mark.parametrize("back", [1, 2], ids=["last-period", "two-periods-ago"])
def test_fake_statement_of_a_closed_period_with_its_invoice_validates(back: int) -> None:
    """A closed period carries a `stripe` invoice (the current one `no-invoice`): both shapes are in the spec."""
    hub = _hub(START)
    scn = hub.scenario
    for spec_prefix, url_prefix, ns in _billing_namespaces(scn):
        start = period_bounds(START)[0]
        for _ in range(back):
            start = period_bounds(start - timedelta(days=1))[0]
        body = _get(hub, f"{HUB}{url_prefix}/usage?periodId={period_id(scn, ns, start)}").json()
        assert body["period"]["invoice"]["type"] == "stripe"
        assert problems(f"{spec_prefix}/usage", body) == []


def test_every_page_of_a_listing_is_checked() -> None:
    """The listings span several pages (page size 2): the contract covers more than the first."""
    hub = _hub(START)
    assert len(list(pages(hub, HUB + "/api/jobs/ada"))) > 1
    assert len(list(pages(hub, HUB + "/api/organizations/ada-labs/members"))) > 1


def test_the_storage_listing_is_one_answer_as_the_spec_gives_it() -> None:
    """`settings/repositories` has a `limit` and no cursor in HF's spec: one answer of at most `limit` rows, largest
    first, with no next page, however many repos there are."""
    hub = _hub(START)
    every = _get(hub, f"{HUB}/api/organizations/ada-labs/settings/repositories")
    assert "link" not in every.headers and len(every.json()) > hub.scenario.page_size
    first = _get(hub, f"{HUB}/api/organizations/ada-labs/settings/repositories?limit=3&cursor=3")
    assert "link" not in first.headers and first.json() == every.json()[:3]


def _evidence_problems(schema: dict[str, Any], payload: Any) -> list[str]:
    checker = Draft202012Validator(schema, format_checker=FormatChecker())
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in checker.iter_errors(payload)]


@pytest.mark.parametrize("at", INSTANTS[:2], ids=["start", "next-day"])
def test_fake_usage_v2_follows_the_client_evidence(at: datetime) -> None:
    """No schema in the spec: the shape ml-intern and CodexBar read (evidence in tests/contract/evidence.py)."""
    hub = _hub(at)
    for _, url_prefix, ns in _billing_namespaces(hub.scenario):
        body = _get(hub, over_its_period(hub, f"{HUB}{url_prefix}/usage-v2")).json()
        assert _evidence_problems(USAGE_V2, body) == [], ns


@pytest.mark.parametrize("at", INSTANTS[:2], ids=["start", "next-day"])
def test_fake_usage_live_streams_usage_events_as_observed(at: datetime) -> None:
    """No schema in the spec: `event: usage` (keep-alive `count` events allowed) with the observed payload, and
    a complete one (carrying `inference`) arrives (evidence in tests/contract/evidence.py)."""
    hub = _hub(at)
    scn = hub.scenario
    urls = [f"{url_prefix}/usage/live" for _, url_prefix, _ in _billing_namespaces(scn)]
    urls.append(f"/api/users/{scn.user.name}/billing/usage/live")
    for url in urls:
        resp = _get(hub, HUB + url, accept="text/event-stream")
        assert resp.status_code == 200 and resp.headers["content-type"].startswith("text/event-stream"), url
        events = sse_events(resp.text)
        assert {name for name, _ in events} <= LIVE_EVENTS, url
        complete = [data for name, data in events if name == "usage" and isinstance(data.get("inference"), dict)]
        assert complete, f"{url}: no usage event carries `inference`"
        assert _evidence_problems(LIVE_USAGE, complete[0]) == [], url


def test_fake_single_resource_group_and_a_window_of_months_validate() -> None:
    """`resource-groups/{id}` and a usage window spanning two months (one `periods[]` entry per month)."""
    hub = _hub(START)
    groups = _get(hub, HUB + "/api/organizations/ada-labs/resource-groups").json()
    assert groups, "the demo's Enterprise org has resource groups"
    for group in groups:
        one = _get(hub, f"{HUB}/api/organizations/ada-labs/resource-groups/{group['id']}").json()
        assert one == group
        assert problems("/api/organizations/{name}/resource-groups/{resourceGroupId}", one) == []
    body = _get(hub, HUB + "/api/organizations/ada-labs/billing/usage-by-resource-group"
                "?startDate=2026-10-01T00:00:00.000Z&endDate=2026-11-18T15:00:00.000Z").json()
    assert [p["period"][:7] for p in body["periods"]] == ["2026-10", "2026-11"]
    assert problems("/api/organizations/{name}/billing/usage-by-resource-group", body) == []
