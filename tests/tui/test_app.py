"""Pilot tests of the dashboard: loading, navigation, refresh, stale and failing sources, namespaces, export."""

from __future__ import annotations

import asyncio
import json
from dataclasses import replace
from datetime import datetime
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent

from hfmon.errors import AuthError
from hfmon.models import SourceStatus
from hfmon.report import Report, SourceState
from hfmon.tui.app import HfmonApp
from hfmon.tui.widgets.cells import PINNED_KEYS
from hfmon.tui.widgets.panel import Panel
from hfmon.tui.widgets.table import KeyedTable
from tests.tui.builder import FakeSource, build_report, with_sources
from tests.tui.toasts import toasts_raised


class GatedSource(FakeSource):
    """A source whose polls wait until the test opens the gate."""

    def __init__(self) -> None:
        super().__init__()
        self.gate = asyncio.Event()

    async def poll(self) -> Report:
        await self.gate.wait()
        return await super().poll()


def text_of(app: HfmonApp, selector: str) -> str:
    """The plain text a Static shows."""
    content = app.query_one(selector, Static).content
    return getattr(content, "plain", str(content))


def messages(app: HfmonApp) -> list[str]:
    """Title and body of every toast shown so far (recorded as raised: Textual expires toasts on the wall clock)."""
    return toasts_raised(app)


def table(app: HfmonApp, table_id: str) -> KeyedTable:
    """A table by id."""
    return app.query_one(f"#{table_id}", KeyedTable)


def row_keys(t: KeyedTable) -> list[str]:
    """Row keys in display order, the remainder and totals rows left out (tests/tui/test_totals.py checks them)."""
    return [k for k in all_row_keys(t) if k not in PINNED_KEYS]


def all_row_keys(t: KeyedTable) -> list[str]:
    """Row keys in display order."""
    return [str(t.coordinate_to_cell_key((i, 0)).row_key.value) for i in range(t.row_count)]


async def settle(app: HfmonApp, pilot: Pilot[int]) -> None:
    """Let the poll worker finish and its message be handled."""
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.pause()


def app_for(source: FakeSource | None = None, **kwargs: object) -> HfmonApp:
    """An app that only polls when the test asks (long interval, no ticking)."""
    return HfmonApp(source or FakeSource(), interval_s=3600, tick_s=3600, **kwargs)  # type: ignore[arg-type]


async def test_loading_state_shows_no_figures_until_the_first_report() -> None:
    source = GatedSource()
    app = app_for(source)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert app.screen.has_class("-loading")
        assert not app.query_one("#view-overview .body").display
        assert "first poll" in text_of(app, "#view-overview .loading-note")
        assert "$" not in text_of(app, "#topbar")
        source.gate.set()
        await settle(app, pilot)
        assert not app.screen.has_class("-loading")
        assert "$1.74 of $2.00" in text_of(app, "#credits")
        assert "now at least $14.70/h" in text_of(app, "#topbar")  # two resources billed now have no price


async def test_number_keys_switch_screens_and_question_mark_opens_help() -> None:
    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        tabs = app.query_one("#tabs", TabbedContent)
        for key, sid in zip("261", ("inference", "crosscheck", "overview"), strict=True):
            await pilot.press(key)
            await pilot.pause()
            assert tabs.active == f"tab-{sid}"
        await pilot.press("3")
        await pilot.pause()
        assert table(app, "endpoints").shown_rows == 6
        await pilot.press("question_mark")
        await pilot.pause()
        assert type(app.screen).__name__ == "HelpScreen"
        await pilot.press("escape")
        await pilot.pause()
        assert type(app.screen).__name__ == "Screen"


