"""`hfmon --once` follows the Report's health, as the dashboard does (end to end, fake Hub on loopback)."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import pytest

from hfmon.fakehub import demo_scenario
from hfmon.fakehub.server import serve
from tests.cli.test_once_e2e import Served
from tests.tui.demo import EndpointsDeniedHub

pytestmark = pytest.mark.e2e


def test_an_org_whose_endpoints_answer_401_is_no_access_and_exit_0(tmp_path: Path) -> None:
    scenario = demo_scenario(seed=7)
    frozen: datetime = scenario.start
    hub = EndpointsDeniedHub(scenario, ("northwind",), now=lambda: frozen)
    with serve(hub, port=0) as server:
        run = Served(hub, server.base_url, tmp_path / "data").run("--once", "--json")
    assert run.code == 0, run.stderr
    sources = {name: s["status"] for name, s in json.loads(run.stdout)["sources"].items()}
    assert sources["endpoints:northwind"] == sources["endpoint_catalog:northwind"] == "no_access"
    assert {n: s for n, s in sources.items() if s != "ok" and not n.endswith(":northwind")} == {}
