"""Pilot tests of the detail views: Enter on a row opens it, Esc returns to the same row."""

from __future__ import annotations

import gc
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from textual.pilot import Pilot
from textual.widgets import Static

from hfmon.costs.index import HistoryIndex
from hfmon.history import History, PollRun, StateChange
from hfmon.report import Report, SpendIn, WindowSpend
from hfmon.tui.app import HfmonApp
from hfmon.tui.screens.detail import DetailScreen
from hfmon.tui.widgets.panel import Panel
from tests.tui.builder import NOW, PERIOD_START, FakeSource, build_report
from tests.tui.test_app import app_for, row_keys, settle, table, text_of

DAY = timedelta(days=1)

# acme/llm-prod ($2.50/h a replica): 2 replicas from 3 h ago, 1 from 1 h ago; the Space slept for an hour
CHANGES = (
    StateChange("endpoint", "acme/llm-prod", NOW - timedelta(hours=3), "running", "aws/nvidia-a100/x1", 2),
    StateChange("endpoint", "acme/llm-prod", NOW - timedelta(hours=1), "running", "aws/nvidia-a100/x1", 1),
    StateChange("space", "acme/rag-demo", NOW - timedelta(hours=2), "SLEEPING", "t4-medium", 0),
    StateChange("space", "acme/rag-demo", NOW - timedelta(hours=1), "RUNNING", "t4-medium", 1),
    StateChange("space", "acme/rag-demo", NOW - timedelta(minutes=30), "RUNNING", "a10g-large", 1),
)


def with_history(now: datetime, tick: int) -> Report:
    history = History(changes=CHANGES, poll_runs=(PollRun(NOW - timedelta(hours=4), NOW, 60.0),))
    return replace(build_report(now, tick=tick), changes_of=HistoryIndex(history).changes_of)


PERIOD_DAYS = -(-(NOW - PERIOD_START) // DAY)
"""The steps of the period's spend over time: one a day, the last one (today) cut short."""


def period_line(text: str) -> str:
    """The "this period" line of a detail's spend over time."""
    return next(line for line in text.splitlines() if line.strip().startswith("this period"))


def detail_text(app: HfmonApp) -> str:
    assert isinstance(app.screen, DetailScreen)
    content = app.screen.query_one("#detail-text", Static).content
    return getattr(content, "plain", str(content))


async def open_row(app: HfmonApp, pilot: Pilot[int], screen_key: str, table_id: str, key: str) -> int:
    """Put the cursor on a row of a table and press Enter; the row's index."""
    await pilot.press(screen_key)
    await pilot.pause()
    t = table(app, table_id)
    t.focus()
    index = row_keys(t).index(key)
    t.move_cursor(row=index)
    await pilot.press("enter")
    await pilot.pause()
    return index


async def test_an_endpoint_detail_and_back_to_the_same_row() -> None:
    app = app_for(FakeSource(with_history))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        index = await open_row(app, pilot, "3", "endpoints", "acme/llm-prod")
        text = detail_text(app)
        assert "Endpoint acme/llm-prod" in text
        assert "min 1, max 4" in text and "never (min replicas > 0)" in text
        assert "$2.50/h (live catalog)" in text
        assert "billed $1,200.00 · recomputed $1,200.00" in text  # its cross-check row
        # the timeline: 2 replicas x $2.50 for 2 h, then 1 replica
        assert "running        ×2  aws/nvidia-a100/x1     $5.00/h" in text
        assert "running        ×1  aws/nvidia-a100/x1     $2.50/h" in text
        assert "hf endpoints pause llm-prod --namespace acme" in text
        assert "hf endpoints scale-to-zero llm-prod --namespace acme" in text
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DetailScreen)
        endpoints = table(app, "endpoints")
        assert endpoints.cursor_row == index and app.focused is endpoints


async def test_a_space_detail_prices_only_the_hardware_it_is_priced_on() -> None:
    app = app_for(FakeSource(with_history))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_row(app, pilot, "4", "spaces", "acme/rag-demo")
        text = detail_text(app)
        assert "Space acme/rag-demo" in text and "sleeps after          1h" in text
        assert "SLEEPING       ×0  t4-medium              $0.00/h" in text
        assert "RUNNING        ×1  t4-medium              $0.60/h" in text
        # the last 30 min on other hardware than the row's price: unknown, not $0
        assert "RUNNING        ×1  a10g-large             $/h unknown" in text
        assert "hf spaces pause acme/rag-demo" in text


