"""The Top spenders, Endpoints, Spaces and Jobs tables show each resource's billed cost from the statement: when the
statement fails, their figures are its last good lines and each table says so (audit 8, E13: only Billed did)."""

from __future__ import annotations

from hfmon.fakehub.faults import RouteFault
from hfmon.tui.app import HfmonApp
from hfmon.tui.widgets.panel import Panel
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, table

BILLED_PANELS = ("spenders-panel", "endpoints-panel", "spaces-panel", "jobs-panel")


def badge(app: HfmonApp, panel_id: str) -> str:
    """What a panel's border says under it (its badge and its note)."""
    return str(app.query_one(f"#{panel_id}", Panel).border_subtitle or "")


async def test_a_failed_statement_marks_every_table_of_billed_costs_stale() -> None:
    monitor, clock = frozen_demo(history=False)
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(200, 50)) as pilot:
            await settle(app, pilot)
            for screen in ("3", "4", "1"):  # mount the Endpoints and Compute screens before the outage
                await pilot.press(screen)
                await pilot.pause()
            billed = str(table(app, "spenders").get_row("ada-labs/qwen-prod")[2].__rich__().plain)
            assert billed == "$2,291.56"
            assert all("STALE" not in badge(app, p) for p in BILLED_PANELS)
            monitor.collector.client.fake.route_faults.append(  # type: ignore[attr-defined]
                RouteFault("*/billing/usage", status=503))
            clock.advance(3600)
            await pilot.press("r")
            await settle(app, pilot)
            for screen in ("3", "4", "1"):
                await pilot.press(screen)
                await pilot.pause()
            # the same hour-old figure (HF's statement now says $2,296.56), and every table says it is old
            assert str(table(app, "spenders").get_row("ada-labs/qwen-prod")[2].__rich__().plain) == billed
            for panel in BILLED_PANELS:
                assert "STALE 1h ada (statement)" in badge(app, panel), (panel, badge(app, panel))
            meter = badge(app, "meter-panel")  # the meter's $/h is the listings', read now: not stale
            assert "statement" not in meter, meter
    finally:
        await monitor.aclose()