async def test_refresh_updates_rows_in_place_keeping_the_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    def make(now: datetime, tick: int) -> Report:
        report = build_report(now, tick=tick)
        if tick:  # acme/chat-ui now costs more, and alice/tts-test is gone
            spaces = tuple(s for s in report.spaces if s.space.id != "alice/tts-test")
            spaces = tuple(replace(s, cost=replace(s.cost, billed_usd=s.cost.billed_usd + 1000))
                           if s.space.id == "acme/rag-demo" and s.cost.billed_usd else s for s in spaces)
            report = replace(report, spaces=spaces)
        return report

    source = FakeSource(make, step_s=60)
    app = app_for(source)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await pilot.pause()
        spaces = table(app, "spaces")
        target = row_keys(spaces).index("acme/rag-demo")
        spaces.move_cursor(row=target)
        cleared: list[bool] = []
        monkeypatch.setattr(KeyedTable, "clear", lambda self, columns=False: cleared.append(True))
        await pilot.press("r")
        await settle(app, pilot)
        assert source.polls == 2
        assert not cleared
        assert "alice/tts-test" not in row_keys(spaces)
        key = spaces.coordinate_to_cell_key(spaces.cursor_coordinate).row_key.value
        assert key == "acme/rag-demo"
        assert spaces.get_cell("acme/rag-demo", "billed").cell.plain == "$1,090.00"
        assert "updated just now" in text_of(app, "#statusbar")


async def test_refresh_while_a_poll_runs_only_says_so() -> None:
    source = GatedSource()
    app = app_for(source)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await pilot.pause()
        await pilot.press("r")
        await pilot.pause()
        assert any("already running" in m for m in messages(app))
        source.gate.set()
        await settle(app, pilot)
        assert source.polls == 1


async def test_a_stale_source_keeps_its_rows_under_a_badge_with_its_age() -> None:
    def make(now: datetime, tick: int) -> Report:
        report = build_report(now, tick=tick)
        if tick:
            stale = SourceState("spaces:alice", SourceStatus.STALE, report.generated_at, 300,
                                "503 Service Unavailable", "The Hub is struggling; hfmon retries on its own")
            report = with_sources(report, spaces__alice=stale)
        return report

    app = app_for(FakeSource(make))
    async with app.run_test(size=(120, 36), notifications=True) as pilot:
        await settle(app, pilot)
        assert any("No access: bigcorp" in m for m in messages(app))
        await pilot.press("4")
        await pilot.pause()
        panel = app.query_one("#spaces-panel", Panel)
        assert not panel.has_class("-stale")
        await pilot.press("r")
        await settle(app, pilot)
        assert panel.has_class("-stale")
        assert "STALE 5m alice (spaces)" in str(panel.border_subtitle)
        assert "alice/flux-playground" in row_keys(table(app, "spaces"))
        assert any("spaces:alice" in m and "retries on its own" in m for m in messages(app))
        await pilot.press("3")
        await pilot.pause()
        assert "STALE 7m acme (endpoints)" in str(app.query_one("#endpoints-panel", Panel).border_subtitle)
        assert "acme/llm-prod" in row_keys(table(app, "endpoints"))


async def test_a_rejected_token_stops_polling_and_says_what_to_do() -> None:
    source = FakeSource()
    source.error = AuthError("401 Unauthorized: token not recognised", "Run `hf auth login` or set HF_TOKEN")
    app = app_for(source)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(app, pilot)
        assert app.paused and app.armed_s is None
        assert any(m.startswith("Token rejected") and "hf auth login" in m for m in messages(app))
        assert "hf auth login" in text_of(app, "#view-overview .loading-note")
        assert "paused" in text_of(app, "#statusbar")
        source.error = None
        await pilot.press("r")
        await settle(app, pilot)
        assert not app.screen.has_class("-loading") and not app.paused


async def test_a_401_source_in_the_report_stops_polling() -> None:
    def make(now: datetime, tick: int) -> Report:
        bad = SourceState("account", SourceStatus.STALE, now, 60, "401 Unauthorized", "Token revoked? hf auth login",
                          http_status=401)
        return with_sources(build_report(now, tick=tick), account=bad)

    app = app_for(FakeSource(make))
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(app, pilot)
        assert app.paused and app.armed_s is None
        assert any(m.startswith("Token rejected") for m in messages(app))


async def test_namespace_switch_by_key_and_palette() -> None:
    app = app_for()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await pilot.pause()
        assert app.namespace == "alice"
        assert "ns: alice" in text_of(app, "#topbar")
        await pilot.press("3")
        await pilot.pause()
        assert sorted(row_keys(table(app, "endpoints"))) == ["alice/qwen-coder", "alice/sd-xl-demo"]
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Namespace: acme")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        assert app.namespace == "acme"
        assert all(k.startswith("acme/") for k in row_keys(table(app, "endpoints")))


