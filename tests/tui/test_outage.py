"""The dashboard when Hugging Face stops answering after a good poll: nothing on screen reads as current (audit 3,
finding 17c: the top bar kept the last rate read as "now")."""

from __future__ import annotations

from itertools import takewhile

import jsonschema

from hfmon.exitcodes import ExitCode, exit_code_of
from hfmon.fakehub.faults import RouteFault
from hfmon.headless import explain
from hfmon.jsonout import report_document
from hfmon.report import Health
from hfmon.schemas import once_schema
from hfmon.textout import render_text
from hfmon.tui.app import HfmonApp
from hfmon.tui.widgets.panel import Panel
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, table, text_of


async def test_when_hugging_face_stops_answering_no_figure_reads_as_current() -> None:
    monitor, clock = frozen_demo(history=False)
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            top = text_of(app, "#topbar")
            assert "  now at least $" in top and "ago" not in top  # the demo has one unpriced resource
            assert not app.query_one("#banner").display
            assert "● live" in text_of(app, "#statusbar")
            monitor.collector.client.fake.route_faults.append(  # type: ignore[attr-defined]
                RouteFault("*", status=503, reason="Service Unavailable"))
            clock.advance(600)  # the price lists and whoami are still fresh in their caches: not an answer now
            await pilot.press("r")
            await settle(app, pilot)
            report = app.report
            assert report is not None and any(s.from_cache and s.status == "ok" for s in report.sources)
            banner = text_of(app, "#banner")
            assert banner.startswith("⚠ Nothing answered (server error): every figure is its last good value")
            bar = text_of(app, "#statusbar")
            assert "⚠ no answer" in bar and "live" not in bar and "updated" not in bar, bar
            clock.advance(7 * 3600)  # past every cache (price lists: 6 h): each source is asked, and fails
            await pilot.press("r")
            await settle(app, pilot)
            top = text_of(app, "#topbar")
            assert top.endswith("now unknown") and "$" not in top, top  # the last rate read is not "now" (17c)
            banner = text_of(app, "#banner")
            assert banner.startswith("⚠ Nothing answered (server error): every figure is its last good value")
            bar = text_of(app, "#statusbar")
            assert "⚠ no answer" in bar and "tried" in bar and "live" not in bar and "updated" not in bar
    finally:
        await monitor.aclose()


def state_cells(app: HfmonApp) -> dict[str, str]:
    """Each row of the Overview's Sources panel: the source and what its state column reads."""
    sources = table(app, "sources")
    return {str(key.value): cells[1].__rich__().plain for key in sources.rows for cells in [sources.get_row(key)]}


async def test_answers_still_cached_in_an_outage_are_no_answer_in_every_front_end() -> None:
    monitor, clock = frozen_demo(history=False)
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(app, pilot)
            clock.advance(600)  # nothing fails: whoami and the price lists come from hfmon's cache
            await pilot.press("r")
            await settle(app, pilot)
            report = app.report
            assert report is not None and report.health is Health.OK and exit_code_of(report) == ExitCode.OK
            cached = {s.name for s in report.sources if s.from_cache and s.status == "ok"}
            assert {"account", "spaces_hardware", "jobs_hardware", "router_prices"} <= cached
            cells = state_cells(app)
            assert {cells[name] for name in cached} == {"cached"}  # good data, not asked again: no warning
            assert {cells[s.name] for s in report.sources if s.status == "ok" and s.name not in cached} == {"ok"}
            assert "● live" in text_of(app, "#statusbar")

            monitor.collector.client.fake.route_faults.append(  # type: ignore[attr-defined]
                RouteFault("*", status=503, reason="Service Unavailable"))
            clock.advance(60)
            await pilot.press("r")
            await settle(app, pilot)
            report = app.report
            assert report is not None
            assert {s.name for s in report.sources if s.from_cache and s.status == "ok"} == cached
            # the dashboard: no row says ok while the status bar says no answer
            cells = state_cells(app)
            assert "ok" not in cells.values() and {cells[name] for name in cached} == {"cached"}
            assert "⚠ no answer" in text_of(app, "#statusbar")
            # --once and check follow the Report's health: nothing answered (exit 4), as the status bar says
            assert report.nothing_read and report.health is Health.UNREACHABLE
            assert exit_code_of(report) == ExitCode.UNREACHABLE
            assert explain(ExitCode.UNREACHABLE, report).startswith("no source answered: ")
            doc = report_document(report)
            jsonschema.validate(doc, once_schema())
            assert {name for name, s in doc["sources"].items() if s["status"] == "ok"} == cached
            assert all(doc["sources"][name]["from_cache"] for name in cached)
            summary = next(line for line in render_text(report).splitlines() if line.startswith("Sources"))
            assert f"{len(cached)} cached (not asked this poll)" in summary and " ok" not in summary, summary
    finally:
        await monitor.aclose()


async def test_a_flag_computed_from_a_failed_source_is_shown_stale_not_as_raised_now() -> None:
    monitor, clock = frozen_demo(history=False)
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(100, 40)) as pilot:
            await settle(app, pilot)
            first = app.report
            assert first is not None
            [credits] = [f for f in first.flags if f.kind == "credits_run_out" and f.subject == "ada"]
            assert credits.sources == ("billing:ada",)
            flags = text_of(app, "#flags")
            assert f"ada  {credits.message}" in flags and "STALE" not in flags
            monitor.collector.client.fake.route_faults.append(  # type: ignore[attr-defined]
                RouteFault("/api/settings/billing/usage-v2", status=503))  # ada's usage-v2: billing:ada
            clock.advance(300)
            await pilot.press("r")
            await settle(app, pilot)
            report = app.report
            assert report is not None
            [credits] = [f for f in report.flags if f.kind == "credits_run_out" and f.subject == "ada"]
            assert credits not in report.current_flags
            lines = text_of(app, "#flags").splitlines()
            # a narrow card breaks a flag between words, its rows after the first under its subject
            at = next(i for i, line in enumerate(lines) if line.startswith("STALE ada "))
            rows = [lines[at], *takewhile(lambda line: line.startswith(" " * 6), lines[at + 1:])]
            stale = " ".join(row.strip() for row in rows)
            assert stale == f"STALE ada  {credits.message} (as of billing:ada's last good value, 5m old)", stale
            # after every flag raised now (each begins a row with its mark; its other rows are indented)
            assert sum(not line.startswith(" ") for line in lines[:at]) == len(report.current_flags)
            note = str(app.query_one("#flags-panel", Panel).border_subtitle)
            assert note == f"at least {len(report.current_flags)} flags"  # the stale one is not counted as raised
            assert len(report.current_flags) == len(report.flags) - 1
    finally:
        await monitor.aclose()
