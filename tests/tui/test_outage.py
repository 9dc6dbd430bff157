"""The dashboard when Hugging Face stops answering after a good poll: nothing on screen reads as current (audit 3,
finding 17c: the top bar kept the last rate read as "now")."""

from __future__ import annotations

from hfmon.fakehub.faults import RouteFault
from hfmon.tui.app import HfmonApp
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, text_of


async def test_when_hugging_face_stops_answering_no_figure_reads_as_current() -> None:
    monitor, clock = frozen_demo(history=False)
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            top = text_of(app, "#topbar")
            assert "  now at least $" in top and "ago" not in top  # the demo has one unpriced resource
            assert not app.query_one("#banner").display
            assert "● live" in text_of(app, "#statusbar")
            monitor.collector.client.fake.route_faults.append(  # type: ignore[attr-defined]
                RouteFault("*", status=503, reason="Service Unavailable"))
            clock.advance(600)  # the price lists and whoami are still fresh in their caches: not an answer now
            await pilot.press("r")
            await settle(app, pilot)
            report = app.report
            assert report is not None and any(s.from_cache and s.status == "ok" for s in report.sources)
            banner = text_of(app, "#banner")
            assert banner.startswith("⚠ Nothing answered (server error): every figure is its last good value")
            bar = text_of(app, "#statusbar")
            assert "⚠ no answer" in bar and "live" not in bar and "updated" not in bar, bar
            clock.advance(7 * 3600)  # past every cache (price lists: 6 h): each source is asked, and fails
            await pilot.press("r")
            await settle(app, pilot)
            top = text_of(app, "#topbar")
            assert top.endswith("now unknown") and "$" not in top, top  # the last rate read is not "now" (17c)
            banner = text_of(app, "#banner")
            assert banner.startswith("⚠ Nothing answered (server error): every figure is its last good value")
            bar = text_of(app, "#statusbar")
            assert "⚠ no answer" in bar and "tried" in bar and "live" not in bar and "updated" not in bar
    finally:
        await monitor.aclose()
