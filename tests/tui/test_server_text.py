"""Text a server sends reaches the dashboard literally: never as Textual markup, never with control characters."""

from __future__ import annotations

import pytest
from textual.pilot import Pilot
from textual.widgets import Static
from textual.widgets._toast import Toast

from hfmon.fakehub.faults import RouteFault
from hfmon.tui.app import HfmonApp
from hfmon.tui.widgets.panel import Panel
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, text_of
from tests.tui.toasts import toasts_raised

# The auditor's five error messages (finding 20): a style, a link, an app action, a bare closing tag, brackets.
SERVER_TEXTS = ["[red]RED[/red]", "[link=https://evil.example]LINK[/link]", "[@click=app.quit]CLICK[/]",
                "oops [/]", "plain [x] brackets"]


@pytest.fixture(autouse=True)
def toasts_stay(monkeypatch: pytest.MonkeyPatch) -> None:
    """Toasts expire on the wall clock: keep them on screen however slow the machine is, to read them back."""
    monkeypatch.setattr("textual.notifications.time", lambda: 0.0)


async def shown_toasts(app: HfmonApp, pilot: Pilot[int], marker: str) -> list[str]:
    """The plain text of the toasts on screen that hold `marker`, once they are mounted."""
    for _ in range(50):
        shown = [t for t in toast_texts(app) if marker in t]
        if shown:
            return shown
        await pilot.pause()
    return []


def toast_texts(app: HfmonApp) -> list[str]:
    """The plain text of every toast on the screen now, as rendered."""
    return [str(t.render()) for t in app.screen.query(Toast)]


@pytest.mark.parametrize("message", SERVER_TEXTS)
async def test_a_server_error_message_is_shown_literally_and_the_data_still_arrives(message: str) -> None:
    monitor, _ = frozen_demo(history=False)
    monitor.collector.client.fake.route_faults.append(  # type: ignore[attr-defined]
        RouteFault("/api/scheduled-jobs/ada", status=500, reason=message))
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(200, 50), notifications=True) as pilot:
            await settle(app, pilot)
            await pilot.pause()
            assert app.report is not None and app.polls_done == 1
            assert not app.screen.has_class("-loading")  # the report replaced "Waiting for the first poll…"
            assert "Waiting for the first poll" not in text_of(app, ".loading-note") or not app.query_one(
                ".loading-note", Static).display
            assert "$" in text_of(app, "#meter")  # the running cost is on screen
            raised = [t for t in toasts_raised(app) if "scheduled-jobs" in t]
            assert raised and all(message in t for t in raised), toasts_raised(app)
            shown = await shown_toasts(app, pilot, "scheduled-jobs")
            assert shown and all(message in t for t in shown), toast_texts(app)
            assert app.is_running  # `[@click=app.quit]` is text, not an action
    finally:
        await monitor.aclose()


async def test_control_characters_in_a_server_message_never_reach_a_toast() -> None:
    monitor, _ = frozen_demo(history=False)
    monitor.collector.client.fake.route_faults.append(  # type: ignore[attr-defined]
        RouteFault("/api/scheduled-jobs/ada", status=500, reason="bad \x1b[2Jclear\x07 [b]x[/b]"))
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(200, 50), notifications=True) as pilot:
            await settle(app, pilot)
            await pilot.pause()
            shown = await shown_toasts(app, pilot, "scheduled-jobs")
            assert shown and all("bad clear [b]x[/b]" in t for t in shown), shown
            assert not any("\x1b" in t or "\x07" in t for t in shown)
    finally:
        await monitor.aclose()


async def test_a_toast_raised_with_markup_and_control_characters_shows_them_as_text() -> None:
    """Every toast goes through the app's one notify: screens' toasts too, whatever `markup` they ask for."""
    monitor, _ = frozen_demo(history=False)
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(200, 50), notifications=True) as pilot:
            await settle(app, pilot)
            app.screen.notify("a [/] b\x1b[31m\nsecond [x] line", title="t [/]", markup=True)
            assert "t [/]\na [/] b\nsecond [x] line" in await shown_toasts(app, pilot, "second")
    finally:
        await monitor.aclose()


async def test_a_filter_with_brackets_is_shown_literally_in_the_panel() -> None:
    monitor, _ = frozen_demo(history=False)
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(200, 50)) as pilot:
            await settle(app, pilot)
            panel = app.query(Panel).first()
            panel.note("filter: [/] [@click=app.quit]x[/]")
            await pilot.pause()
            assert panel._border_subtitle.plain == "filter: [/] [@click=app.quit]x[/]"  # as drawn in the border
    finally:
        await monitor.aclose()
