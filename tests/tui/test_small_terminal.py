"""What a user reads on the smallest terminal the README promises (80×24) and on a big one (200×50), screen by
screen, as drawn: titles whole, lines cut only with a sign of what is left out, no scrollbar standing in for a
column or two."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from rich.console import Console
from textual.pilot import Pilot
from textual.widget import Widget

from hfmon import format as fmt
from hfmon.tui.app import HfmonApp
from hfmon.tui.widgets.panel import Panel
from tests.tui.demo import frozen_demo, warm
from tests.tui.test_app import app_for, settle, table, text_of


def screen_text(app: HfmonApp) -> list[str]:
    """The terminal's lines as a user reads them now (what `export_screenshot` draws, as plain text)."""
    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, color_system=None,
                      record=True, legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text(styles=False).splitlines()


def inside(drawn: list[str], widget: Widget) -> list[str]:
    """The lines of `drawn` within a widget's region (its border included)."""
    r = widget.region
    return [line[r.x:r.right] for line in drawn[r.y:r.bottom]]


@asynccontextmanager
async def demo_at(size: tuple[int, int], key: str) -> AsyncIterator[tuple[HfmonApp, Pilot[int]]]:
    """The `--demo` pipeline on a frozen clock, at `size`, on the screen of `key`."""
    monitor, _ = frozen_demo(history=False)
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=size) as pilot:
            await settle(app, pilot)
            app.clear_notifications()  # the first poll's toasts would cover the right of the screen
            await pilot.press(key)
            for _ in range(3):
                await pilot.pause()
            yield app, pilot
    finally:
        monitor.close()


def gpu_line(hardware: str, hours: object) -> re.Pattern[str]:
    """A GPU hours line of the ZeroGPU card as drawn: the hardware, then its hours."""
    return re.compile(rf"│\s+{re.escape(hardware)}\s+{re.escape(fmt.hours(hours))}\s")  # type: ignore[arg-type]


async def test_the_zerogpu_card_shows_its_whole_title_and_every_gpu_line_or_how_many_are_left_out() -> None:
    for size in ((80, 24), (200, 50)):
        async with demo_at(size, "4") as (app, _):
            drawn = inside(screen_text(app), app.query_one("#zerogpu-panel"))
            report = app.report
            assert report is not None and len(report.gpu_hours_by_hardware) == 5  # the demo's five
            assert drawn[0].startswith("╭─ ZeroGPU · GPU hours ─"), drawn  # not "ZeroGPU · Spaces GPU …"
            assert any("│ Spaces only, this period:" in line for line in drawn)  # whose hours, on one line
            shown = [hw for hw, hours in report.gpu_hours_by_hardware
                     if any(gpu_line(hw, hours).search(line) for line in drawn)]
            more = [m for line in drawn if (m := re.search(r"│\s+\+(\d+) more\s", line))]
            if size == (80, 24):
                # 10 rows: the quota's 3, the heading, 3 of the 5 (the most hours first), "+2 more", the note's 2
                assert len(shown) == 3 and [int(m[1]) for m in more] == [2], drawn
                most = sorted(report.gpu_hours_by_hardware, key=lambda line: line[1], reverse=True)
                assert shown == [hw for hw, _ in report.gpu_hours_by_hardware if hw in {h for h, _ in most[:3]}]
            else:
                assert len(shown) == 5 and not more, drawn
            text = " ".join(" ".join(line.strip("│╭╮╰╯─").split()) for line in drawn)
            assert "not in it: statement unread (northwind)" in text  # why the hours are partial, whole


async def test_the_overview_at_80x24_has_a_thin_scrollbar_and_names_the_billed_column_out_of_view() -> None:
    async with demo_at((80, 24), "1") as (app, pilot):
        drawn = screen_text(app)
        credits = app.query_one("#credits-panel", Panel)
        assert credits.region.right == 79  # one column for the screen's scrollbar, not two
        assert re.search(r"│ Namespace\s+Total ▼\s+Inference\s+Endpoints\s+Spaces\s+Jobs\s+Storage\s+Other\s+│",
                         "\n".join(drawn)), drawn  # every product, Other's right edge included
        spend = table(app, "spend")
        top = spend.region.y
        rows = [drawn[top + 1 + i] for i in range(spend.row_count)]
        assert [r.split()[1] for r in rows] == ["ada-labs", "ada"]
        below = drawn[top + 1 + spend.row_count]
        # the panel's border right under the rows (a scrollbar row there was a blank bar with a stray "▏"),
        # naming the column out of view
        assert below.startswith("╰") and "2 namespaces · Invoice →" in below, below
        assert "▏" not in "".join(drawn[:-1])  # the footer's own separator aside
        spend.focus()
        await pilot.press(*["right"] * spend.max_scroll_x)  # a cell a press
        await pilot.pause()
        assert spend.max_scroll_x and spend.scroll_x == spend.max_scroll_x
        drawn = screen_text(app)
        assert "none issued yet" in drawn[top + 1]  # → scrolls to it
        assert "← " in drawn[top + 1 + spend.row_count] and "Invoice →" not in drawn[top + 1 + spend.row_count]