async def test_a_job_detail_offers_to_cancel_only_a_running_job() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_row(app, pilot, "4", "jobs", "68f1c0ffee01")
        text = detail_text(app)
        assert "Job acme/68f1c0ffee01" in text and "flavor                h200" in text
        assert "ran                   1d 06h" in text
        assert "hf jobs cancel 68f1c0ffee01 --namespace acme" in text
        await pilot.press("escape")
        await open_row(app, pilot, "4", "jobs", "68f1c0ffee02")
        assert "hf jobs cancel" not in detail_text(app)


async def test_a_provider_detail() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_row(app, pilot, "2", "providers", "together")
        text = detail_text(app)
        assert "Provider together" in text and "spend this period     $9.80" in text
        assert "requests              21,004" in text
        assert "per 1k requests       $0.47" in text  # 9.80 * 1000 / 21,004
        # 9.80 of the 23.86 known: bigcorp's billing is unreadable, so a share of what is known
        assert "share of inference    41% of what is known" in text
        # over time: the period's days as the polls saw them; the first three have no history, so they are
        # unknown (·) and the total only a lower bound, never $0 for them
        over, days = period_line(text), PERIOD_DAYS
        assert "this period    at least $6.30  a bar per 1d" in over
        spark = over.split()[-1]
        assert len(spark) == days and spark[:3] == "···" and "·" not in spark[3:] and spark[-1] == "█"
        assert "its spend unknown, not $0" in text


async def test_a_model_detail_shows_its_row_and_its_spend_over_time() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_row(app, pilot, "2", "models", "meta-llama/Llama-3.3-70B-Instruct")
        text = detail_text(app)
        assert "Model meta-llama/Llama-3.3-70B-Instruct · requests through hfmon proxy this period" in text
        assert "Requests              1,840" in text and "Settled               at least $1.18" in text
        over, days = period_line(text), PERIOD_DAYS
        assert over.split()[2:5] == ["$1.21", "1,840", "requests"]  # 1.205040, rounded to the cent
        spark = over.split()[5]
        assert len(spark) == days and "·" not in spark and spark[-1] == "█"  # rising towards now
        await pilot.press("escape")
        await pilot.pause()
        await open_row(app, pilot, "2", "models", "google/gemma-3-27b-it")
        text = detail_text(app)
        over, days = period_line(text), PERIOD_DAYS
        # no price for it through featherless-ai: unknown in every step, never $0
        assert over.split()[2:6] == ["unpriced", "310", "requests", "·" * days] and "$0" not in over
        assert "its estimate unknown, not $0" in text


async def test_a_namespace_detail_from_the_overview() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_row(app, pilot, "1", "spend", "acme")
        text = detail_text(app)
        assert "Namespace acme · team" in text
        assert "Endpoints             $1,614.00" in text
        assert "total                 $2,639.62" in text  # 22.12 + 1614 + 816 + 150 + 37.50 + 0
        assert "spending limit        $400.00" in text


async def test_any_other_row_shows_every_column_whole() -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await pilot.pause()
        repos = table(app, "repos")
        key = row_keys(repos)[0]
        await open_row(app, pilot, "5", "repos", key)
        text = detail_text(app)
        assert key.partition(":")[2] in text and "Visibility" in text and "Share" in text


async def test_an_open_detail_follows_the_next_poll() -> None:
    app = app_for(FakeSource(step_s=60))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_row(app, pilot, "2", "providers", "together")
        assert "$9.80" in detail_text(app)
        await pilot.press("r")
        await settle(app, pilot)
        assert "$9.90" in detail_text(app)  # the second poll adds $0.10 to together


def with_windows(now: datetime, tick: int) -> Report:
    """alice: $3.00 in the last 24 h (inference 1.00, Spaces 2.00) against $2.00 before; acme: Endpoints unknown."""
    d = Decimal
    alice = WindowSpend("alice", "24h", SpendIn(now - DAY, now, d("1.00"), d(0), d("2.00"), d(0)),
                        SpendIn(now - 2 * DAY, now - DAY, d("0.50"), d(0), d("1.50"), d(0)))
    acme = WindowSpend("acme", "24h", SpendIn(now - DAY, now, d("4.00"), None, d("6.00"), d(0)),
                       SpendIn(now - 2 * DAY, now - DAY, None, None, None, None))
    return replace(build_report(now, tick=tick), windows=(alice, acme))


