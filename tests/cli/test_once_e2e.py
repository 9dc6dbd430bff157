"""End to end: the real `hfmon --once` command against the fake Hugging Face served on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hfmon.fakehub import FULL_TOKEN, NO_BILLING_TOKEN, FakeHub, Faults, Scenario, demo_scenario
from hfmon.fakehub.server import serve
from hfmon.schemas import once_schema

pytestmark = pytest.mark.e2e
SECRET = "hf_fakeSECRETdistinctive0123456789abcdef"  # never accepted; must never be echoed
HFMON = [sys.executable, str(Path(__file__).parents[1] / "on_fake_clock.py")]  # `python -m hfmon` on the fake's clock


@dataclass
class Run:
    """One finished `hfmon` process."""

    code: int
    stdout: str
    stderr: str
    wall_s: float

    def doc(self) -> dict[str, Any]:
        """stdout parsed as the JSON document (it must be the only thing on stdout)."""
        parsed: dict[str, Any] = json.loads(self.stdout)
        return parsed


@dataclass
class Served:
    """A fake hub on loopback and a way to run hfmon against it."""

    hub: FakeHub
    base_url: str
    data_dir: Path

    def run(self, *args: str, token: str | None = FULL_TOKEN, timeout: float = 60, frozen_clock: bool = False,
            clock_at: datetime | None = None) -> Run:
        """Run `hfmon ARGS` pointed at this fake; the token goes in HF_TOKEN. `frozen_clock` pins hfmon's clock to
        the fake's time (for a test asserting durations or stamps) instead of letting it run on with the wall;
        `clock_at` pins it to another time (a machine whose clock is not HF's)."""
        env = {**os.environ, "HF_ENDPOINT": self.base_url, "HFMON_ENDPOINTS_URL": f"{self.base_url}/v2",
               "HFMON_ROUTER_URL": self.base_url, "HFMON_DATA_DIR": str(self.data_dir),
               "HFMON_TEST_FAKE_NOW": (clock_at or self.hub.now()).isoformat(),
               "HFMON_TEST_FAKE_FROZEN": "1" if frozen_clock or clock_at is not None else ""}
        env.pop("HF_TOKEN", None)
        if token is not None:
            env["HF_TOKEN"] = token
        start = time.monotonic()
        done = subprocess.run([*HFMON, *args], env=env, capture_output=True, text=True, timeout=timeout)
        return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - start)


@pytest.fixture
def fake(tmp_path: Path) -> Iterator[Callable[..., Served]]:
    """Start a fake hub on 127.0.0.1 for a scenario (the demo account by default) at a frozen time."""
    servers: list[Any] = []

    def start(scenario: Scenario | None = None, **faults: Any) -> Served:
        scenario = scenario or demo_scenario(seed=7)
        if faults:
            scenario = replace(scenario, faults=Faults(**faults))
        frozen: datetime = scenario.start
        hub = FakeHub(scenario, now=lambda: frozen)
        server = serve(hub, port=0)
        servers.append(server)
        started = server.__enter__()
        return Served(hub, started.base_url, tmp_path / "data")

    yield start
    for server in servers:
        server.__exit__(None, None, None)


def assert_no_token(run: Run, *tokens: str) -> None:
    """The token is never printed, in any stream."""
    for token in tokens:
        assert token not in run.stdout
        assert token not in run.stderr


