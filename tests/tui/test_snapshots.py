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


@pytest.mark.parametrize("key", ["1", "2", "3", "4", "5", "6", "7"],
                         ids=["overview", "inference", "endpoints", "compute", "storage", "crosscheck", "advisor"])
def test_each_screen(snap_compare: SnapCompare, key: str) -> None:
    assert snap_compare(make_app(), press=[key], terminal_size=(110, 32), run_before=first_report)


def test_light_theme_at_80x24(snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app("hfmon-light"), press=["1"], terminal_size=(80, 24), run_before=first_report)


@pytest.mark.parametrize("size", [(80, 24), (120, 40), (200, 50)], ids=["80x24", "120x40", "200x50"])
def test_overview_at_each_size(snap_compare: SnapCompare, size: tuple[int, int]) -> None:
    """80x24: meter, credits and the money per namespace above the fold; 200x50: two columns."""
    assert snap_compare(make_app(), press=["1"], terminal_size=size, run_before=first_report)


def test_inference_side_by_side_at_200x50(snap_compare: SnapCompare) -> None:
    assert snap_compare(make_app(), press=["2"], terminal_size=(200, 50), run_before=first_report)


def test_an_endpoint_detail(snap_compare: SnapCompare) -> None:
    async def open_detail(pilot: Pilot[int]) -> None:
        await first_report(pilot)
        await pilot.press("3")
        await pilot.pause()
        await pilot.press("enter")  # the first row: acme/llm-prod, $/h largest first
        await pilot.pause()

    assert snap_compare(make_app(), terminal_size=(120, 40), run_before=open_detail)