async def test_the_window_key_rescopes_the_top_bar_and_the_spend_table() -> None:
    app = app_for(FakeSource(with_windows))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert "24h" not in text_of(app, "#topbar")
        await pilot.press("w", "w")  # this period → last hour (none here) → last 24 h
        await pilot.pause()
        assert app.window == "24h"
        # alice 3.00 + acme's known 10.00; acme's endpoints are unknown, so the whole is partial
        assert "24h at least $13.00" in text_of(app, "#topbar")
        spend = table(app, "spend")
        assert spend.get_cell("alice", "total").cell.plain == "$3.00"
        assert spend.get_cell("alice", "invoice").cell.plain == "+50% vs before"  # 3.00 against 2.00
        assert spend.get_cell("acme", "endpoints").cell.plain == "unknown"
        assert spend.get_cell("acme", "total").cell.plain == "at least $10.00"
        assert spend.get_cell("acme", "invoice").cell.plain == "— vs before"
        assert "last 24 h" in str(app.query_one("#spend-panel", Panel).border_title)
        await pilot.press("n")  # alice only: her own figure, with its trend
        await pilot.pause()
        assert "24h $3.00 +50%" in text_of(app, "#topbar")
        await pilot.press("w", "w", "w")  # 7 d, 30 d, back to this period
        await pilot.pause()
        # billed this period again: 1.74 + 9.35 + 44.80 + 1.51, storage unread
        assert app.window == "period" and spend.get_cell("alice", "total").cell.plain == "at least $57.40"


async def test_opening_a_detail_leaves_the_garbage_collector_on() -> None:
    """The collector is paused for the screen switch only (so a full collection does not delay the first paint)."""
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert gc.isenabled()
        await open_row(app, pilot, "3", "endpoints", "acme/llm-prod")
        assert isinstance(app.screen, DetailScreen) and gc.isenabled()


def many_states(now: datetime, tick: int) -> Report:
    """acme/llm-prod changed 15 times, an hour apart: 1 replica, then 2, then 1, … (the last at NOW - 1 h)."""
    changes = tuple(StateChange("endpoint", "acme/llm-prod", NOW - timedelta(hours=15 - h), "running",
                                "aws/nvidia-a100/x1", 1 + h % 2) for h in range(15))
    history = History(changes=changes, poll_runs=(PollRun(NOW - timedelta(hours=16), NOW, 60.0),))
    return replace(build_report(now, tick=tick), changes_of=HistoryIndex(history).changes_of)


async def test_a_long_timeline_lists_the_last_twelve_states_priced_and_counts_the_rest() -> None:
    app = app_for(FakeSource(many_states))
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(app, pilot)
        await open_row(app, pilot, "3", "endpoints", "acme/llm-prod")
        lines = detail_text(app).splitlines()
        at = next(i for i, line in enumerate(lines) if "earlier state" in line)
        assert lines[at].strip() == "… 3 earlier states"
        shown = lines[at + 1:at + 13]
        # states 4 to 15 (h = 3 … 14): an odd h has 2 replicas at $2.50 each; the newest lasts until now (1 h)
        assert [("×2" in line, line.rstrip().endswith("$5.00/h" if "×2" in line else "$2.50/h")) for line in shown] \
            == [(h % 2 == 1, True) for h in range(3, 15)]
        assert sum("running " in line for line in lines) == 12


async def test_a_detail_opened_again_shows_the_new_row_from_its_top() -> None:
    app = app_for(FakeSource(many_states))
    async with app.run_test(size=(120, 20)) as pilot:
        await settle(app, pilot)
        await open_row(app, pilot, "3", "endpoints", "acme/llm-prod")
        assert "Endpoint acme/llm-prod" in detail_text(app)
        scroll = app.screen.query_one("#detail")
        await pilot.press("end")
        await pilot.pause()
        assert scroll.scroll_y > 0 and app.focused is scroll
        await pilot.press("escape")
        await pilot.pause()
        await open_row(app, pilot, "4", "spaces", "acme/rag-demo")
        text = detail_text(app)
        assert "Space acme/rag-demo" in text and "llm-prod" not in text
        assert app.screen.query_one("#detail").scroll_y == 0 and app.focused is app.screen.query_one("#detail")
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, DetailScreen) and app.focused is table(app, "spaces")


def test_a_job_that_exposes_ports_says_what_they_add_to_its_price() -> None:
    from hfmon.tui.details import job_detail

    report = build_report()
    row = next(r for r in report.jobs if r.job.id == "68f1c0ffee01")
    exposed = replace(row, job=replace(row.job, exposed_ports=(8888, 6006)))
    text = job_detail(report, exposed, PERIOD_START, {}).plain
    assert "exposed ports         8888, 6006: $0.01/h of its price (per job)" in text  # HF bills it per job
    assert "exposed ports" not in job_detail(report, row, PERIOD_START, {}).plain
    odd = replace(row, job=replace(row.job, exposed_ports=(8888, None)))  # HF sent 6006.5: which port is unknown
    assert ("exposed ports         8888, —: $0.01/h of its price (per job); —: a port number HF sent with a fraction"
            in job_detail(report, odd, PERIOD_START, {}).plain)
