"""Source health is decided once (Report.health): the dashboard and `--once` follow the same decision."""

from __future__ import annotations

from textual.widgets import Static

from hfmon.exitcodes import ExitCode, exit_code_of
from hfmon.models import SourceStatus
from hfmon.report import Health
from hfmon.tui.app import HfmonApp
from tests.tui.builder import FakeSource
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, text_of
from tests.tui.toasts import toasts_raised


async def test_an_org_whose_endpoints_answer_401_keeps_the_dashboard_polling_and_once_exits_0() -> None:
    monitor, clock = frozen_demo(history=False, endpoints_denied=("northwind",))
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(100, 30), notifications=True) as pilot:
            await settle(app, pilot)
            first = app.report
            assert first is not None
            clock.advance(60)
            await pilot.press("r")
            await settle(app, pilot)
            report = app.report
            assert report is not None and report is not first and app.polls_done == 2
            assert not app.paused and app.armed_s is not None  # the next poll is armed
            assert app.last_error is None
    finally:
        await monitor.aclose()
    denied = {s.name: s for s in report.sources if s.name.endswith(":northwind") and "endpoint" in s.name}
    assert {n: s.status for n, s in denied.items()} == {"endpoints:northwind": SourceStatus.NO_ACCESS,
                                                         "endpoint_catalog:northwind": SourceStatus.NO_ACCESS}
    assert report.health is Health.OK and exit_code_of(report) == ExitCode.OK


async def test_the_monitors_warnings_reach_the_dashboard_once_and_stay_on_the_overview() -> None:
    source = FakeSource()
    source.warnings.append("running without history: cannot write history file /ro/history.sqlite3")
    app = HfmonApp(source, interval_s=3600, tick_s=3600)  # type: ignore[arg-type]
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("r")
        await settle(app, pilot)
        toasts = [m for m in toasts_raised(app) if "without history" in m]
        assert len(toasts) == 1  # once, not every poll
        notes = app.query_one("#notes", Static)
        assert notes.display and "⚠ running without history" in text_of(app, "#notes")
        assert "1 warning (Overview)" in text_of(app, "#statusbar")
        source.warnings.append("history not saved: disk full")
        await pilot.press("r")
        await settle(app, pilot)
        assert any("disk full" in m for m in toasts_raised(app))
        assert "2 warnings (Overview)" in text_of(app, "#statusbar")
        assert "disk full" in text_of(app, "#notes")


async def test_without_warnings_the_overview_shows_no_warning_line() -> None:
    app = HfmonApp(FakeSource(), interval_s=3600, tick_s=3600)  # type: ignore[arg-type]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert not app.query_one("#notes", Static).display
        assert "warning" not in text_of(app, "#statusbar")