async def test_export_writes_the_report_as_json(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    app = app_for()
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"Export report")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause()
        written = tmp_path / "hfmon-report-20261121T200000Z.json"
        document = json.loads(written.read_text())
        assert document["schema_version"] == 7
        assert any("Report saved to" in m for m in messages(app))
        assert "hf_" not in written.read_text()


async def test_filter_and_sort_the_spaces_table() -> None:
    app = app_for()
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(app, pilot)
        await pilot.press("4", "slash", *"alice")
        await pilot.pause()
        spaces = table(app, "spaces")
        assert row_keys(spaces) and all(k.startswith("alice/") for k in row_keys(spaces))
        assert "filter “alice”" in str(app.query_one("#spaces-panel", Panel).border_subtitle)
        await pilot.press("escape")
        await pilot.pause()
        assert len(row_keys(spaces)) == 12
        # sorted by $/h now, largest first; the unpriced Space goes last, not first
        keys = row_keys(spaces)
        assert keys[0] == "bigcorp/search" and keys[-1] == "bigcorp/agents"
        spaces.sort_by("rate", reverse=False)
        assert row_keys(spaces)[-1] == "bigcorp/agents"
        spaces.focus()
        await pilot.press("s")
        assert spaces.sort_key == "billed"  # the column after $/h now


PALETTE_TITLE = {
    "quit": "Quit", "help": "Help", "refresh": "Refresh now", "toggle_pause": "Pause polling",
    "filter": "Filter rows", "next_namespace": "Namespace: acme", "next_interval": "Interval: every 5m",
    "toggle_theme": "Toggle light/dark theme", "export": "Export report as JSON", "clear_filter": "Filter rows",
    "alerts": "Alerts",
    "next_window": "Window: last 24 h",
}


async def test_every_key_action_is_in_the_palette() -> None:
    from hfmon.tui.bindings import BINDINGS, SCREENS

    app = app_for()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        titles = {c.title for c in app.get_system_commands(app.screen)}
    for b in BINDINGS:
        action = b.action.split("(")[0]
        if action == "show_screen":
            continue
        assert PALETTE_TITLE[action] in titles, action  # a new binding needs a palette entry (and a line here)
    assert {f"Show {title}" for _, title in SCREENS} <= titles


async def test_the_demo_says_its_interval_in_demo_time_in_the_toast_and_the_palette() -> None:
    """The demo's clock runs 60x: "every 5s" beside demo-time stamps would mix two clocks on one screen."""
    app = HfmonApp(FakeSource(), interval_s=5, tick_s=3600, data_speed=60.0)
    async with app.run_test(size=(100, 30), notifications=True) as pilot:
        await settle(app, pilot)
        await pilot.press("i")
        assert app.interval_s == 15
        assert any(m.endswith("Polling every 15m of demo time.") for m in messages(app)), messages(app)
        titles = {c.title for c in app.get_system_commands(app.screen)}
        assert "Interval: every 30m of demo time" in titles and "Interval: every 30s" not in titles


async def test_pause_interval_and_theme() -> None:
    source = FakeSource()
    app = HfmonApp(source, interval_s=60, tick_s=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert app.armed_s is not None
        await pilot.press("p")
        assert app.paused and app.armed_s is None
        await pilot.press("r")  # one poll, and still paused
        await settle(app, pilot)
        assert source.polls == 2 and app.paused and app.armed_s is None
        await pilot.press("i")
        assert app.interval_s == 120
        await pilot.press("p")
        await settle(app, pilot)
        assert source.polls == 3 and app.armed_s is not None
        await pilot.press("t")
        await pilot.pause()
        assert app.theme == "hfmon-light"


async def test_the_next_poll_waits_as_long_as_the_source_asks() -> None:
    source = FakeSource()
    source.wait_s = 301.0  # the poll left too little of the rate-limit window for another
    app = HfmonApp(source, interval_s=60, tick_s=3600)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(app, pilot)
        assert app.armed_s == 301.0
        source.wait_s = 0.0
        await pilot.press("r")
        await settle(app, pilot)
        assert app.armed_s == 60.0


async def test_80x24_with_no_color_shows_every_screen(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_COLOR", "1")
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.no_color
        for key in "46":
            await pilot.press(key)
            await pilot.pause()
            assert app.query_one(f"#view-{app.active_screen_id} .body").region.height > 0
        # states and badges are words, so they survive without colour
        assert table(app, "checks").get_row("total spaces acme")[0].cell.plain == "DRIFT"
