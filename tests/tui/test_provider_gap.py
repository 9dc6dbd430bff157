"""The Inference screen's "Spend per provider over time" after a gap in hfmon's polling (the real demo pipeline on
a frozen clock, under Pilot): what was spent while nobody polled is unknown, never drawn as $0 then a jump."""

from __future__ import annotations

from datetime import timedelta

from hfmon.tui.app import HfmonApp
from tests.store.test_provider_points import read_sets
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, text_of


async def test_the_provider_chart_says_unknown_for_spend_made_while_hfmon_was_not_polling() -> None:
    monitor, clock = frozen_demo()
    start = clock.now()
    try:
        await monitor.poll()  # one poll, then six hours with none; the dashboard's own poll comes after them
        first = read_sets(monitor)
        clock.at = start + timedelta(hours=6)
        app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
        async with app.run_test(size=(200, 50)) as pilot:
            await settle(app, pilot)
            later = read_sets(monitor)
            moved = sorted({p for ns in later for p in later[ns]
                            if later[ns][p][0] != first.get(ns, {}).get(p, ("0",))[0]})
            assert moved  # the demo spent through these providers in the gap
            await pilot.press("2")
            await pilot.pause()
            for window in ("1h", "24h"):
                app.set_window(window)
                await pilot.pause()
                legend = text_of(app, "#providers-legend")
                # no line drawn with a dollar figure booked at the last poll: each provider is named as unknown
                assert "$" not in legend, (window, legend)
                assert legend.startswith("not drawn, unknown: "), (window, legend)
                assert set(legend.removeprefix("not drawn, unknown: ").split(", ")) >= set(moved), window
    finally:
        await monitor.aclose()
