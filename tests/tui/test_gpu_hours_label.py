"""The GPU hours by hardware beside the Jobs table are the Spaces' alone, and say so: the demo's l4x1 Job (35 min
billed) and Endpoints' GPU replicas are not in them, so "GPU hours this period" alone misled."""

from __future__ import annotations

from hfmon.tui.app import HfmonApp
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, text_of


async def test_the_compute_screens_gpu_hours_are_named_the_spaces() -> None:
    monitor, _ = frozen_demo(history=False)
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(160, 50)) as pilot:
            await settle(app, pilot)
            await pilot.press("4")
            await pilot.pause()
            shown = text_of(app, "#zerogpu")
            assert app.query_one("#zerogpu-panel").border_title == "ZeroGPU · GPU hours"
            assert "\nSpaces only, this period:\n" in shown and "\nGPU hours" not in shown
            lines = [line.split() for line in shown.splitlines()]
            # l4x1: ada-labs/rag-service's 632.7333 h alone (with the l4x1 Job's 0.5833 h it would read 633.3 h)
            assert ["l4x1", "632.7", "h"] in lines
            # a10g-small: ada/community-gpu 194.85 h + ada-labs/vision-demo 60.4833 h = 255.3333 h (the a10g-small
            # Job's 0.75 h not in it: 256.1 h)
            assert ["a10g-small", "255.3", "h"] in lines
            assert not any(line and line[0] in ("h200", "a100-large") for line in lines)  # Jobs' flavors alone
    finally:
        monitor.close()
