"""The help at the smallest supported terminal: every key and badge readable at once, none behind a scroll."""

from __future__ import annotations

import pytest
from rich.console import Console
from textual.containers import VerticalScroll

from hfmon.tui.bindings import BINDINGS
from hfmon.tui.screens.help import LEGEND, help_text
from tests.tui.test_app import app_for, settle


@pytest.mark.parametrize("size", [(80, 24), (200, 50)])
async def test_the_help_shows_every_key_and_badge_without_scrolling(size: tuple[int, int]) -> None:
    app = app_for()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        box = app.screen.query_one("#help", VerticalScroll)
        assert box.max_scroll_y == 0, "the help needs scrolling"  # at 80x24 its last rows were behind a scrollbar
        width = box.content_region.width
    console = Console(width=width, record=True, color_system=None)
    console.print(help_text())
    shown = console.export_text()
    for b in BINDINGS:
        if not (b.id or "").startswith("screen-"):
            assert b.description in shown, b.description
    for badge, what in LEGEND:
        assert f"{badge:<9} {what}" in shown, what  # each on one line, beside its badge
