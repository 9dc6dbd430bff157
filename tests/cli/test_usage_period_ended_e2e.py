"""End to end: usage-v2 answering for a period that has ended (HF lagging its rollover, or hfmon's clock minutes
ahead of HF's) is refused as the statement is: the credits are unknown and say why, never "$0.00 of $2.00 ·
projected $0.00". The real `hfmon --once` and `hfmon guard` against the loopback fake."""

from __future__ import annotations

import json
import os
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.server import serve
from hfmon.schemas import once_schema
from tests.cli.test_once_e2e import HFMON

pytestmark = pytest.mark.e2e
HF_NOW = datetime(2026, 11, 30, 23, 55, tzinfo=UTC)  # the fake (HF) still in November
ENDED = "the usage (usage-v2) of ada is for Nov 01 00:00 to Dec 01 00:00 UTC, a period that has ended"


@contextmanager
def hfmon_at(ahead: timedelta, tmp_path: Path) -> Iterator[Any]:
    """Run hfmon with its clock `ahead` of the fake's (frozen at HF_NOW); yields a runner of `hfmon ARGS`."""
    hub = FakeHub(demo_scenario(seed=7), now=lambda: HF_NOW)
    with serve(hub, port=0) as server:
        base = server.base_url
        env = {**os.environ, "HF_ENDPOINT": base, "HFMON_ENDPOINTS_URL": f"{base}/v2", "HFMON_ROUTER_URL": base,
               "HFMON_DATA_DIR": str(tmp_path / "data"), "HFMON_TEST_FAKE_NOW": (HF_NOW + ahead).isoformat(),
               "HF_TOKEN": FULL_TOKEN}

        def run(*args: str) -> subprocess.CompletedProcess[str]:
            return subprocess.run([*HFMON, *args], env=env, capture_output=True, text=True, timeout=60)
        yield run


def test_hfmon_past_the_rollover_refuses_last_periods_usage(tmp_path: Path) -> None:
    with hfmon_at(timedelta(minutes=10), tmp_path) as run:  # hfmon at Dec 1 00:05, HF at Nov 30 23:55
        doc = json.loads(run("--once", "--json", "--no-history", "--namespace", "ada").stdout)
        jsonschema.validate(doc, once_schema())
        # was: period Nov 1 -> Dec 1, used $0.00 (asked for Dec 1 00:00-00:05), days_left 0.0, projected $0.00
        assert doc["credits"] is None
        source = doc["sources"]["billing:ada"]
        assert source["status"] == "error" and ENDED in source["error"]
        text = run("--once", "--no-history", "--namespace", "ada").stdout
        flat = " ".join(text.split())
        # the answers' Date says why: this machine's clock is 10 min ahead of HF's (audit 9 F1)
        assert "Credits unknown: billing unreadable response (set this machine's clock right (NTP)" in flat
        assert "projected $0.00" not in flat and "$2.00 left" not in flat
        guard = run("guard", "--namespace", "ada", "--max-projected-usd", "1", "--no-history")
        assert guard.returncode == 5, guard.stdout + guard.stderr  # cannot decide, never ok on $0.00
        assert "a period that has ended" in " ".join(guard.stdout.split())


def test_hfmon_still_inside_the_period_reads_it(tmp_path: Path) -> None:
    # hfmon 4 min ahead: Nov 30 23:59, before the period's end: the same usage-v2 answer is this period's
    with hfmon_at(timedelta(minutes=4), tmp_path) as run:
        doc = json.loads(run("--once", "--json", "--no-history", "--namespace", "ada").stdout)
        assert doc["sources"]["billing:ada"]["status"] == "ok"
        credits = doc["credits"]
        assert (credits["period_start"], credits["period_end"]) == ("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")
        assert credits["used_usd"] > 0 and credits["projected_period_usd"] is not None
