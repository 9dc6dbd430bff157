"""SVG snapshots of each screen at a fixed size and a frozen clock (hand-built report, one stale source)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from textual.pilot import Pilot

from hfmon.tui.app import HfmonApp
from tests.tui.builder import FakeSource

SnapCompare = Callable[..., bool]


def make_app(theme: str = "hfmon-dark") -> HfmonApp:
    """The app on the hand-built report; the clock never moves and no second poll or tick happens."""
    return HfmonApp(FakeSource(), interval_s=60, tick_s=3600, theme=theme)


async def first_report(pilot: Pilot[int]) -> None:
    """Wait until the first poll is on screen; drop its toasts, whose timeouts would make snapshots racy."""
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    pilot.app.clear_notifications()
    await pilot.pause()


@pytest.mark.parametrize("key", ["1", "2", "3", "4", "5", "6"],
                         ids=["overview", "inference", "endpoints", "compute", "storage", "crosscheck"])
def test_each_screen(snap_compare: SnapCompare, key: str) -> None:
    assert snap_compare(make_app(), press=[key], terminal_size=(110, 32), run_before=first_report)


def test_light_theme_at_80x24(snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app("hfmon-light"), press=["1"], terminal_size=(80, 24), run_before=first_report)
