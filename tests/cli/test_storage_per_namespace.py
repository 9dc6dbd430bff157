"""Each namespace's private storage is held against its own plan's limit, as HF applies it: ada over her 1 TB
reads 120 % OVER LIMIT even though ada-labs has 4.8 TB of headroom. No pooled "of 6.00 TB" bar, no pooled limit in
the JSON (a script dividing the pooled pair got 23 %)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime

import pytest

from hfmon.fakehub import Scenario, demo_scenario
from hfmon.fakehub.scenario import RepoDef
from hfmon.tui.app import HfmonApp
from tests.cli.test_once_e2e import Served, fake  # noqa: F401 - the fixture
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, text_of

# the demo's ada stores 23,492,313,852 private bytes (usage-v2, the fake's sum of her private repos); one more
# private model of 1,176,507,686,148 bytes brings her to 1.20 TB against the PRO plan's 1.00 TB
ADA_PRIVATE = 23_492_313_852
HUGE = 1_200_000_000_000 - ADA_PRIVATE
ADA_LABS_PRIVATE = 204_030_023_895  # ada-labs: 5 seats, 5.00 TB included


def ada_over_her_plan() -> Scenario:
    """The demo with ada holding 1.20 TB private."""
    scn = demo_scenario()
    when = datetime(2026, 10, 1, 9, tzinfo=UTC)
    huge = RepoDef("ada/huge-checkpoints", "0" * 24, "model", True, HUGE, when, when, 0, 0)
    return replace(scn, repos=(*scn.repos, huge))


@pytest.mark.e2e
def test_the_json_holds_each_namespace_against_its_own_limit(fake: Callable[..., Served]) -> None:  # noqa: F811
    served = fake(ada_over_her_plan())
    run = served.run("--once", "--json", "--no-history", "--namespace", "ada", "--namespace", "ada-labs")
    assert run.code == 0, run.stderr
    storage = run.doc()["storage"]
    assert storage["private_bytes"]["value"] == 1_200_000_000_000 + ADA_LABS_PRIVATE
    assert storage["private_limit_bytes"] is None  # was 6,000,000,000,000: 1 TB + 5 TB, no one's limit
    ada, labs = storage["by_namespace"]
    assert ada == {"namespace": "ada", "private_bytes": 1_200_000_000_000, "private_limit_bytes": 10**12,
                   "share": 1.2, "over_bytes": 200_000_000_000, "public_bytes": ada["public_bytes"]}
    # 204,030,023,895 / 5,000,000,000,000 = 0.0408
    assert (labs["namespace"], labs["private_bytes"], labs["private_limit_bytes"], labs["share"],
            labs["over_bytes"]) == ("ada-labs", ADA_LABS_PRIVATE, 5 * 10**12, 0.0408, 0)


@pytest.mark.e2e
def test_one_namespace_keeps_its_own_limit_as_the_whole(fake: Callable[..., Served]) -> None:  # noqa: F811
    served = fake(ada_over_her_plan())
    run = served.run("--once", "--json", "--no-history", "--namespace", "ada")
    assert run.code == 0, run.stderr
    assert run.doc()["storage"]["private_limit_bytes"] == 10**12


async def test_the_all_view_shows_each_namespace_the_fullest_first_never_a_pooled_bar() -> None:
    monitor, _ = frozen_demo(history=False, scenario=ada_over_her_plan())
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(140, 40)) as pilot:
            await settle(app, pilot)
            await pilot.press("5")
            await pilot.pause()
            assert app.namespace is None
            lines = text_of(app, "#storage-summary").splitlines()
            assert "each against its own limit" in lines[0] and " of " not in lines[0]  # no pooled limit
            # ada first (120 %), then ada-labs (204.0 GB of 5.00 TB: 4 %), then northwind, whose limit is unread
            assert lines[1].split() == ["ada", "1.20", "TB", "of", "1.00", "TB", "█" * 20, "120%", "OVER", "LIMIT"]
            assert lines[2].split()[:6] == ["ada-labs", "204.0", "GB", "of", "5.00", "TB"]
            assert lines[2].split()[-1] == "4%"
            assert lines[3].split()[0] == "northwind" and lines[3].endswith("(no limit known)")
            await pilot.press("n")  # ada alone: her own bar, as before
            await pilot.pause()
            assert app.namespace == "ada"
            assert "Private 1.20 TB of 1.00 TB" in text_of(app, "#storage-summary")
            assert "120% OVER LIMIT" in text_of(app, "#storage-summary")
    finally:
        monitor.close()


@pytest.mark.e2e
def test_the_text_summary_names_the_namespace_over_its_own_plan(fake: Callable[..., Served]) -> None:  # noqa: F811
    served = fake(ada_over_her_plan())
    run = served.run("--once", "--no-history", "--namespace", "ada", "--namespace", "ada-labs")
    assert run.code == 0, run.stderr
    storage = [line for line in run.stdout.splitlines() if line.startswith("Storage")]
    # 1.20 TB - 1.00 TB = 200.0 GB; ada-labs (4 % of its 5.00 TB) is within its plan: no line
    assert storage == ["Storage   ada: private 1.20 TB of its own 1.00 TB (120%), 200.0 GB over the plan"]
