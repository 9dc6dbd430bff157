"""End to end: shapes the audit found read as figures (whoami without orgs, …) are unknown as a user sees them."""

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


def _drop_orgs(body: Any) -> Any:
    body.pop("orgs", None)
    return body


def _null_orgs(body: Any) -> Any:
    return {**body, "orgs": None}


@pytest.mark.parametrize("edit", [_drop_orgs, _null_orgs], ids=["missing", "null"])
def test_whoami_without_orgs_makes_the_orgs_unknown_not_none(fake: Callable[..., Served],
                                                              edit: Callable[[Any], Any]) -> None:
    served = fake()
    served.hub.route_faults.append(RouteFault("/api/whoami-v2", edit=edit))
    # ada's own figures are read; its orgs (ada-labs, northwind) are unknown, so no total is complete
    run = served.run("--once", "--json", "--no-history")
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    assert doc["namespaces_unknown"] == ["account"]
    # ada bills llama-chat $1.60/h + forgotten-finetune $1.50/h + job 0097a076… $0.80/h (l4x1 priced $0.013333
    # a minute, so $0.79998/h); the orgs' part is unknown
    running = doc["running_cost_per_hour_usd"]
    assert running["value"] is None and running["complete"] is False and running["missing"] == ["account"]
    assert running["at_least"] == pytest.approx(1.60 + 1.50 + 0.79998, abs=1e-6)
    text = served.run("--once", "--no-history")
    assert "Orgs      unknown: whoami did not list them" in text.stdout
    assert "not in it: account unknown" in text.stdout
    guard = served.run("guard", "--no-history", "--max-cost-per-hour-usd", "100")
    assert guard.code == 5, guard.stdout  # could not check: the orgs' running cost is unknown, never "ok"
    assert guard.stdout.startswith("UNKNOWN running cost now: unknown")
