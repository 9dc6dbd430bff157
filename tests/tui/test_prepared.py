"""The Spaces rows built in the poll worker's thread: shown only for the Report, namespace and colours they were
built for; built on the event loop when they could not be."""

from __future__ import annotations

import threading
from dataclasses import replace
from datetime import datetime
from decimal import Decimal

import pytest

from hfmon.report import Report
from hfmon.tui import rows
from hfmon.tui.prepared import Prepared
from hfmon.tui.screens.compute import ComputeView
from hfmon.tui.state import ViewState
from hfmon.tui.widgets.cells import Row
from tests.tui.builder import NOW, FakeSource, build_report
from tests.tui.test_app import app_for, settle, table

TONES = {"good": "green", "warn": "yellow", "bad": "red", "muted": "dim", "accent": "cyan"}


def test_prepared_rows_are_used_only_for_the_report_namespace_and_colours_they_were_built_for() -> None:
    report = build_report(NOW)
    built = rows.space_rows(report, "acme", TONES)
    prepared = Prepared("view-compute", report, "acme", TONES, {"spaces": built})
    state = ViewState(report, "acme", NOW, dict(TONES))
    assert prepared.rows_for(state, "spaces") is built
    assert prepared.rows_for(state, "jobs") is None  # not built there: the screen builds it
    assert prepared.rows_for(replace(state, namespace=None), "spaces") is None
    assert prepared.rows_for(replace(state, report=build_report(NOW, tick=1)), "spaces") is None
    assert prepared.rows_for(replace(state, tones={**TONES, "good": "blue"}), "spaces") is None


async def test_a_poll_builds_the_spaces_rows_off_the_event_loop_and_shows_that_polls_figures(
        monkeypatch: pytest.MonkeyPatch) -> None:
    threads: list[int] = []  # the thread of every build of the Spaces rows, wherever it is asked for
    original = rows.space_rows

    def spy(*args: object, **kwargs: object) -> list[Row]:
        threads.append(threading.get_ident())
        return original(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(rows, "space_rows", spy)
    app = app_for(FakeSource(rag_demo_billed))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await pilot.pause()
        assert table(app, "spaces").get_cell("acme/rag-demo", "billed").cell.plain == "$100.00"
        threads.clear()
        app.start_poll()
        await settle(app, pilot)
        # built once, in the worker's thread; rows thrown away would be built again here, on the event loop
        assert len(threads) == 1 and threading.get_ident() not in threads
        assert table(app, "spaces").get_cell("acme/rag-demo", "billed").cell.plain == "$101.00"


def rag_demo_billed(now: datetime, tick: int) -> Report:
    """acme/rag-demo billed $100 at the first poll, a dollar more at each poll after."""
    report = build_report(now, tick=tick)
    return replace(report, spaces=tuple(
        replace(s, cost=replace(s.cost, billed_usd=Decimal(100 + tick))) if s.space.id == "acme/rag-demo" else s
        for s in report.spaces))


async def test_rows_that_fail_to_build_in_the_worker_are_built_on_the_event_loop(
        monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(self: ComputeView, state: ViewState) -> Prepared:
        raise RuntimeError("a bug in the worker")

    monkeypatch.setattr(ComputeView, "prepare", broken)
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("4")
        await pilot.pause()
        app.start_poll()
        await settle(app, pilot)
        assert app.polls_done == 2 and app.last_error is None
        assert "acme/rag-demo" in [str(k.value) for k in table(app, "spaces").rows]
