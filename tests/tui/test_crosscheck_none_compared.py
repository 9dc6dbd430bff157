"""The Cross-check screen with a token that may read no billing: no row compared, so no "0 drift · 0 unpriced ·
0 pending · 0 ok" (an all clear, over an Unpriced panel listing one), but what the text output says (audit 10 G11)."""

from __future__ import annotations

import pytest

from hfmon.fakehub import NO_BILLING_TOKEN, demo_scenario
from hfmon.tui.app import HfmonApp
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, text_of


async def test_no_billing_read_says_none_compared_not_zero_counts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("tests.tui.demo.FULL_TOKEN", NO_BILLING_TOKEN)  # a fine-grained token without billing read
    monitor, _ = frozen_demo(history=False, scenario=demo_scenario(seed=7))
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await pilot.press("6")
            await pilot.pause()
            summary = text_of(app, "#check-summary")
            assert summary.splitlines()[0] == "Billed vs recomputed: none in what was read"  # as `hfmon --once`
            assert "0 unpriced" not in summary and "0 ok" not in summary
            assert summary.splitlines()[1].startswith("not compared: ")
            assert "ada-labs/video-gen" in text_of(app, "#unpriced")  # the panel below still lists it
    finally:
        monitor.close()
