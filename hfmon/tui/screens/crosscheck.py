"""Cross-check: billed vs recomputed for every figure that has both, drift and unpriced first."""

from __future__ import annotations

from collections import Counter

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from hfmon import format as fmt
from hfmon.phrases import crosscheck_none
from hfmon.report import CheckStatus, CrossCheck
from hfmon.tui import rows
from hfmon.tui.screens.base import View, fill
from hfmon.tui.state import ViewState
from hfmon.tui.widgets.panel import Panel
from hfmon.tui.widgets.table import KeyedTable


class CrossCheckView(View):
    """Where HF's bill and hfmon's arithmetic disagree."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.checks: dict[str, CrossCheck] = {}

    def compose_body(self) -> ComposeResult:
        yield Static(id="check-summary", classes="summary")
        yield Panel(KeyedTable(rows.CHECK_COLUMNS, default_sort="status", id="checks"),
                    Static(id="check-detail", classes="detail"),
                    title="Billed vs recomputed", id="checks-panel", classes="grow")
        yield Panel(Static(id="unpriced"), title="Unpriced", id="unpriced-panel", classes="low")

    def render_state(self, state: ViewState) -> None:
        r, t = state.report, state.tones
        counts = Counter(c.status for c in r.crosscheck if c.of(state.namespace))  # the rows shown below
        text = Text()
        if not counts:  # no row compared: zero counts read as all clear (and "0 unpriced" over the Unpriced panel)
            text.append(f"Billed vs recomputed: {crosscheck_none(r)}", style=t.get("warn" if r.crosscheck_unchecked
                                                                                   else "muted", ""))
        for i, status in enumerate((CheckStatus.DRIFT, CheckStatus.UNPRICED, CheckStatus.PENDING, CheckStatus.OK)
                                   if counts else ()):
            if i:
                text.append(" · ")
            text.append(f"{counts.get(status, 0)} {status.value}", style=t.get(rows.CHECK_TONES[status], ""))
        unchecked = fmt.not_compared(r.crosscheck_unchecked)
        if unchecked:
            text.append(f"\nnot compared: {unchecked}", style=t.get("warn", ""))
        text.append("\nBilled: what Hugging Face charged · recomputed: billed minutes × catalog price",
                    style=t.get("muted", ""))
        self.query_one("#check-summary", Static).update(text)
        fill(self.query_one("#checks-panel", Panel), self.query_one("#checks", KeyedTable),
             rows.check_rows(r, state.namespace, t), rows.panel_badge(r, "crosscheck", state.namespace, state.now),
             "checks")
        self.checks = {c.item: c for c in r.crosscheck}
        self._show_detail()
        unpriced = self.query_one("#unpriced-panel", Panel)
        unpriced.display = bool(r.unpriced)
        self.query_one("#unpriced", Static).update(
            Text("\n".join(f"• {u}" for u in r.unpriced) + "\nNo catalog layer prices these; they count as "
                 "unknown, never as $0.", style=t.get("warn", "")))

    @on(DataTable.RowHighlighted, "#checks")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        """The cursor row in full: the table cuts long subjects and puts the note off to the right."""
        table = self.query_one("#checks", KeyedTable)
        key = table.cursor_key()
        check = self.checks.get(key) if key is not None else None
        detail = Text()
        if check is not None:
            detail.append(check.item, style="bold")
            if check.note:
                detail.append(f": {check.note}", style=self.state.tones.get("muted", "") if self.state else "")
        self.query_one("#check-detail", Static).update(detail)
