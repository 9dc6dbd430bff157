"""A failed listing's rows are its last good value: what they cost until the period ends is never projected from it
(fix of what audit 6 B1 left: `report_rows.stale_cost` nulled the $/h now, not the figure ahead).

The demo at Nov 18 15:00, then ada-labs's Endpoints listing answers 500 at the next poll (15:10). At 15:00 it listed
ada-labs/qwen-prod running 2 replicas at $2.50/h: $5.00/h. From 15:10 to the period's end (Dec 1 00:00) is 296 h
50 min, so the export read `to_period_end_usd` 5.00 x 296.8333.. = 1484.166667 as if known, and the detail view
"$1,484.17 more until the period ends", from a listing that failed. What it costs ahead is unknown, and both say
why."""

from __future__ import annotations

from hfmon.fakehub.faults import RouteFault
from hfmon.jsonout import report_document
from hfmon.models import SourceStatus
from hfmon.report_rows import STALE_AHEAD_WHY
from hfmon.tui.app import HfmonApp
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle
from tests.tui.test_details import detail_text, open_row


async def test_a_failed_listings_rows_cost_ahead_is_unknown_and_says_why() -> None:
    monitor, clock = frozen_demo(history=False)
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(200, 50)) as pilot:
            await settle(app, pilot)
            first = report_document(app.report)
            monitor.collector.client.fake.route_faults.append(RouteFault("/v2/endpoint/ada-labs", status=500))
            clock.advance(600)
            await pilot.press("r")
            await settle(app, pilot)
            report = app.report
            assert report is not None and report.source("endpoints:ada-labs").status is SourceStatus.STALE
            await open_row(app, pilot, "3", "endpoints", "ada-labs/qwen-prod")
            text = detail_text(app)
            assert "left as it is         — more until the period ends" in text  # was $1,484.17
            assert STALE_AHEAD_WHY in text
    finally:
        await monitor.aclose()
    before = {f"{e['namespace']}/{e['name']}": e for e in first["endpoints"]}
    assert before["ada-labs/qwen-prod"]["to_period_end_usd"] == 1485.0  # 15:00: $5.00/h x 297 h, read fresh
    assert before["ada-labs/qwen-prod"]["to_period_end_why"] is None
    rows = {f"{e['namespace']}/{e['name']}": e for e in report_document(report)["endpoints"]}
    qwen = rows["ada-labs/qwen-prod"]
    assert qwen["to_period_end_usd"] is None  # was 1484.166667
    assert qwen["to_period_end_why"] == "its listing failed this poll: what it costs until the period ends is unknown"
    # a listing read this poll projects as before: ada/llama-chat $1.60/h x 296.8333.. h
    assert rows["ada/llama-chat"]["to_period_end_usd"] == 474.933333
    assert rows["ada/llama-chat"]["to_period_end_why"] is None
