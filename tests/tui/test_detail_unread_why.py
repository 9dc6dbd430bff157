"""A resource's detail says why its billed figures and uptime are "—" (audit 10 G6: an Endpoint of an org whose
billing the token may not read read "billed this period — for —", "uptime — of the period", and nothing said why)."""

from __future__ import annotations

from hfmon.fakehub import demo_scenario
from hfmon.tui.app import HfmonApp
from tests.tui.demo import frozen_demo, warm
from tests.tui.test_app import settle
from tests.tui.test_details import detail_text, open_row


async def test_an_endpoint_of_an_org_whose_statement_is_unread_says_so_under_its_dashes() -> None:
    monitor, _ = frozen_demo(history=False, scenario=demo_scenario(seed=7))
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            app.clear_notifications()
            await open_row(app, pilot, "3", "endpoints", "northwind/summarizer")
            lines = [" ".join(line.split()) for line in detail_text(app).splitlines()]
            billed = lines.index("billed this period — for —")
            assert lines[billed + 1] == "unknown: statement unread (northwind)"  # the fake refuses its billing
            uptime = next(i for i, line in enumerate(lines) if line.startswith("uptime — of the period"))
            assert lines[uptime + 1] == "unknown: no polls of it in history, no statement"  # no history here
    finally:
        monitor.close()


async def test_an_endpoint_polled_for_under_half_the_period_says_so_not_that_no_poll_saw_it() -> None:
    """hfmon polling for the last 3 days of the 17.6 days of the period so far, the statement unread: the period's
    uptime is unknown because history covers under half the period (its 24 h uptime is worked out from those polls);
    the detail used to say "no polls of it in history" right under that 24 h figure."""
    monitor, clock = frozen_demo(scenario=demo_scenario(seed=7))
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        await warm(monitor, clock, days=3)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            app.clear_notifications()
            await open_row(app, pilot, "3", "endpoints", "northwind/summarizer")
            lines = [" ".join(line.split()) for line in detail_text(app).splitlines()]
            uptime = next(i for i, line in enumerate(lines) if line.startswith("uptime — of the period"))
            assert "— of the last 24 h" not in lines[uptime]  # the polls say how long it billed in the last 24 h
            assert lines[uptime + 1] == "unknown: history covers under half the period, no statement"
    finally:
        monitor.close()
