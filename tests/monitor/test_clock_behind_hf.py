"""The machine's clock steps back 1 h (NTP step, a VM resumed) while Hugging Face's goes on (audit 7 C2). HF counts
usage by its own clock; hfmon asked usage-v2 up to its own `now`, so every figure was HF's of an hour ago: used fell
$0.04588 unsaid, "left" rose and the run-out moved 14.4 h later. hfmon now reads HF's time from the `Date` of its
answers, says the clocks differ, and asks usage up to HF's time. The figures are the fake's own traffic. usage/live
(HF's later word, which would stand in for usage-v2's figure) fails here, as it may: usage-v2's figure is the one."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.jsonout import report_document
from hfmon.monitor import Monitor
from hfmon.textout import render_text

NOV_1 = datetime(2026, 11, 1, tzinfo=UTC)
NANO = Decimal("1e-9")


def monitor_of(hub: FakeHub, local: FrozenClock) -> Monitor:
    """The dashboard's and the exporter's loop on the machine's clock `local`, against `hub` whose usage/live fails."""
    hub.route_faults.append(RouteFault("*/billing/usage/live", status=500))
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=local,
                       governor=Governor(backoff_base_s=0.001, max_retries=0))
    return Monitor(Collector(client, local), local, Config(), None)


def usage_v2_used(hub: FakeHub, end: datetime) -> Decimal:
    """ada's used credits as usage-v2 counts them over [Nov 1, `end`) at the fake's time (placeholders included)."""
    return (Decimal(hub.traffic.totals("ada", NOV_1, end, hub.now()).used_nano_usd) * NANO).quantize(
        Decimal("0.000001"))


async def test_a_clock_set_back_an_hour_reads_hf_figures_as_of_hf_time_and_says_so() -> None:
    hf = FrozenClock(datetime(2026, 11, 18, 15, 30, tzinfo=UTC))
    local = FrozenClock(hf.at)
    hub = FakeHub(demo_scenario(seed=7), now=hf.now)
    monitor = monitor_of(hub, local)
    try:
        first = report_document(await monitor.poll())
        assert Decimal(str(first["credits"]["used_usd"])) == usage_v2_used(hub, hf.at)
        assert not [f for f in first["flags"] if f["kind"] == "clock_skew"]

        hf.advance(600)
        local.at = hf.at - timedelta(hours=1)  # the machine reads 14:40 at HF's 15:40
        second = report_document(await monitor.poll())
        # asked up to no earlier than the 15:30 poll, HF's time not known yet (was up to 14:40: an hour less spend)
        used = Decimal(str(second["credits"]["used_usd"]))
        at_1530 = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)
        assert used == usage_v2_used(hub, at_1530) > usage_v2_used(hub, local.at)
        skew = [f for f in second["flags"] if f["kind"] == "clock_skew"]
        assert len(skew) == 1 and "1h behind Hugging Face's" in skew[0]["message"], second["flags"]

        hf.advance(600)
        local.advance(600)  # HF's 15:50, the machine's 14:50: usage asked up to HF's time, as its Date said
        report = await monitor.poll()
        third = report_document(report)
        used = Decimal(str(third["credits"]["used_usd"]))
        assert used == usage_v2_used(hub, hf.at) > usage_v2_used(hub, local.at)
        assert Decimal(str(third["credits"]["remaining_usd"])) == Decimal(2) - used
        text = " ".join(render_text(report).split())
        assert "this machine's clock is 1h behind Hugging Face's" in text, text
    finally:
        await monitor.aclose()


async def test_clocks_within_a_minute_say_nothing_and_ask_up_to_hfmon_time() -> None:
    hf = FrozenClock(datetime(2026, 11, 18, 15, 30, tzinfo=UTC))
    local = FrozenClock(hf.at - timedelta(seconds=50))
    hub = FakeHub(demo_scenario(seed=7), now=hf.now)
    monitor = monitor_of(hub, local)
    try:
        for _ in range(2):
            doc = report_document(await monitor.poll())
            assert not [f for f in doc["flags"] if f["kind"] == "clock_skew"]
            assert Decimal(str(doc["credits"]["used_usd"])) == usage_v2_used(hub, local.at.replace(microsecond=0))
            hf.advance(600)
            local.advance(600)
    finally:
        await monitor.aclose()