async def test_a_cut_totals_name_leaves_what_plus_means_and_the_columns_out_of_view_in_the_border() -> None:
    async with demo_at((80, 24), "3") as (app, pilot):
        endpoints = table(app, "endpoints")
        drawn = inside(screen_text(app), app.query_one("#endpoints-panel"))
        total = next(line for line in drawn if line.startswith("│ Total of 8"))
        assert "(+: at least)" not in total and re.search(r"\$[\d,.]+\+ ", total), total  # cut, and a "+" total
        assert drawn[-1].endswith("8 endpoints · +: at least · 6 more columns → ─╯"), drawn[-1]
        endpoints.focus()
        await pilot.press(*["right"] * endpoints.max_scroll_x)
        await pilot.pause()
        bottom = inside(screen_text(app), app.query_one("#endpoints-panel"))[-1]
        assert "more columns →" not in bottom and "← " in bottom, bottom  # scrolled to the last column


async def test_where_the_border_is_short_the_columns_hint_gives_way_then_the_badge_shortens_never_cut() -> None:
    app = app_for()  # the hand-built report: bigcorp's billing unread, a longer badge than the demo's
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        app.clear_notifications()
        await pilot.pause()
        bottom = inside(screen_text(app), app.query_one("#spend-panel"))[-1]
        # the whole badge, the row count, and an arrow for the columns out of view ("2 more columns →" did not fit)
        assert bottom.endswith("─ 2 namespaces · → · ⚠ NO ACCESS bigcorp (billing, statement) ─╯"), bottom
        # a 28-cell card: the badge without its source names (was "⚠ STALE 7m acme (endp…"), whole
        meter = inside(screen_text(app), app.query_one("#meter-panel"))[-1]
        assert meter.endswith("─ ⚠ STALE 7m acme ─╯"), meter


def card_rows(app: HfmonApp, panel: str) -> list[str]:
    """A card's rows as drawn, without its border."""
    return [line[2:-1].rstrip() for line in inside(screen_text(app), app.query_one(panel))[1:-1]]


async def test_the_overview_cards_break_lines_between_phrases_never_inside_one() -> None:
    """At 80×24 the credits card read "→ $3.87 by Dec 1 at $0.17/day over 1d 01h to" / "Nov 18 15:00" (a time cut
    from its words, under the card's edge); at 200×50 the Account card read "northwind  enterprise · write · no
    billing" / "access"; at 80 the Advisor's line ended "(12 findings, 2 of un…"."""
    async with demo_at((80, 24), "1") as (app, _):
        credits = card_rows(app, "#credits-panel")
        advice = screen_text(app)[app.query_one("#advice-line").region.y]
    money = r"\$[\d,]+\.\d\d"
    assert [re.sub(money, "$", row) for row in credits[:4]] == [
        "ada $ of $ incl. 91%", "  → $ by Dec 1 at $/day", "    over 1d 01h to Nov 18 15:00",
        "  out Nov 19 16:37 · pending unknown"], credits
    assert "northwind no billing access" in credits
    assert advice.rstrip().endswith("of savings found …") and "un…" not in advice, advice
    assert advice.strip().startswith("Advisor (7): At least $"), advice
    async with demo_at((200, 50), "1") as (app, _):
        account = card_rows(app, "#account-panel")
        credits = card_rows(app, "#credits-panel")
        advice = screen_text(app)[app.query_one("#advice-line").region.y]
    assert account[-2:] == ["northwind  enterprise · write", "  no billing access"], account
    assert re.fullmatch(rf"  → {money} by Dec 1 at {money}/day over 1d 01h to Nov 18 15:00", credits[1]), credits
    assert re.search(r"of savings found \(\d+ findings, \d of unknown size\)\s*$", advice), advice  # whole


