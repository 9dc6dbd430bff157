"""A titled, bordered panel that wears a badge when its data is stale or missing."""

from __future__ import annotations

import re

from rich.cells import cell_len
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
        self._columns = ("", "")  # the columns of its table out of view, in full and short ("Invoice →", "→")
        for child in children:
            if isinstance(child, KeyedTable):
                child.on_columns_hint = self.columns_hint

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

    def columns_hint(self, hint: tuple[str, str]) -> None:
        """Show which columns of its table are out of view, in full or, where the border is short, short."""
        if hint != self._columns:
            self._columns = hint
            self._subtitle()

    def on_resize(self) -> None:
        self._subtitle()

    def _subtitle(self) -> None:
        badge = f"⚠ {self._badge}" if self._badge else ""
        brief = re.sub(r" \([^)]*\)", "", badge)  # "⚠ STALE 7m acme": which sources is on the Sources panel
        full, short = self._columns
        room = self.size.width - 6  # the corners, a rule each side and a space each side
        # the badge gives way last: first the columns hint shortens, then the row count goes, then the badge
        # loses its source names (cut mid-word it read "STALE 7m acme (endp…")
        for parts in ((self._note, full, badge), (self._note, short, badge), (short, badge), (short, brief)):
            text = " · ".join(p for p in parts if p)
            if cell_len(text) <= room or not self.size.width:
                break
        self.border_subtitle = literal(text)  # the filter text is the user's, badges name namespaces
