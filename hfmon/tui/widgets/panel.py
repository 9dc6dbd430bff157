"""A titled, bordered panel that wears a badge when its data is stale or missing."""

from __future__ import annotations

from textual.containers import Vertical
from textual.widget import Widget

from hfmon.tui.literal import literal
from hfmon.tui.widgets.table import KeyedTable


class Panel(Vertical):
    """A bordered group with a title; `badge()` puts source trouble in the bottom border, `note()` a remark."""

    def __init__(self, *children: Widget, title: str, id: str | None = None, classes: str = "") -> None:
        super().__init__(*children, id=id, classes=("panel " + classes).strip())
        # a table pads its own cells: the panel's padding would only take width from the figures
        self.set_class(any(isinstance(c, KeyedTable) for c in children), "-table")
        self.border_title = literal(title)
        self._badge = ""
        self._note = ""

    def badge(self, text: str) -> None:
        """Show `text` as a warning badge (empty: no badge)."""
        if text != self._badge:
            self._badge = text
            self.set_class(bool(text), "-stale")
            self._subtitle()

    def note(self, text: str) -> None:
        """Show a plain remark (row counts, the active filter)."""
        if text != self._note:
            self._note = text
            self._subtitle()

    def _subtitle(self) -> None:
        parts = [p for p in (self._note, f"⚠ {self._badge}" if self._badge else "") if p]
        self.border_subtitle = literal(" · ".join(parts))  # the filter text is the user's, badges name namespaces
