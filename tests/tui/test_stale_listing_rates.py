"""A failed listing's rows are its last good value: their $/h is never a figure of now (audit 6 B1).

The demo at Nov 18 15:00, then ada-labs's Endpoints listing answers 500 at the next poll (15:10). At 15:00 it listed
qwen-prod running at $5.00/h, reranker initializing at $0.70/h and broken-deploy failed ($0); the listings read at
15:10 give ada/llama-chat $1.60/h and northwind/classifier $0.033/h: the endpoints cost at least $1.633/h. The
Endpoints table's totals row read `$7.33+` (1.633 + 5.00 + 0.70) under a summary of "at least $1.63/h", and the
export wrote qwen-prod's `cost_per_hour_usd` 5.0 as known."""

from __future__ import annotations

from decimal import Decimal

from hfmon.fakehub.faults import RouteFault
from hfmon.jsonout import report_document
from hfmon.models import SourceStatus
from hfmon.tui.app import HfmonApp
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, table, text_of
from tests.tui.test_totals import totals


async def test_the_totals_row_and_the_export_leave_a_failed_listings_rates_out() -> None:
    monitor, clock = frozen_demo(history=False)
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(200, 50)) as pilot:
            await settle(app, pilot)
            monitor.collector.client.fake.route_faults.append(RouteFault("/v2/endpoint/ada-labs", status=500))
            clock.advance(600)
            await pilot.press("r")
            await settle(app, pilot)
            await pilot.press("3")
            await pilot.pause()
            report = app.report
            assert report is not None and report.source("endpoints:ada-labs").status is SourceStatus.STALE
            assert report.running_of("endpoints", None).known == Decimal("1.633")
            assert "at least $1.63/h" in text_of(app, "#endpoints-summary")
            endpoints = table(app, "endpoints")
            assert totals(endpoints, "rate") == "$1.63+"  # was $7.33+
            # the last value is still there to read, marked as not a figure of now
            assert totals(endpoints, "ada-labs/qwen-prod", "rate") == "$5.00/h?"
            assert totals(endpoints, "ada/llama-chat", "rate") == "$1.60/h"
    finally:
        await monitor.aclose()
    rows = {f"{e['namespace']}/{e['name']}": e for e in report_document(report)["endpoints"]}
    assert rows["ada-labs/qwen-prod"]["cost_per_hour_usd"] is None  # was 5.0
    assert rows["ada/llama-chat"]["cost_per_hour_usd"] == 1.6
