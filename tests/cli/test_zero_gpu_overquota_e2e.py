"""End to end: the fake's ZeroGPU quota route says what its scenario used past the quota (`overquotaUsed`, paid
GPU-seconds of the daily window from 09:12 UTC, hf-openapi.json), and hfmon shows it with what it costs, agreeing
with the statement's ZeroGPU line. ada/chat-demo ran past ada's quota 12 min from Nov 6 10:00 and 18 min from
Nov 13 16:30, at $1.00 per 10 min."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import jsonschema
import pytest

from hfmon.fakehub import FakeHub, demo_scenario
from hfmon.fakehub.server import serve
from hfmon.schemas import once_schema
from tests.cli.test_once_e2e import Served

pytestmark = pytest.mark.e2e


@pytest.mark.parametrize(("moment", "over_s", "flag", "billed"), [
    # 15 of the 18 min elapsed: 900 s, $1.50; the statement bills Nov 6's 12 min ($1.20) + these 15 ($1.50)
    (datetime(2026, 11, 13, 16, 45, tzinfo=UTC), 900, "ZeroGPU used 15.0 min beyond the daily quota: about $1.50 "
                                                      "at $1.00 per 10 min (bundled price)", 2.70),
    (datetime(2026, 11, 13, 17, 0, tzinfo=UTC), 1080, "ZeroGPU used 18.0 min beyond the daily quota: about $1.80 "
                                                       "at $1.00 per 10 min (bundled price)", 3.00),
    (datetime(2026, 11, 14, 10, 0, tzinfo=UTC), 0, None, 3.00),  # a new day's quota (from 09:12): nothing over
])
def test_the_quota_says_what_was_used_past_it_and_hfmon_prices_it(
        tmp_path: Path, moment: datetime, over_s: int, flag: str | None, billed: float) -> None:
    hub = FakeHub(demo_scenario(seed=7), now=lambda: moment)
    with serve(hub, port=0) as server:
        served = Served(hub, server.base_url, tmp_path / "data")
        doc = served.run("--once", "--json", "--no-history", "--namespace", "ada", frozen_clock=True).doc()
    jsonschema.validate(doc, once_schema())
    # was 0 at every moment, and no flag: the paid minutes the statement bills were nowhere in the quota
    assert doc["zero_gpu"]["overquota_used_s"] == over_s
    assert (doc["zero_gpu"]["remaining_s"] == 0) is (over_s > 0)  # paid seconds only once the quota is spent
    assert [f["message"] for f in doc["flags"] if f["kind"] == "zero_gpu_overage"] == ([flag] if flag else [])
    [chat] = [s for s in doc["spaces"] if s["id"] == "ada/chat-demo"]
    assert chat["billed_usd"] == pytest.approx(billed, abs=1e-9)
