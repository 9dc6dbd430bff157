"""A statement for a billing period that has ended (what HF can serve just after a rollover) is not this period's:
it is read as no statement (unknown), never added to this period's bill, and it never moves the credits' period.
Driven through the real `python -m hfmon` against the fake on loopback, on the fake's clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.fakehub.conftest import HUB, get_json
from tests.faults.harness import Served

pytestmark = pytest.mark.e2e

STATEMENT = "/api/settings/billing/usage"


def _last_month(body: dict[str, Any]) -> dict[str, Any]:
    """The same statement dated one calendar month earlier: the period that ended when this one began."""
    start = datetime.fromisoformat(body["period"]["periodStart"])
    previous = (start.replace(day=1) - timedelta(days=1)).replace(day=1)
    body["period"]["periodEnd"] = body["period"]["periodStart"]
    body["period"]["periodStart"] = previous.astimezone(UTC).isoformat().replace("+00:00", "Z")
    return body


def _credits(doc: dict[str, Any], namespace: str) -> dict[str, Any]:
    return next(c for c in [doc["credits"], *doc["org_credits"]] if c and c["namespace"] == namespace)


def test_a_statement_of_a_period_that_has_ended_is_unknown_and_leaves_the_credits_period_alone(served: Served) -> None:
    period = get_json(served.hub, f"{HUB}{STATEMENT}")["period"]
    before = served.run("--once", "--json", "--no-history").doc()
    served.fault(STATEMENT, edit=_last_month)
    run = served.run("--once", "--json", "--no-history")
    source = run.sources()["statement:ada"]
    assert (source["status"], source["failure"]) == ("error", "bad_response")
    assert "a period that has ended" in source["error"]
    spend = next(s for s in run.doc()["spend"] if s["namespace"] == "ada")
    assert spend["total_usd"]["value"] is None and spend["total_usd"]["missing"] == ["statement:ada"]
    assert (spend["endpoints_usd"], spend["spaces_usd"]) == (None, None)  # last month's lines are not this month's
    # the credits keep this period (the statement served without the fault said which) and their projection
    credits, unfaulted = _credits(run.doc(), "ada"), _credits(before, "ada")
    assert datetime.fromisoformat(credits["period_start"]) == datetime.fromisoformat(period["periodStart"])
    # (hfmon's clock runs on from the fake's instant, so the two runs differ by a few micro-dollars)
    assert abs(credits["projected_period_usd"] - unfaulted["projected_period_usd"]) <= 0.00001
    assert run.code == 1, run.stderr  # partial, never "all ok"
    text = served.run("--once", "--no-history")
    assert "not in it: statement unread (ada)" in text.stdout


def test_the_statement_of_the_running_period_is_read(served: Served) -> None:
    run = served.run("--once", "--json", "--no-history")
    assert run.sources()["statement:ada"]["status"] == "ok"
