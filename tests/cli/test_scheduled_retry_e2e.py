"""End to end: a scheduled Job whose `jobSpec.retry` (the create routes' `attempts`) is 3 can bill up to 3 attempts
of its timeout per run: `max_run_usd` and the text's bound count every attempt, never one (audit 6 A6)."""

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


def _retry(value: Any) -> Callable[[Any], Any]:
    def edit(body: Any) -> Any:
        for job in body:
            if job["jobSpec"].get("flavor") == "a100-large":
                job["jobSpec"]["retry"] = value
        return body
    return edit


def _weekly(served: Served, value: Any) -> tuple[dict[str, Any], str]:
    served.hub.route_faults[:] = [RouteFault("/api/scheduled-jobs/ada-labs", edit=_retry(value))]
    doc = served.run("--once", "--json", "--no-history", frozen_clock=True).doc()
    jsonschema.validate(doc, once_schema())
    text = served.run("--once", "--no-history", frozen_clock=True).stdout
    [row] = [r for r in doc["scheduled_jobs"] if r["flavor"] == "a100-large"]
    lines = text.splitlines()
    at = next(i for i, line in enumerate(lines) if "a100-large" in line and "next Nov" in line)
    return row, "\n".join(lines[at:at + 2])


def test_a_scheduled_run_with_retries_is_bounded_by_every_attempt(fake: Callable[..., Served]) -> None:
    served = fake()
    # a100-large at $2.50002/h for its 4 h timeout: $10.00008 an attempt; 3 attempts: $30.00024 (was $10.00008)
    row, line = _weekly(served, 3)
    assert (row["attempts"], row["max_attempt_usd"], row["max_run_usd"]) == (3, 10.00008, 30.00024)
    assert line.endswith("up to $30.00/run\n    3 attempts of up to $10.00 each: a failed attempt is tried again")
    # was "up to $10.00/run", one attempt
    row, line = _weekly(served, None)  # not sent: HF's default, one attempt
    assert (row["attempts"], row["max_attempt_usd"], row["max_run_usd"]) == (1, 10.00008, 10.00008)
    assert line.split("\n")[0].endswith("up to $10.00/run") and "attempt" not in line
    row, line = _weekly(served, 2.5)  # no whole number of attempts: the run's bound is unknown, the listing read
    assert (row["attempts"], row["max_attempt_usd"], row["max_run_usd"]) == (None, 10.00008, None)
    assert line.endswith("per run unknown\n    attempts unknown (jobSpec.retry not a whole number); up to $10.00 each")
