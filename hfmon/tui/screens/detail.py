"""The detail view: Enter on a row opens it over the dashboard, Esc returns (the table and its cursor untouched)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import ClassVar, TypeVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from hfmon.report import Report
from hfmon.tui import details
from hfmon.tui.details_namespace import namespace_detail
from hfmon.tui.details_usage import model_detail, provider_detail
from hfmon.tui.widgets.table import KeyedTable

Build = Callable[[Report, Mapping[str, str]], Text]
"""Makes the detail's text from a Report and the theme's tones (run again at each poll while it is open)."""

R = TypeVar("R")
PROVIDER_TABLES = frozenset({"providers"})


def detail_for(table: KeyedTable, key: str, report: Report) -> Build:
    """What Enter on row `key` of `table` shows: the resource, provider or namespace, else the row itself."""
    kind = table.id or ""
    if kind == "spenders":
        kind, key = _spender(report, key)
    if kind == "endpoints":
        return lambda r, t: _or_gone(r, key, t, lambda row: details.endpoint_detail(
            r, row, details.since_for(r, row.endpoint.namespace), t), {e.endpoint.id: e for e in r.endpoints})
    if kind == "spaces":
        return lambda r, t: _or_gone(r, key, t, lambda row: details.space_detail(
            r, row, details.since_for(r, row.space.namespace), t), {s.space.id: s for s in r.spaces})
    if kind == "jobs":
        return lambda r, t: _or_gone(r, key, t, lambda row: details.job_detail(
            r, row, details.since_for(r, row.job.namespace), t), {j.job.id: j for j in r.jobs})
    if kind in PROVIDER_TABLES:
        return lambda r, t: provider_detail(r, key, t)
    if kind == "models":
        return lambda r, t: model_detail(r, key, t)
    if kind == "spend":
        return lambda r, t: namespace_detail(r, key, t)
    columns, cells = table.spec, table.row_cells(key)
    title = cells[0].plain if cells else key
    return lambda r, t: details.generic_detail(title, columns, cells)


def _spender(report: Report, key: str) -> tuple[str, str]:
    """A top-spenders row is an endpoint, a Space or a job (its key is how the row names it)."""
    if any(e.endpoint.id == key for e in report.endpoints):
        return "endpoints", key
    if any(s.space.id == key for s in report.spaces):
        return "spaces", key
    job = next((j.job.id for j in report.jobs if f"{j.job.namespace}/{j.job.id[:12]}" == key), None)
    return ("jobs", job) if job is not None else ("spenders", key)


def _or_gone(report: Report, key: str, tones: Mapping[str, str], show: Callable[[R], Text],
             rows: dict[str, R]) -> Text:
    row = rows.get(key)
    if row is None:
        return Text(f"{key} is no longer listed (deleted, or its listing could not be read this poll).",
                    style=tones.get("warn", ""))
    return show(row)


KEYS_HINT = "Esc back · ↑ ↓ PgUp PgDn scroll"
"""The detail's key line: a plain line, lighter than a Footer (which builds a widget per binding on each open)."""


class DetailScreen(Screen[None]):
    """One row in depth; it follows each new poll while open. Esc (or backspace) goes back.

    The app builds it once and opens it again for each row (`open`): composing, styling and laying out a new
    screen was most of what opening a detail cost.
    """

    AUTO_FOCUS = "#detail"  # focused as the screen shows, in the same frame (focus() would wait for the next)
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,backspace", "back", "Back"),
        Binding("slash", "no_filter", show=False),  # the filter box belongs to the tables behind
    ]

    def __init__(self) -> None:
        super().__init__(classes="detail")
        self.build: Build | None = None
        self._text = Static(id="detail-text")
        self._scroll = VerticalScroll(self._text, id="detail")

    def compose(self) -> ComposeResult:
        yield self._scroll
        yield Static(KEYS_HINT, id="detail-keys")

    def open(self, build: Build, report: Report, tones: Mapping[str, str]) -> None:
        """Show another row's detail, from its top."""
        self.build = build
        self.show(report, tones)
        self._scroll.scroll_home(animate=False, immediate=True)

    def show(self, report: Report, tones: Mapping[str, str]) -> None:
        """Render again from a newer Report."""
        if self.build is not None:
            self._text.update(self.build(report, tones))

    def action_no_filter(self) -> None:
        """Say where the filter works."""
        self.notify("Esc first: the filter applies to the table behind this detail.", timeout=3)

    def action_back(self) -> None:
        """Back to the table, its cursor where it was."""
        self.dismiss()