def test_json_matches_the_scenario_and_the_schema(fake: Callable[..., Served]) -> None:
    served = fake()
    run = served.run("--once", "--json")
    assert run.code == 0, run.stderr
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    scenario = served.hub.scenario
    assert doc["account"]["name"] == scenario.user.name
    assert doc["account"]["plan"] == "pro"
    assert {o["name"]: o["plan"] for o in doc["account"]["orgs"]} == {o.name: o.plan for o in scenario.orgs}
    assert doc["credits"]["included_usd"] == 2.0
    assert {f"{e['namespace']}/{e['name']}" for e in doc["endpoints"]} == {
        f"{e.namespace}/{e.name}" for e in scenario.endpoints}
    # Spaces come from a paginated listing (page size 5): every one of them must arrive.
    assert sorted(s["id"] for s in doc["spaces"]) == sorted(s.id for s in scenario.spaces)
    assert len(doc["storage"]["repos"]) >= len(scenario.repos)
    no_billing_orgs = {o.name for o in scenario.orgs if not o.billing_readable}
    billing_kinds = ("billing:", "statement:", "job_charges:", "sessions:", "resource_group_usage:", "live:")
    for name, source in doc["sources"].items():
        expected = "no_access" if name.startswith(billing_kinds) and name.split(":")[1] in no_billing_orgs else "ok"
        assert source["status"] == expected, (name, source)
    # the sizes of the models Endpoints serve feed the advisor only, which `--once` never runs: not asked for
    assert not any(r.path.startswith("/api/models/") for r in served.hub.requests)
    assert not any(name.startswith("models:") for name in doc["sources"])
    assert_no_token(run, FULL_TOKEN)


def test_slow_service_still_gives_every_source(fake: Callable[..., Served]) -> None:
    served = fake(replace(demo_scenario(seed=7), latency_ms=50, jitter_ms=30))
    run = served.run("--once", "--json")
    assert run.code == 0, run.stderr
    assert all(s["status"] in ("ok", "no_access") for s in run.doc()["sources"].values())
    assert len(run.doc()["spaces"]) == len(served.hub.scenario.spaces)


def test_text_summary_fits_80_columns_without_colour_when_piped(fake: Callable[..., Served]) -> None:
    run = fake().run("--once")
    assert run.code == 0, run.stderr
    assert "Credits" in run.stdout and "Endpoints" in run.stdout
    assert max(len(line) for line in run.stdout.splitlines()) <= 80
    assert "\033[" not in run.stdout


def test_rejected_token_exits_3_and_never_echoes_it(fake: Callable[..., Served]) -> None:
    run = fake().run("--once", "--json", token=SECRET)
    assert run.code == 3 and run.stdout == ""  # the error, not a document of unknowns
    assert "rejected" in run.stderr
    assert_no_token(run, SECRET)


def test_no_token_says_how_to_get_one(fake: Callable[..., Served]) -> None:
    run = fake().run("--once", token=None)
    assert run.code == 3
    assert "hf auth login" in run.stderr and "--demo" in run.stderr


def test_token_without_billing_keeps_everything_else(fake: Callable[..., Served]) -> None:
    run = fake().run("--once", "--json", token=NO_BILLING_TOKEN)
    assert run.code == 0, run.stderr
    doc = run.doc()
    assert doc["credits"] is None
    assert doc["account"]["billing_access"] is False
    billing = doc["sources"][f"billing:{doc['account']['name']}"]
    assert billing["status"] == "no_access" and "billing" in billing["hint"].lower()
    assert doc["endpoints"] and doc["spaces"]
    assert_no_token(run, NO_BILLING_TOKEN)


def test_server_errors_give_partial_data_and_exit_1(fake: Callable[..., Served]) -> None:
    served = fake(error_rate=0.5)
    run = served.run("--once", "--json")
    doc = run.doc()
    statuses = {s["status"] for s in doc["sources"].values()}
    assert run.code == 1 and "error" in statuses
    assert "partial data" in run.stderr
    assert_no_token(run, FULL_TOKEN)


def test_short_rate_limit_burst_is_waited_out(fake: Callable[..., Served]) -> None:
    scenario = demo_scenario(seed=7)
    # 3 s before the fixed window resets: a 429 says "retry after 3 s", which fits inside the poll deadline.
    served = fake(replace(scenario, start=scenario.start + timedelta(seconds=297)), rate_limit_burst=2)
    run = served.run("--once", "--json")
    assert run.code == 0, run.stderr
    assert served.hub.requests.count(status=429) == 2
    baseline = fake(scenario)
    baseline.run("--once", "--json")
    assert len(served.hub.requests) == len(baseline.hub.requests) + 2  # each 429 retried once, nothing more