async def test_the_burn_down_legend_and_the_flags_not_checked_break_between_phrases() -> None:
    """At 80×24 the legend read "period ends in 12.4" / "days (Dec 1)" and the Flags card's "not checked" list
    "(not watched Nov 18 09:00 UTC to Nov" / "18 15:00 UTC)": a figure cut from its unit, a time cut in two."""
    monitor, clock = frozen_demo()
    await warm(monitor, clock, days=0.5, step_h=6)  # polls from 09:00: the GPU idle checks were not watched before
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            legend, flags = text_of(app, "#legend").splitlines(), text_of(app, "#flags").splitlines()
            width = app.query_one("#flags").content_size.width
    finally:
        monitor.close()
    assert all(len(row) <= width for row in legend), legend
    assert any(re.fullmatch(r"│ Nov 18 · period ends in \d+\.\d days \(Dec 1\)", row.strip()) for row in legend), legend
    unchecked = flags[next(i for i, row in enumerate(flags) if row.startswith("not checked:")):]
    assert all(len(row) <= width for row in unchecked), unchecked
    assert unchecked.count("(not watched Nov 18 09:00 UTC to Nov 18 15:00 UTC),") == 3, unchecked  # each whole
    assert unchecked[-2:] == ["idle_gpu:ada-labs/video-gen", "(not watched Nov 18 09:00 UTC to Nov 18 15:00 UTC)"]




@pytest.mark.parametrize(("key", "panel", "table_id", "whole"), [
    ("1", "#spenders-panel", "spenders", "not in it: statement, usage unread (northwind)"),
    ("3", "#endpoints-panel", "endpoints", "not listed: unknown"),
    ("5", "#repos-panel", "repos", None)])
async def test_what_a_table_leaves_out_is_read_whole_and_no_column_shows_in_part(
        key: str, panel: str, table_id: str, whole: str | None) -> None:
    """At 80 columns the remainder row's name wraps whole under the table's first column (it read "not in it:
    statement, usage unread (northwi…" and "not listed: unkno…"), and a column that would show in part goes out of
    view whole (the Repositories table read "Chan" over "Nov ")."""
    async with demo_at((80, 50), key) as (app, _pilot):
        drawn = [line[2:-1] for line in inside(screen_text(app), app.query_one(panel))[1:-1]]
        header = [text.removesuffix(" ▼").removesuffix(" ▲") for text in re.split(r"\s{2,}", drawn[0].strip())]
        assert header == [c.label for c in table(app, table_id).spec][:len(header)], header  # none cut
        if whole is not None:
            first = [re.split(r"\s{2,}", line.strip())[0] for line in drawn[1:]]
            at = next((i for i, text in enumerate(first) if text and whole.startswith(text)), None)
            assert at is not None and whole in (first[at], f"{first[at]} {first[at + 1]}"), first


async def test_a_flag_and_a_findings_command_go_on_under_their_indent_never_from_the_first_column() -> None:
    """At 80 columns a flag's message went on in the card's first column ("replica is above 0" under "WARN"), and
    the Advisor's command did too ("--scale-to-zero-timeout 15" under "hf"), as if each were a line of its own."""
    async with demo_at((80, 24), "1") as (app, _):
        flags = text_of(app, "#flags").splitlines()  # laid out at the card's width (below the fold at 80×24)
    marks = tuple(f"{mark:<4} " for mark in fmt.SEVERITY_MARKS.values())
    rows = flags[:next((i for i, row in enumerate(flags) if row.startswith(("not checked", "No flags"))), len(flags))]
    assert rows and all(row.startswith((*marks, " " * 5)) for row in rows), flags
    assert any(row.startswith(" " * 5) for row in rows), flags  # at 80 columns some flag takes two rows
    async with demo_at((80, 40), "7") as (app, _):
        detail = card_rows(app, "#advice-detail-panel")
        assert app.report is not None and app.report.advice is not None
        shown = next(f for f in app.report.advice.findings if detail[0].startswith(f"{f.resource}: "))
    at = next(i for i, row in enumerate(detail) if row.startswith("hf   "))
    assert detail[at + 1].startswith(" " * 5) and detail[at + 1][5] != " ", detail  # its flags went on under it
    assert f"{detail[at]} {detail[at + 1].strip()}" == f"hf   {shown.apply.cli}", detail
