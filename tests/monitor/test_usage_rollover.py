"""A long-running hfmon (the dashboard, the exporter) across the month's rollover while an org's usage-v2 fails.
The org's answer says no period (HF's spec makes periodStart/End optional): it counts over the window hfmon asked
for, and the last good answer kept from November was asked for November. Its Inference Providers figure is not
December's credits: they are unknown, and the screen says why, until Hugging Face answers for December (audit 7 C1)."""

from __future__ import annotations

from datetime import UTC, datetime

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.jsonout import report_document
from hfmon.models import SourceStatus
from hfmon.monitor import Monitor
from hfmon.textout import render_text

USAGE_V2 = "/api/organizations/ada-labs/billing/usage-v2"


def org_credits(document: dict[str, object]) -> dict[str, object] | None:
    """ada-labs' row of the JSON's org credits (None: it has none)."""
    rows = [c for c in document["org_credits"] if c["namespace"] == "ada-labs"]  # type: ignore[attr-defined]
    return rows[0] if rows else None


async def test_novembers_usage_kept_after_a_failure_is_not_decembers_credits() -> None:
    clock = FrozenClock(datetime(2026, 11, 30, 23, 50, tzinfo=UTC))
    hub = FakeHub(demo_scenario(seed=7), now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001, max_retries=0))
    monitor = Monitor(Collector(client, clock), clock, Config(), None)
    try:
        november = report_document(await monitor.poll())
        used_in_november = org_credits(november)
        assert used_in_november is not None and used_in_november["used_usd"] > 10  # over its $10.00 by month end

        hub.route_faults.append(RouteFault(USAGE_V2, status=503))
        clock.advance(20 * 60)  # Dec 1 00:10: November's figure is neither November's whole nor December's
        report = await monitor.poll()
        december = report_document(report)
        row = org_credits(december)
        assert row is None or row["used_usd"] is None
        assert not any(c["namespace"] == "ada-labs" and c.get("overage_usd") for c in december["org_credits"])
        assert not [f for f in report.flags if f.subject == "ada-labs" and "credit" in f.kind]
        [spend] = [s for s in december["spend"] if s["namespace"] == "ada-labs"]
        assert spend["inference_usd"] is None
        source = report.source("billing:ada-labs")
        assert source is not None and source.status is SourceStatus.ERROR and source.http_status == 503
        assert source.error is not None and source.error.startswith("503 ")
        assert source.error.endswith("is for Nov 01 00:00 to Dec 01 00:00 UTC, a period that has ended: this "
                                     "period's credits are unknown")
        assert "$11.09 of $10.00" not in render_text(report)

        hub.route_faults.clear()  # answering again: December's own figure, from $0
        clock.advance(10 * 60)
        answered = org_credits(report_document(await monitor.poll()))
        assert answered is not None and 0 <= answered["used_usd"] < 1
        assert answered["period_start"] == "2026-12-01T00:00:00Z"
    finally:
        await monitor.aclose()
