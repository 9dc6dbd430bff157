"""End to end, as a user sees it: `hfmon --once` when inputs are missing shows unknowns and says why, never $0."""

from __future__ import annotations

import os
import socket
import subprocess
from collections.abc import Callable
from pathlib import Path

import jsonschema
import pytest

from hfmon.fakehub.faults import RouteFault
from hfmon.schemas import once_schema
from tests.cli.test_once_e2e import HFMON, SECRET, Run, Served, assert_no_token, fake

pytestmark = pytest.mark.e2e
__all__ = ["fake"]  # the loopback fake hub fixture, shared with test_once_e2e

UNKNOWN_ACCOUNT = {"value": None, "at_least": None, "complete": False, "missing": ["account"]}


def closed_port() -> int:
    """A loopback port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def run_unreachable(tmp_path: Path, *args: str) -> Run:
    """`hfmon ARGS` with every base URL pointed at a closed loopback port."""
    base = f"http://127.0.0.1:{closed_port()}"
    env = {**os.environ, "HF_ENDPOINT": base, "HFMON_ENDPOINTS_URL": f"{base}/v2", "HFMON_ROUTER_URL": base,
           "HFMON_DATA_DIR": str(tmp_path / "data"), "HF_TOKEN": SECRET}
    done = subprocess.run([*HFMON, *args], env=env, capture_output=True, text=True, timeout=60)
    return Run(done.returncode, done.stdout, done.stderr, 0.0)


@pytest.mark.parametrize("json_out", [True, False], ids=["json", "text"])
def test_a_rejected_token_prints_the_error_not_a_report(fake: Callable[..., Served], json_out: bool) -> None:
    run = fake().run("--once", *(["--json"] if json_out else []), token=SECRET)
    assert run.code == 3
    assert run.stdout == ""  # no report of zeros, no JSON document of nulls
    assert "token was rejected" in run.stderr and "401" in run.stderr and "hf auth login" in run.stderr
    assert_no_token(run, SECRET)


def test_nothing_reachable_json_is_unknown_and_says_unreachable(tmp_path: Path) -> None:
    run = run_unreachable(tmp_path, "--once", "--json")
    assert run.code == 4, run.stderr
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    assert doc["running_cost_per_hour_usd"] == UNKNOWN_ACCOUNT
    assert doc["inference"]["cost_usd"] == UNKNOWN_ACCOUNT and doc["inference"]["requests"] == UNKNOWN_ACCOUNT
    assert doc["credits"] is None and doc["spend"] == []
    assert doc["sources"]["account"]["failure"] == "unreachable"
    assert {s["failure"] for s in doc["sources"].values()} == {"unreachable"}
    assert doc["flags"] == [] and "account" in doc["flags_unchecked"]
    assert "no source answered" in run.stderr
    assert_no_token(run, SECRET)


def test_nothing_reachable_text_says_unknown_and_why(tmp_path: Path) -> None:
    run = run_unreachable(tmp_path, "--once")
    assert run.code == 4, run.stderr
    lines = run.stdout.splitlines()
    assert "$0.00" not in run.stdout
    assert next(line for line in lines if line.startswith("Running")).startswith("Running   unknown now")
    assert next(line for line in lines if line.startswith("Inference")).startswith(
        "Inference unknown · unknown requests")
    assert "not in it: account unknown" in run.stdout
    assert "Credits   unknown: the account could not be read" in lines
    assert "billing access" not in run.stdout  # an unreachable network is not a missing permission
    assert "nothing needs attention" not in run.stdout.lower()
    sources = lines[lines.index(next(line for line in lines if line.startswith("Sources"))):]
    assert sources[1].startswith("  error (unreachable): account, spaces_hardware")  # status, what, then each name
    assert "router_prices" in "".join(sources) and not any("…" in line for line in sources)  # wrapped, never cut


def test_failing_billing_is_unknown_not_zero_and_not_no_access(fake: Callable[..., Served]) -> None:
    served = fake()
    served.hub.route_faults.append(RouteFault("*/billing/*", status=503))  # every billing route, every time
    run = served.run("--once", "--json")
    assert run.code == 1, run.stderr
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    namespaces = [served.hub.scenario.user.name, *(o.name for o in served.hub.scenario.orgs)]
    billing = [f"billing:{ns}" for ns in namespaces]
    assert doc["inference"]["cost_usd"] == {"value": None, "at_least": None, "complete": False,
                                            "missing": billing}
    assert doc["credits"] is None and doc["org_credits"] == [] and doc["spend"] == []
    assert {doc["sources"][name]["failure"] for name in billing} == {"server_error"}
    assert set(billing) <= set(doc["flags_unchecked"])
    assert doc["gpu_hours_by_hardware"] == {}  # the statements are under /billing/ too: named, not 0 hours
    assert doc["gpu_hours_missing"] == [f"statement:{ns}" for ns in namespaces]
    assert doc["account"]["billing_access"] is None  # unknown: the source failed, no permission is missing
    # what could be read still is: the meter is complete except for what has no price, and the Spaces on paid
    # hardware, which may be granted (the statements say so, and they were not read)
    assert doc["running_cost_per_hour_usd"]["at_least"] > 0
    assert all(m.startswith(("unpriced:", "grant:")) for m in doc["running_cost_per_hour_usd"]["missing"])

    text = served.run("--once").stdout
    assert "Credits   unknown: billing server error" in text
    assert "Inference unknown · unknown requests" in text
    assert "not in it: usage unread in every namespace (ada, ada-labs, northwind)" in text
    assert "no billing access" not in text and "billing unknown" in text
    assert "nothing needs attention" not in text.lower()
