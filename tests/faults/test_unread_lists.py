"""Lists whose sources were not read are unknown (null, with the sources named), never `[]` ("there are none"):
the invoices from the period statements and the scheduled Jobs, through the real `python -m hfmon --once --json`
against the fake Hugging Face on loopback. The demo account: ada (the user), ada-labs (an org with billing access)
and northwind (an org whose statement the token may not read)."""

from __future__ import annotations

import jsonschema
import pytest

from hfmon.schemas import once_schema
from tests.faults.harness import Served

pytestmark = pytest.mark.e2e


@pytest.fixture
def served(served_now: Served) -> Served:
    """The fake anchored at this minute (see conftest): hfmon's own clock asks for this month."""
    return served_now


def test_invoices_are_null_when_no_statement_was_read(served: Served) -> None:
    served.fault("/api/settings/billing/usage", status=500, reason="boom")
    served.fault("/api/organizations/ada-labs/billing/usage", status=500, reason="boom")
    doc = served.run("--once", "--json", "--no-history").doc()
    jsonschema.validate(doc, once_schema())
    assert doc["invoices"] is None  # not [] ("no invoices"): none could be read
    assert doc["invoices_missing"] == ["statement:ada", "statement:ada-labs", "statement:northwind"]
    assert doc["sources"]["statement:ada"]["status"] == "error"  # and the sources say why


def test_invoices_read_are_listed_and_the_unread_statements_named(served: Served) -> None:
    served.fault("/api/organizations/ada-labs/billing/usage", status=500, reason="boom")
    doc = served.run("--once", "--json", "--no-history").doc()
    jsonschema.validate(doc, once_schema())
    assert [i["namespace"] for i in doc["invoices"]] == ["ada"]  # the demo's period has no invoice issued yet
    assert doc["invoices"][0]["issued"] is False
    assert doc["invoices_missing"] == ["statement:ada-labs", "statement:northwind"]


def test_without_faults_only_the_statement_without_access_is_missing(served: Served) -> None:
    doc = served.run("--once", "--json", "--no-history").doc()
    assert [i["namespace"] for i in doc["invoices"]] == ["ada", "ada-labs"]
    assert doc["invoices_missing"] == ["statement:northwind"]  # the demo token may not read northwind's
    assert doc["scheduled_jobs_missing"] == []
    assert [j["namespace"] for j in doc["scheduled_jobs"]] == ["ada", "ada-labs", "ada-labs"]


def test_scheduled_jobs_are_null_when_no_listing_was_read(served: Served) -> None:
    served.fault("/api/scheduled-jobs/*", status=500, reason="boom")
    run = served.run("--once", "--json", "--no-history")
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    assert doc["scheduled_jobs"] is None  # not [] ("nothing scheduled")
    assert doc["scheduled_jobs_missing"] == ["scheduled_jobs:ada", "scheduled_jobs:ada-labs",
                                             "scheduled_jobs:northwind"]


def test_scheduled_jobs_of_a_listing_not_read_are_named_missing(served: Served) -> None:
    served.fault("/api/scheduled-jobs/ada-labs", status=500, reason="boom")
    doc = served.run("--once", "--json", "--no-history").doc()
    jsonschema.validate(doc, once_schema())
    assert [j["namespace"] for j in doc["scheduled_jobs"]] == ["ada"]  # ada-labs' two are unknown, not gone
    assert doc["scheduled_jobs_missing"] == ["scheduled_jobs:ada-labs"]


def test_unpriced_names_the_listings_it_could_not_look_at(served: Served) -> None:
    """Every route but whoami answering 503 (a Hub outage after the token was checked): `unpriced` [] read "no
    resource unpriced" where none could be looked at (audit 10 G8); the nine listings not read are named."""
    served.fault("/api/whoami-v2")  # first match, unchanged
    served.fault("*", status=503, reason="Service Unavailable")
    doc = served.run("--once", "--json", "--no-history").doc()
    jsonschema.validate(doc, once_schema())
    scenario = served.hub.scenario
    namespaces = [scenario.user.name, *(o.name for o in scenario.orgs)]
    assert doc["unpriced"] == []
    assert sorted(doc["unpriced_missing"]) == sorted(f"{kind}:{ns}" for ns in namespaces
                                                     for kind in ("endpoints", "spaces", "jobs"))


def test_unpriced_misses_no_listing_when_every_one_was_read(served: Served) -> None:
    doc = served.run("--once", "--json", "--no-history").doc()
    assert doc["unpriced_missing"] == [] and doc["unpriced"]  # the demo has one: the figure stands
