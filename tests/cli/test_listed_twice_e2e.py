"""End to end: a row a listing carries twice (a page boundary that repeats an item when the order shifts between two
pages) is one resource: counted once in the meter, the table and the flags, as its later row says."""

from __future__ import annotations

import copy
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hfmon.fakehub.faults import RouteFault
from tests.cli.test_once_e2e import Served, fake  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e

SPACE = "ada/forgotten-finetune"  # a10g-large, $1.50/h, never sleeps


def listed_twice(served: Served, change: Callable[[dict[str, Any]], None] = lambda row: None) -> None:
    """Every Spaces listing of ada carries forgotten-finetune again at its end, `change`d."""

    def edit(body: list[dict[str, Any]]) -> list[dict[str, Any]]:
        again = [copy.deepcopy(row) for row in body if row["id"] == SPACE]
        for row in again:
            change(row)
        return body + again

    served.hub.route_faults.append(RouteFault("/api/spaces", edit=edit))


def once(served: Served, *args: str) -> dict[str, Any]:
    run = served.run("--once", "--json", "--no-history", "--namespace", "ada", *args)
    assert run.code == 0, run.stderr
    doc: dict[str, Any] = run.doc()
    return doc


def test_a_space_listed_twice_is_counted_once(fake: Callable[..., Served], tmp_path: Path) -> None:  # noqa: F811
    served = fake()
    listed_twice(served)
    log = tmp_path / "hfmon.log"
    doc = once(served, "--log-file", str(log))
    assert f"GET /api/spaces listed {SPACE} again; counted once, as its later row" in log.read_text()
    assert served.hub.route_faults[0].hits >= 1  # the listing did carry it twice
    assert [s["id"] for s in doc["spaces"]].count(SPACE) == 1
    # ada now: llama-chat $1.60/h (an l4 replica ready while a second initializes: $0.80 x 2), the Space $1.50/h,
    # the l4x1 job $0.79998/h: $3.89998/h (was $5.39998/h, the Space twice)
    meter = doc["running_cost_per_hour_usd"]
    assert meter["value"] == pytest.approx(3.89998, abs=1e-6) and meter["complete"] is True
    assert [(f["kind"], f["subject"]) for f in doc["flags"]].count(("no_sleep_time", SPACE)) == 1


def test_the_later_of_two_differing_rows_is_kept(fake: Callable[..., Served]) -> None:  # noqa: F811
    served = fake()
    listed_twice(served, lambda row: row["runtime"].update(stage="SLEEPING"))
    doc = once(served)
    (space,) = [s for s in doc["spaces"] if s["id"] == SPACE]
    assert space["stage"] == "SLEEPING" and space["cost_per_hour_usd"] == 0
    assert doc["running_cost_per_hour_usd"]["value"] == pytest.approx(2.39998, abs=1e-6)  # 3.89998 - 1.50


def test_a_model_and_a_dataset_of_one_name_are_two_repos(fake: Callable[..., Served], tmp_path: Path) -> None:  # noqa: F811
    served = fake()
    added: list[dict[str, Any]] = []

    def edit(body: list[dict[str, Any]]) -> list[dict[str, Any]]:
        model = next(row for row in body if row["type"] == "model")
        added[:] = [{**model, "type": "dataset", "storage": 1_234_567}]
        return body + added

    served.hub.route_faults.append(RouteFault("/api/settings/repositories", edit=edit))
    log = tmp_path / "hfmon.log"
    repos = once(served, "--log-file", str(log))["storage"]["repos"]
    assert added, "the storage listing was not read"
    named = [(r["type"], r["bytes"]) for r in repos if r["id"] == added[0]["id"]]
    assert len(named) == 2 and ("dataset", 1_234_567) in named and {t for t, _ in named} == {"model", "dataset"}
    assert "again" not in log.read_text()
