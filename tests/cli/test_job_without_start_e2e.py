"""End to end: a RUNNING Job listed without `startedAt` (the spec makes it optional). Its running time is HF's own
`durations.runningSecs`; with neither, `long_running_job` is unchecked for it (never silently clear), and its uptime
comes from its statement line, never a known 0.0 %."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hfmon.fakehub.faults import RouteFault
from hfmon.schemas import once_schema
from tests.cli.test_once_e2e import Served, fake

pytestmark = pytest.mark.e2e
__all__ = ["fake"]  # the loopback fake hub fixture, shared with test_once_e2e
JOB = "cc9cd021b4815cda4596be7c"  # the demo's l4x1 Job in ada: started 14:25, runningSecs 2100 at 15:00


def _without(*keys: str) -> Callable[[Any], Any]:
    def edit(body: Any) -> Any:
        for job in body:
            if job["id"] == JOB:
                for key in keys:
                    job.pop(key, None)
        return body
    return edit


def _poll(served: Served, tmp_path: Path, *keys: str) -> dict[str, Any]:
    config = tmp_path / "config.toml"
    config.write_text("[alerts]\nlong_job_hours = 0.5\n")
    served.hub.route_faults[:] = [RouteFault("/api/jobs/ada", edit=_without(*keys))]
    run = served.run("--once", "--json", "--no-history", "--config", str(config), frozen_clock=True)
    doc: dict[str, Any] = run.doc()
    jsonschema.validate(doc, once_schema())
    return doc


def _job(doc: dict[str, Any]) -> dict[str, Any]:
    return next(j for j in doc["jobs"] if j["id"] == JOB)


def _flags(doc: dict[str, Any]) -> list[str]:
    return [f["message"] for f in doc["flags"] if f["kind"] == "long_running_job"]


def test_a_running_job_without_its_start_is_flagged_from_hfs_running_time(
        fake: Callable[..., Served], tmp_path: Path) -> None:
    served = fake()
    # 14:25 to 15:00 is 35 min (0.58 h) past a 0.5 h limit, with its start and with runningSecs 2100 alone
    want = [f"Job {JOB} (l4x1) has been running for 0.6 h"]
    assert _flags(_poll(served, tmp_path)) == want
    doc = _poll(served, tmp_path, "startedAt")  # was: no flag, nothing unchecked
    assert _flags(doc) == want
    # its uptime is its statement line's 35 min: of the period's 423 h (Nov 1 to Nov 18 15:00) 0.14 %, of the last
    # 24 h 2.43 % (35 / 1440); was 0.0 % and 0.0 %, known
    job = _job(doc)
    assert (job["uptime_pct"], job["uptime_24h_pct"], job["uptime_state_unknown_pct"]) == (0.14, 2.43, 0.0)


def test_a_running_job_without_start_or_running_time_leaves_the_flag_unchecked(
        fake: Callable[..., Served], tmp_path: Path) -> None:
    doc = _poll(fake(), tmp_path, "startedAt", "durations")
    assert _flags(doc) == []
    assert f"long_running_job:{JOB} (HF sent neither its start nor its running time)" in doc["flags_unchecked"]
    assert _job(doc)["uptime_pct"] == 0.14  # from its statement line, as above; was 0.0


def test_a_running_time_with_a_fraction_is_rounded_to_the_second_never_cut(
        fake: Callable[..., Served], tmp_path: Path) -> None:
    served = fake()

    def fraction(body: Any) -> Any:
        for job in _without("startedAt")(body):
            if job["id"] == JOB:
                job["durations"]["runningSecs"] = 2099.6
        return body

    served.hub.route_faults[:] = [RouteFault("/api/jobs/ada", edit=fraction)]
    config = tmp_path / "config.toml"
    config.write_text("[alerts]\nlong_job_hours = 0.58328\n")  # 2,099.8 s: 2,099.6 s is past it, 2,099 s is not
    doc = served.run("--once", "--json", "--no-history", "--config", str(config), frozen_clock=True).doc()
    assert _job(doc)["running_s"] == 2100  # was 2099: int() cut the fraction off
    assert _flags(doc) == [f"Job {JOB} (l4x1) has been running for 0.6 h"]  # was no flag


def test_a_clock_ahead_of_hfs_does_not_stretch_a_jobs_running_time(
        fake: Callable[..., Served], tmp_path: Path) -> None:
    """This machine's clock a day ahead of HF's (audit 9 F9): the Job has run 35 min by HF's own count, the flag
    says 0.6 h past a 0.5 h limit, as the exporter's runningSecs does (was: 'running for 24.6 h', from this
    machine's now against HF's startedAt)."""
    served = fake()
    config = tmp_path / "config.toml"
    config.write_text("[alerts]\nlong_job_hours = 0.5\n")
    ahead = served.hub.now() + timedelta(days=1)
    doc = served.run("--once", "--json", "--no-history", "--config", str(config), frozen_clock=True,
                     clock_at=ahead).doc()
    assert "clock_skew" in [f["kind"] for f in doc["flags"]]
    assert _flags(doc) == [f"Job {JOB} (l4x1) has been running for 0.6 h"]
