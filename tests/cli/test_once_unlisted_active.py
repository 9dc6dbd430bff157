"""End to end: a resource the statement bills now (`active: true`) but no listing returns makes the running cost
partial ("billed now, not listed"), so guard cannot pass on it (audit 2, finding 23)."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import jsonschema
import pytest

from hfmon.fakehub.faults import RouteFault
from hfmon.schemas import once_schema
from tests.cli.test_once_e2e import Served, fake

pytestmark = pytest.mark.e2e
__all__ = ["fake"]

HIDDEN = "ada/forgotten-finetune"  # private, RUNNING on a10g-large since Nov 3 in the demo account
HIDDEN_USD_PER_HOUR = Decimal("1.50")  # a10g-large (hf-api.md's Spaces hardware table)


def public_only(spaces: Any) -> Any:
    """What a fine-grained token without repo read access is listed: the public Spaces only."""
    return [s for s in spaces if not s.get("private")]


def test_an_unlisted_space_still_accruing_makes_the_running_cost_partial(fake: Callable[..., Served]) -> None:
    served = fake()
    full = served.run("--once", "--json", "--no-history").doc()
    listed = {s["id"] for s in full["spaces"]}
    assert HIDDEN in listed  # the whole listing holds it, and it runs
    running = full["running_cost_per_hour_usd"]
    served.hub.route_faults.append(RouteFault("/api/spaces", edit=public_only))
    run = served.run("--once", "--json", "--no-history")
    assert run.code == 0, run.stderr
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    assert HIDDEN not in {s["id"] for s in doc["spaces"]}
    now = doc["running_cost_per_hour_usd"]
    assert now["complete"] is False and now["value"] is None
    assert f"unlisted:space {HIDDEN} (a10g-large)" in now["missing"]
    # what is known is everything listed: the full account's figure less the hidden Space's rate
    assert Decimal(str(now["at_least"])) == Decimal(str(running["at_least"])) - HIDDEN_USD_PER_HOUR

    text = served.run("--once", "--no-history")
    line = next(x for x in text.stdout.splitlines() if x.startswith("Running"))
    assert line.startswith("Running   at least"), line
    assert "1 billed now, not listed" in text.stdout

    # a limit between what is known and what runs cannot pass: the guard cannot decide
    limit = Decimal(str(now["at_least"])) + Decimal("0.5")
    guard = served.run("guard", "--no-history", "--max-cost-per-hour-usd", str(limit))
    assert guard.code == 5, guard.stdout + guard.stderr
