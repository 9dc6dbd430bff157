"""The base of every screen: a loading note until the first Report, then the body it renders from state."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static

from hfmon import format as fmt
from hfmon.tui.prepared import Prepared
from hfmon.tui.state import ViewState
from hfmon.tui.widgets.cells import Cell, Row
from hfmon.tui.widgets.panel import Panel
from hfmon.tui.widgets.table import KeyedTable

LOADING = "Waiting for the first poll… nothing is shown until real data arrives."


class View(Vertical):
    """One screen's content; `show(state)` renders it, from the state alone."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id, classes="view")
        self.state: ViewState | None = None
        self.prepared: Prepared | None = None  # rows the poll worker built for the newest Report

    def prepare(self, state: ViewState) -> Prepared | None:
        """Build the rows of the screen's big tables for `state`, in the poll worker's thread (None: the screen
        has none worth it). Pure view code only: no widget is touched here."""
        return None

    def prepared_rows(self, state: ViewState, table: str) -> list[Row] | None:
        """The rows the poll worker built for `table` and `state` (None: build them now); used once."""
        rows = self.prepared.rows_for(state, table) if self.prepared is not None else None
        self.prepared = None
        return rows

    def compose(self) -> ComposeResult:
        yield Static(LOADING, classes="loading-note")
        with Vertical(classes="body"):
            yield from self.compose_body()

    def compose_body(self) -> ComposeResult:
        """The screen's widgets."""
        yield from ()

    def show(self, state: ViewState) -> None:
        """Render a state (skipped when nothing changed)."""
        if state == self.state:
            return
        self.state = state
        self.render_state(state)

    def render_state(self, state: ViewState) -> None:
        """Fill the widgets from the state."""

    def focus_main(self) -> None:
        """Give the keyboard to the screen's main widget (its first table)."""
        tables = self.tables()
        if tables:
            tables[0].focus()

    def tables(self) -> list[KeyedTable]:
        """The tables on this screen, the main one first (the filter's default target)."""
        return list(self.query(KeyedTable))


def fill(panel: Panel, table: KeyedTable, rows: list[Row], badge: str, what: str,
         remainder: tuple[Cell, ...] | None = None) -> None:
    """Put rows in a panel's table (and the remainder row that makes them add up to the bill, if any), with the
    row count, the filter and the source badge."""
    table.apply(rows, remainder)
    shown = table.shown_rows
    note = fmt.counted(table.total_rows, what)
    if table.filter_text:
        note = f"filter “{table.filter_text}”: {shown:,} of {fmt.counted(table.total_rows, what)}"
    panel.note(note)
    panel.badge(badge)