def test_rate_limit_for_the_whole_window_stops_all_requests(fake: Callable[..., Served]) -> None:
    # every request of the first wave answers 429 (whoami, 4 catalogs, the user's 6 sent ahead and usage-v2 for each of
    # its 8 spend windows, in whatever order they arrive); the window resets in 300 s: far past the poll deadline
    served = fake(rate_limit_burst=19)
    run = served.run("--once", "--json")
    assert run.code == 4
    paths = [r.path for r in served.hub.requests]
    # Only the first concurrent wave went out (whoami, the 4 catalogs, the user's 6 requests and 8 spend windows sent
    # ahead of whoami's answer), and nothing was retried: the governor does not hammer.
    assert len(paths) <= 19
    assert all(paths.count(p) == (9 if p == "/api/settings/billing/usage-v2" else 1) for p in paths)
    assert "rate limit" in run.stderr and "300" in run.stderr


def test_stalled_sources_do_not_hold_the_poll(fake: Callable[..., Served]) -> None:
    served = fake(stall_rate=1.0, stall_seconds=600)  # every request hangs for ten minutes
    run = served.run("--once", "--json", timeout=120)
    # The poll gives up at its deadline (20 s) instead of waiting for the server.
    assert run.code == 4
    assert run.wall_s < 60
    assert all(s["status"] == "error" for s in run.doc()["sources"].values())
    assert "no answer within" in run.stderr


@pytest.mark.parametrize("fault", ["malformed_rate", "truncate_rate"])
def test_unreadable_bodies_become_source_errors(fake: Callable[..., Served], fault: str) -> None:
    run = fake(**{fault: 0.6}).run("--once", "--json")  # seeded: some bodies stay broken after retries
    assert run.code == 1
    errors = [s["error"] for s in run.doc()["sources"].values() if s["status"] == "error"]
    assert errors and all(errors)
    assert "Traceback" not in run.stderr


def test_schema_drift_is_tolerated(fake: Callable[..., Served]) -> None:
    run = fake(schema_drift=True).run("--once", "--json")
    assert run.code == 0, run.stderr
    jsonschema.validate(run.doc(), once_schema())


def test_nothing_reachable_exits_4(tmp_path: Path) -> None:
    env = {**os.environ, "HF_TOKEN": FULL_TOKEN, "HF_ENDPOINT": "http://127.0.0.1:9",
           "HFMON_ENDPOINTS_URL": "http://127.0.0.1:9/v2", "HFMON_ROUTER_URL": "http://127.0.0.1:9",
           "HFMON_DATA_DIR": str(tmp_path)}
    done = subprocess.run([*HFMON, "--once", "--json"], env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 4, done.stderr
    assert FULL_TOKEN not in done.stdout + done.stderr


def test_bad_config_file_is_a_usage_error_naming_the_file(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text('interval = "often"\n')
    done = subprocess.run([*HFMON, "--once", "--demo", "--config", str(config)], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 2
    assert str(config) in done.stderr and "interval" in done.stderr


def test_json_without_once_is_a_usage_error() -> None:
    done = subprocess.run([*HFMON, "--json"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--once" in done.stderr


def test_history_accumulates_across_runs(fake: Callable[..., Served]) -> None:
    served = fake()
    assert served.run("--once", "--json").code == 0
    assert served.run("--once", "--json").code == 0
    assert (served.data_dir / "history.sqlite3").exists()


def test_damaged_history_file_is_reported_and_left_untouched(fake: Callable[..., Served]) -> None:
    served = fake()
    served.data_dir.mkdir(parents=True)
    damaged = served.data_dir / "history.sqlite3"
    damaged.write_bytes(b"not a database, and worth keeping" * 100)
    before = damaged.read_bytes()
    run = served.run("--once", "--json")
    assert run.code == 0, run.stderr
    assert "history" in run.stderr and str(damaged) in run.stderr
    assert run.doc()["account"] is not None  # the live numbers still arrive
    assert damaged.read_bytes() == before
