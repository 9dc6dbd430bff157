"""What a user sees on a small terminal: the figures stay on screen, long names give way; the next poll's time."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal as D

import pytest
from textual.widgets.data_table import RowKey

from hfmon.report import CheckStatus, CrossCheck, Report
from hfmon.tui.app import HfmonApp
from tests.tui.builder import FakeSource, build_report
from tests.tui.test_app import app_for, settle, table, text_of

LONG = CrossCheck("job e740e8ee1ad26c0c8dcddc52 a100-large minutes vs history", D("12.40"), D("0.40"), D("12.00"),
                  CheckStatus.DRIFT, "billed 10 min, history shows 5 min (poll lag allows 2)")


def with_long_check(now: datetime, tick: int) -> Report:
    """The hand-built report with a cross-check item far wider than 80 columns allow (the largest drift: first)."""
    report = build_report(now, tick=tick)
    return replace(report, crosscheck=(LONG, *report.crosscheck))


def header(app: HfmonApp, table_id: str) -> str:
    """The header row exactly as drawn: only what fits in the table's width, scrolled fully left."""
    return table(app, table_id).render_line(0).text


async def show(app: HfmonApp, pilot: object, key: str) -> None:
    """Switch screens and let the tables take their size."""
    await pilot.press(key)  # type: ignore[attr-defined]
    for _ in range(3):
        await pilot.pause()  # type: ignore[attr-defined]


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_crosscheck_money_columns_are_on_screen_and_the_cursor_row_is_shown_in_full(
        size: tuple[int, int]) -> None:
    app = app_for(FakeSource(with_long_check))
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        await show(app, pilot, "6")
        head = header(app, "checks")
        for label in ("Status", "Kind", "Subject", "Billed", "Recomputed", "Δ"):
            assert label in head, (label, head)
        first = table(app, "checks").render_line(1).text
        assert "DRIFT" in first and "history" in first and "job e740" in first and "+$12.00" in first
        if size[0] == 80:
            assert "…" in first and "a100-large" not in first  # the subject is cut in the table…
        detail = text_of(app, "#check-detail")  # …and whole on the detail line, with the note
        assert LONG.item in detail and "history shows 5 min" in detail
        await pilot.press("down")
        await pilot.pause()
        assert LONG.item not in text_of(app, "#check-detail")


@pytest.mark.parametrize("size", [(80, 24), (100, 30)])
async def test_every_screen_shows_the_figures_a_user_acts_on_without_scrolling(size: tuple[int, int]) -> None:
    app = app_for()
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        wanted = {"3": {"endpoints": ("Endpoint", "State", "$/h now", "Billed", "Recomputed", "Δ")},
                  "4": {"spaces": ("Space", "Stage", "Hardware", "$/h now", "Billed"),
                        "jobs": ("Job", "Stage", "$/h now", "Billed")},
                  "2": {"providers": ("Provider", "Requests", "Cost", "Share")},
                  "5": {"repos": ("Repo", "Type", "Size", "Downloads", "Share", "Likes")}}
        for key, tables in wanted.items():
            await show(app, pilot, key)
            for table_id, labels in tables.items():
                head = header(app, table_id)
                assert all(label in head for label in labels), (size, table_id, head)
        # the least important columns give way first
        await show(app, pilot, "3")
        if size[0] == 80:
            assert "Priced by" not in header(app, "endpoints")


async def test_the_meter_counts_what_is_billed_now_and_says_which_have_no_price() -> None:
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        report = app.report
        assert report is not None
        costs = [r.cost for r in (*report.endpoints, *report.spaces, *report.jobs)]
        billed = sum(1 for c in costs if c.billed_now)
        no_price = sum(1 for c in costs if c.billed_now and c.cost_per_hour_usd is None)
        assert no_price  # the hand-built report runs unpriced hardware
        meter = text_of(app, "#meter")
        assert f"{billed} resources billed now" in meter
        assert f"not in it: {no_price} unpriced" in meter
        priced = sum((c.cost_per_hour_usd or 0 for c in costs if c.billed_now), D(0))
        assert meter.startswith(f"at least ${priced:,.2f}/h")  # partial: the priced part is only a lower bound
        assert f"now at least ${priced:,.2f}/h" in text_of(app, "#topbar")  # the same rate as the top bar


async def test_a_rate_limit_wait_outlasts_an_interval_change_and_the_status_bar_says_when() -> None:
    source = FakeSource()
    source.wait_s = 301.0  # the poll left too little of the rate-limit window for another
    clock = [1000.0]  # the app's monotonic clock, moved only by this test
    app = HfmonApp(source, interval_s=60, tick_s=3600, monotonic=lambda: clock[0])
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        bar = text_of(app, "#statusbar")
        assert "waiting for the rate limit until 20:05:01 UTC" in bar and "next poll in 5m" in bar  # 20:00 + 301 s
        assert "live" not in bar and "every" not in bar  # never "live" while it waits
        await pilot.press("i")  # 60 s -> 120 s: still shorter than the wait
        await pilot.pause()
        assert app.interval_s == 120
        assert app.armed_s == 301
        assert "waiting for the rate limit" in text_of(app, "#statusbar")
        clock[0] += 120  # two minutes into the wait: pausing and resuming re-arms only what is left of it
        await pilot.press("p", "p")
        await pilot.pause()
        assert source.polls == 1 and app.armed_s == 181
        assert "next poll in 3m" in text_of(app, "#statusbar")
        clock[0] += 181  # the wait is over: the plain interval again
        assert app.rate_limit_left() is None
        source.wait_s = 0.0
        await pilot.press("r")
        await settle(app, pilot)
        bar = text_of(app, "#statusbar")
        assert "every 2m" in bar and "rate limit" not in bar


async def test_what_to_do_about_a_source_wraps_instead_of_running_off_an_80_column_screen() -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        sources = table(app, "sources")
        for _ in range(3):
            await pilot.pause()
        assert sources.rows[RowKey("billing:bigcorp")].height >= 2
        drawn = " ".join(sources.render_line(y).text.strip(" │") for y in range(sources.size.height))
        assert "'Read billing usage' for that" in " ".join(drawn.split())  # the advice's end is on screen
        assert "403 Forbidden" not in drawn  # the raw error stays in its toast and --json
