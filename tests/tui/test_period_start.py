"""The dashboard at a billing period's first instants, over the real demo pipeline (fake Hub → collect → history →
evaluate) frozen on Dec 1: the credits card and the burn-down legend say why there is no rate yet, and what the
chart's straight line stands for."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hfmon.fakehub import demo_scenario
from hfmon.tui.app import HfmonApp
from tests.tui.demo import frozen_demo, warm
from tests.tui.test_app import settle, text_of

DEC_1 = datetime(2026, 12, 1, tzinfo=UTC)
TOO_EARLY = "too early in the period: under 4 h of spend to measure"


async def test_two_hours_in_the_credits_card_says_why_the_projection_is_unknown() -> None:
    monitor, _ = frozen_demo(DEC_1 + timedelta(hours=2), history=False, scenario=demo_scenario(seed=7))
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        card = " ".join(text_of(app, "#credits").split())
        # was "→ unknown by Jan 1 at unknown/day since Dec 1", with no word of why
        assert f"ada $0.09 of $2.00 incl. 5% → unknown by Jan 1 (rate unknown: {TOO_EARLY})" in card
        assert "unknown/day" not in card
        legend = " ".join(text_of(app, "#legend").split())
        assert f"projected unknown rate unknown: {TOO_EARLY}" in legend


async def test_at_the_first_instant_with_last_months_history_the_chart_says_none_is_of_this_period() -> None:
    monitor, clock = frozen_demo(DEC_1, scenario=demo_scenario(seed=7))
    await warm(monitor, clock, days=0.25, step_h=2.0)  # Nov 30 18:00, 20:00, 22:00: last period's points
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        legend = " ".join(text_of(app, "#legend").split())
        # was "used (no history yet: straight from the 1st)", with three points of history in the file
        assert legend.startswith("· used (no history of this period yet: straight from Dec 1) $0.00")
