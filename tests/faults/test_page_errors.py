"""A listing whose page cannot be parsed reports that page's fault, even when the page after it (already asked for
while the bad one was parsed) fails too: through the real `python -m hfmon --once --json` against the fake."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import jsonschema
import pytest

from hfmon.fakehub import FakeHub, demo_scenario
from hfmon.fakehub.server import serve
from hfmon.schemas import once_schema
from tests.faults.harness import Served

pytestmark = pytest.mark.e2e


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    """The demo account at a frozen time, two items a page: ada's five Jobs come in three pages."""
    scenario = demo_scenario(seed=7, page_size=2)
    frozen: datetime = scenario.start
    hub = FakeHub(scenario, now=lambda: frozen)
    with serve(hub, port=0) as server:
        yield Served(hub, server.base_url, tmp_path)


def test_the_first_page_s_parse_error_wins_over_the_next_page_s_fetch_error(served: Served) -> None:
    malformed = served.fault("/api/jobs/ada", body=b'{"error": unexpected token <html>', times=1)  # page 1
    failing = served.fault("/api/jobs/ada", status=500, reason="Scripted failure")  # page 2 and its retries
    doc = served.run("--once", "--json", "--no-history").doc()
    jsonschema.validate(doc, once_schema())
    assert malformed.hits == 1 and failing.hits >= 1  # page 2 was asked for and failed: both faults happened
    jobs = doc["sources"]["jobs:ada"]
    assert jobs["status"] == "error"
    # page 1's 33 bytes are the cause, not page 2's 500
    assert jobs["error"] == "malformed or truncated JSON from GET /api/jobs/ada (33 bytes)", jobs


def test_a_listing_whose_next_page_fails_reports_that_failure(served: Served) -> None:
    failing = served.fault("/api/jobs/ada", status=500, reason="Scripted failure")
    served.hub.route_faults.insert(0, type(failing)("/api/jobs/ada", times=1))  # page 1 as served
    doc = served.run("--once", "--json", "--no-history").doc()
    jobs = doc["sources"]["jobs:ada"]
    assert jobs["status"] == "error" and "500" in jobs["error"], jobs  # page 1 was fine: page 2's fault is the cause
