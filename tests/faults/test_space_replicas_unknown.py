"""A running Space whose replica count HF leaves out (the spec: `replicas.requested` may be "auto", `current` may be
absent) bills an unknown number of replicas: its $/h and the running total are unknown, never 1 replica's price."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from tests.faults.harness import Served

pytestmark = pytest.mark.e2e


def _autoscaled(ids: set[str]) -> Callable[[Any], Any]:
    def edit(body: Any) -> Any:
        for space in body:
            if space.get("id") in ids:
                space["runtime"]["replicas"] = {"requested": "auto"}
        return body
    return edit


def test_an_autoscaled_space_without_its_current_count_is_unknown_in_its_row_and_the_total(served: Served) -> None:
    before = served.run("--once", "--json", "--no-history").doc()
    many = [s for s in before["spaces"] if (s["cost_per_hour_usd"] or 0) > 0][:2]
    assert len(many) == 2, "the demo has Spaces billed now"
    served.fault("/api/spaces", edit=_autoscaled({s["id"] for s in many}))
    doc = served.run("--once", "--json", "--no-history").doc()
    rows = {s["id"]: s for s in doc["spaces"]}
    running = doc["running_cost_per_hour_usd"]
    for space in many:
        row = rows[space["id"]]
        assert row["replicas"] is None and row["cost_per_hour_usd"] is None and row["to_period_end_usd"] is None
        assert any(space["id"] in m for m in running["missing"]), running
    assert running["value"] is None
    # what is known is the rest: the total before, less what those Spaces cost then
    lost = sum(Decimal(str(s["cost_per_hour_usd"])) for s in many)
    known_before = Decimal(str(before["running_cost_per_hour_usd"].get("at_least")
                               or before["running_cost_per_hour_usd"]["value"]))
    assert Decimal(str(running["at_least"])) == known_before - lost
