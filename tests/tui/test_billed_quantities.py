"""The dashboard over the real demo pipeline says what a statement's quantity is: an Endpoint's billed hours are
replica-hours, a ZeroGPU Space's one line is GPU time over the quota (not hosting)."""

from __future__ import annotations

from hfmon.fakehub import demo_scenario
from hfmon.tui.app import HfmonApp
from tests.costs import scenario_expect as expect
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, table
from tests.tui.test_details import detail_text, open_row


async def test_an_endpoint_is_billed_replica_hours_and_a_zero_gpu_space_gpu_minutes_over_its_quota() -> None:
    scn = demo_scenario()
    qwen = expect.endpoints(scn, scn.start)["ada-labs/qwen-prod"]
    # 54,997 replica-minutes (two replicas for much of its 423 h running, and 37 minutes the fake bills beyond its
    # timeline): 916.6 replica-hours, which the detail read as "916.6 h"
    assert (qwen.minutes, qwen.billed_seconds // 3600) == (54_997, 423)
    monitor, _ = frozen_demo(history=False)
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(160, 40)) as pilot:
            await settle(app, pilot)
            await open_row(app, pilot, "3", "endpoints", "ada-labs/qwen-prod")
            text = detail_text(app)
            assert " for 916.6 replica-hours" in text and "916.6 h" not in text
            await pilot.press("escape")
            await pilot.pause()
            headers = [str(c.label) for c in table(app, "endpoints").columns.values()]
            assert "Billed replica-h" in headers and "Billed h" not in headers
            await open_row(app, pilot, "4", "spaces", "ada/chat-demo")
            text = detail_text(app)
            # 12 + 18 GPU-minutes over the quota at $1 per 10 min: $3.00, billed and recomputed (no drift); ZeroGPU
            # hosting is not billed: 0 replica-hours
            assert "billed this period    $3.00 for 0.0 replica-hours" in text
            assert "recomputed            $3.00" in text
            assert "ZeroGPU GPU-minutes over the daily quota, not hosting time" in text
            assert "DRIFT" not in text
    finally:
        await monitor.aclose()
