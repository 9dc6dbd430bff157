"""The Overview's spend-window table (`w`) at 80×24: its figures on screen, what it leaves out said under it, whole
(audit 10 G1: its "not in it" row set the names' column to its length, every figure column went out of view)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hfmon.fakehub import demo_scenario
from hfmon.tui.app import HfmonApp
from hfmon.tui.widgets.panel import Panel
from hfmon.tui.widgets.table import KeyedTable
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, text_of
from tests.tui.test_small_terminal import inside, screen_text


async def test_the_last_hours_table_shows_its_figures_and_says_what_it_leaves_out_under_it() -> None:
    """The demo at its start with an empty history: the last hour's inference is HF's own window figure, the other
    products unknown (no history yet), and northwind's inference (its billing refused), which the sentence under the
    table says."""
    monitor, clock = frozen_demo(history=True, scenario=demo_scenario(seed=7, discrepancies=False))
    hub = monitor.collector.client.fake
    now = clock.now()
    nano = hub.traffic.totals("ada", now - timedelta(hours=1), now, now).used_nano_usd
    ada_inference = f"${Decimal(nano) / 10**9:.2f}"  # the fake's traffic, settled and pending, [14:00, 15:00)
    assert ada_inference == "$0.05"
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            app.clear_notifications()
            await pilot.press("w")  # this period -> the last hour
            panel = app.query_one("#spend-panel", Panel)
            panel.scroll_visible(animate=False, top=True)
            for _ in range(3):
                await pilot.pause()
            drawn = inside(screen_text(app), panel)
            header, *rows = drawn[1:5]
            assert header.split()[:4] == ["│", "Namespace", "Total", "▼"]  # the Total next to the names
            (ada,) = [row for row in rows if row.split()[1:2] == ["ada"]]
            assert f"at least {ada_inference}" in ada and ada.split()[4] == ada_inference  # total, Inference
            assert not any("not in it" in row for row in rows)  # no table row for it
            why = " ".join(text_of(app, "#spend-why").split())
            assert why.startswith("not in it: history unread (ada, ada-labs)")
            assert "usage, history unread (northwind)" in why  # its billing refused: its inference for that
            assert any(line.startswith("│ not in it: history unread") for line in drawn)  # under the table
    finally:
        monitor.close()


async def test_the_periods_table_says_why_its_inference_is_unknown_when_hf_counts_it_over_another_period() -> None:
    """Audit 10 G6: usage-v2 counting Inference Providers from the 15th (the fake's usage_period_day) while the
    statement's period began on the 1st: the Inference column is "—" for both namespaces, and now says why."""
    scenario = replace(demo_scenario(seed=7), usage_period_day=15)
    monitor, _ = frozen_demo(datetime(2026, 11, 18, 15, 0, tzinfo=UTC), history=False, scenario=scenario)
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            spend = app.query_one("#spend", KeyedTable)
            assert {spend.get_cell(ns, "inference").cell.plain for ns in ("ada", "ada-labs")} == {"—"}
            why = " ".join(text_of(app, "#spend-why").split())
            assert why == "not in it: inference, counted over another period: see Credits (ada, ada-labs)"
    finally:
        monitor.close()
