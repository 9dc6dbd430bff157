"""Source health is decided once (Report.health): the dashboard and `--once` follow the same decision."""

from __future__ import annotations

from hfmon.exitcodes import ExitCode, exit_code_of
from hfmon.models import SourceStatus
from hfmon.report import Health
from hfmon.tui.app import HfmonApp
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle


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
            assert not app.paused and app._timer is not None  # the next poll is armed
            assert app.last_error is None
    finally:
        await monitor.aclose()
    denied = {s.name: s for s in report.sources if s.name.endswith(":northwind") and "endpoint" in s.name}
    assert {n: s.status for n, s in denied.items()} == {"endpoints:northwind": SourceStatus.NO_ACCESS,
                                                         "endpoint_catalog:northwind": SourceStatus.NO_ACCESS}
    assert report.health is Health.OK and exit_code_of(report) == ExitCode.OK
