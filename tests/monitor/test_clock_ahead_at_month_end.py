"""This machine's clock ahead of Hugging Face's across a period's end (audit 9 F1). HF counts usage by its own clock
and names its period by it; a cron run (no earlier poll: the skew is known only from this poll's answers) asked
usage-v2 from the start of this machine's month, a window HF has not reached, and read HF's $0 for it as a fresh
period's: '$0.00 of $10.00 · $10.00 left', guard OK, where HF's running period (Nov 1 - Dec 1) had $10.90 used.
The poll's periods are judged at HF's time too: the credits are unknown, saying why, and guard cannot decide."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.guard import GuardExit, judge
from hfmon.jsonout import report_document
from hfmon.monitor import Monitor

NANO = Decimal("1e-9")


@pytest.mark.parametrize(("hf_at", "ahead_s", "anchor", "hf_period_start"), [
    # a day ahead: the machine's Dec 1 12:00 at HF's Nov 30 12:00 (HF's period Nov 1 - Dec 1: $10.90 used)
    (datetime(2026, 11, 30, 12, tzinfo=UTC), 86400, 1, datetime(2026, 11, 1, tzinfo=UTC)),
    # 20 min ahead at HF's Nov 30 23:50 (read '$0.00 of $10.00 · $10.00 left': $11.09 used)
    (datetime(2026, 11, 30, 23, 50, tzinfo=UTC), 1200, 1, datetime(2026, 11, 1, tzinfo=UTC)),
    # periods on the 15th, 20 min ahead at HF's Dec 14 23:50: read '$5.23 of $10.00', the spend since Dec 1, a
    # figure of neither period (HF's: Nov 15 - Dec 15, $11.14 used)
    (datetime(2026, 12, 14, 23, 50, tzinfo=UTC), 1200, 15, datetime(2026, 11, 15, tzinfo=UTC)),
])
async def test_a_clock_ahead_across_the_period_end_leaves_the_credits_unknown_never_a_fresh_zero(
        hf_at: datetime, ahead_s: int, anchor: int, hf_period_start: datetime) -> None:
    hf = FrozenClock(hf_at)
    local = FrozenClock(hf_at + timedelta(seconds=ahead_s))
    hub = FakeHub(replace(demo_scenario(seed=7), usage_period_day=anchor), now=hf.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=local,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, local, ["ada-labs"]), local, Config(), None)
    try:
        report = await monitor.poll()
        document = report_document(report)
        hf_used = Decimal(hub.traffic.totals("ada-labs", hf_period_start, hf_at, hf_at).used_nano_usd) * NANO
        assert hf_used > 10  # HF's running period: no credits left, what guard must not call OK
        assert [c for c in document["org_credits"] if c["namespace"] == "ada-labs"] == []
        billing = document["sources"]["billing:ada-labs"]
        assert billing["status"] == "error"
        assert f"by Hugging Face's clock it is {hf_at:%b %d %H:%M} UTC" in billing["error"], billing
        assert "ahead of it" in billing["error"] and "NTP" in billing["hint"]
        verdict = judge(report, {"min_remaining_credits_usd": Decimal(1), "max_projected_usd": Decimal(8)})
        assert verdict.code is GuardExit.UNKNOWN, verdict
    finally:
        await monitor.aclose()


async def test_a_clock_ahead_within_a_period_keeps_its_credits() -> None:
    """Mid-period, a clock 20 min ahead changes nothing: the period holds at both times."""
    hf_at = datetime(2026, 11, 18, 15, tzinfo=UTC)
    hf, local = FrozenClock(hf_at), FrozenClock(hf_at + timedelta(seconds=1200))
    hub = FakeHub(demo_scenario(seed=7), now=hf.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=local,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, local, ["ada-labs"]), local, Config(), None)
    try:
        document = report_document(await monitor.poll())
        org = next(c for c in document["org_credits"] if c["namespace"] == "ada-labs")
        assert (org["period_start"], org["period_end"]) == ("2026-11-01T00:00:00Z", "2026-12-01T00:00:00Z")
        assert document["sources"]["billing:ada-labs"]["status"] == "ok"
    finally:
        await monitor.aclose()
