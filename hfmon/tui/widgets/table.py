"""A DataTable whose rows are keyed and updated in place, with sorting by column and a text filter."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple, Self

from rich.cells import cell_len
from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowKey


class Styled(NamedTuple):
    """Text with one Rich style (cheaper to build and compare than a Rich Text)."""

    text: str
    style: str = ""


class Cell(NamedTuple):
    """A table cell: its text and style, and the value it sorts by (so `$99` sorts below `$1,200`).

    A tuple of plain values, not a Rich Text, so a 1,000-row refresh builds and compares cells cheaply; the
    Text is made only when a visible row is drawn.
    """

    plain: str
    sort: tuple[Any, ...] = ()
    style: str = ""
    right: bool = False
    wrap: bool = False  # set by the table for a Column.wrap column

    def __rich__(self) -> Text:
        # A cell cut to a narrower column (see Column.flex) ends in "…", or wraps onto more lines if it may
        return Text(self.plain, style=self.style, justify="right" if self.right else "left", end="",
                    no_wrap=not self.wrap, overflow="fold" if self.wrap else "ellipsis")


def cell(text: str | Styled, value: Any = None, *, style: str = "", right: bool = False) -> Cell:
    """A cell sorting by `value`, or by its text when no value is given; missing values sort last."""
    if isinstance(text, Styled):
        style = text.style or style
        text = text.text
    if value is not None:
        return Cell(text, (0, value), style, right)
    if text in ("", "—", "unpriced"):
        return Cell(text, (1, text), style, right)
    return Cell(text, (0, text.lower()), style, right)


def _width(text: str) -> int:
    """Cells `text` takes: len for ASCII (4x faster than cell_len over a 1,000-row column)."""
    return len(text) if text.isascii() else cell_len(text)


def _widest(texts: list[str]) -> int:
    """The widest of many texts, measured in one pass (this runs over every cell of a 1,000-row table)."""
    if not texts:
        return 0
    return max(map(len, texts)) if "".join(texts).isascii() else max(map(cell_len, texts))


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its key, its label, whether numbers in it sort largest first, and how it fits a narrow screen.

    A `flex` column (at most one per table, holding long names) shrinks, cut with "…", until every column
    that is not `extra` fits on screen; it never grows past its content. `extra` columns may go off-screen
    to the right (reached by scrolling), so they come last. A `wrap` flex column wraps its text onto more
    lines instead of cutting it (for advice that must be read whole; only in small tables).
    """

    key: str
    label: str
    numeric: bool = False
    flex: bool = False
    extra: bool = False
    wrap: bool = False
    total: bool = False  # money: the totals row adds it up over the rows shown


FLEX_MIN = 12
"""A flex column never gets narrower than this, however many columns follow it."""


Row = tuple[str, tuple[Cell, ...]]

TOTAL_KEY = "\x00total"
"""The key of the totals row (no resource can have it)."""
PINNED = 2
"""`Cell.sort[0]` of a cell that stays below every other row in either direction (the totals row)."""


def totals_row(spec: Sequence[Column], rows: Sequence[tuple[Cell, ...]]) -> tuple[Cell, ...]:
    """The totals row of `rows`: each `total` column added up. A row whose amount is unknown makes the sum a
    lower bound, marked `+` (`$1,223.35+`: narrower than "at least", so the money columns stay on an 80-column
    screen), and the first column says what `+` means; with no amount known it is `unknown`."""
    from hfmon import format as fmt  # a widget module that needs money words only here
    from hfmon.report import Total

    out: list[Cell] = []
    partial = False
    for i, col in enumerate(spec):
        text = ""
        if i and col.total:
            sorts = [r[i].sort for r in rows]  # (0, amount), or (1, text) where the amount is unknown
            missing: list[tuple[str, Decimal | None]] = [(str(n), None) for n, s in enumerate(sorts) if s[0] != 0]
            known = [s[1] for s in sorts if s[0] == 0]
            # the known amounts as one part: the same sum as part by part, with one Total.of call per column
            total = Total.of([*missing, ("known", sum(known, Decimal(0)))] if known else missing, Decimal(0))
            text = fmt.money(total.known, missing=fmt.UNKNOWN) + ("" if total.complete or total.known is None else "+")
            partial = partial or text.endswith("+")
        out.append(Cell(text, (PINNED,), "bold", right=col.numeric))
    first = f"Total of {len(rows)}" + (" (+: at least)" if partial else "")
    return (out[0]._replace(plain=first), *out[1:])


class KeyedTable(DataTable[Cell]):
    """Rows identified by stable keys: `apply()` adds, updates and removes rows without rebuilding the table."""

    BINDINGS = [
        Binding("s", "cycle_sort", "Sort", id="sort"),
        Binding("S", "reverse_sort", "Reverse", id="sort-reverse", show=False),
    ]

    _bulk: bool | None = None
    """Not None while a bulk update defers refreshes (True: one with layout is due)."""

    def __init__(self, columns: Sequence[Column], *, default_sort: str | None = None,
                 default_reverse: bool = False, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, cursor_foreground_priority="css")
        self.spec = tuple(columns)
        self.sort_key = default_sort
        self.sort_reverse = default_reverse
        self.filter_text = ""
        self._all: dict[str, tuple[Cell, ...]] = {}
        self._shown: dict[str, tuple[Cell, ...]] = {}
        self._keys: dict[str, RowKey] = {}  # made once: update_cell with a str builds and hashes a new key
        self._totals = any(c.total for c in self.spec)
        self._flex = next((i for i, c in enumerate(self.spec) if c.flex), None)
        self._wrap = next((i for i, c in enumerate(self.spec) if c.wrap and c.flex), None)
        self._natural: list[int] = []  # widest text per column (label included), measured at each sync

    def on_mount(self) -> None:
        for col in self.spec:
            self.add_column(self._label(col), key=col.key)
        self._measure()

    def on_resize(self) -> None:
        """Give the flex column the width the others leave."""
        self._fit_flex()

    def _measure(self, columns: set[int] | None = None) -> None:
        """Measure the widest text of each column (of `columns` only: the others did not change)."""
        if self._flex is None:
            return
        rows = list(self._shown.values())
        if columns is None or len(self._natural) != len(self.spec):
            columns = set(range(len(self.spec)))
            self._natural = [0] * len(self.spec)
        for i in columns:
            self._natural[i] = max(_width(self._label(self.spec[i]).plain), _widest([row[i].plain for row in rows]))
        self._fit_flex()

    def flex_width(self, available: int) -> int | None:
        """The flex column's text width when the table is `available` cells wide (None: no flex column)."""
        if self._flex is None or not self._natural:
            return None
        pad = 2 * self.cell_padding
        others = sum(w + pad for i, (w, c) in enumerate(zip(self._natural, self.spec, strict=True))
                     if i != self._flex and not c.extra)
        return max(FLEX_MIN, min(self._natural[self._flex], available - others - pad))

    def _fit_flex(self) -> None:
        if self._flex is None or not self.size.width:
            return
        available, height = self.size
        pad = 2 * self.cell_padding
        if sum(self._natural) + pad * len(self._natural) > available:  # columns go off-screen: a scrollbar row
            height -= self.styles.scrollbar_size_horizontal
        lines = len(self._shown) if self._wrap is None else sum(r.height or 1 for r in self.rows.values())
        if lines + self.header_height > height:  # the vertical scrollbar takes a column
            available -= self.styles.scrollbar_size_vertical
        width = self.flex_width(available)
        column = self.columns[self._column_key(self.spec[self._flex].key)]
        if width is None or (not column.auto_width and column.width == width):
            return
        column.auto_width, column.width = False, width
        self._relayout()

    def _relayout(self) -> None:
        """Redraw after a column width changed; wrapped rows measure their height again."""
        if self._wrap is not None:
            for row in self.rows.values():
                row.height = 0  # auto-height rows with height 0 are measured when next laid out
            self._new_rows.update(self.rows)
        self.notify_style_update()  # Textual's public way to drop the rendered rows and cells
        self._require_update_dimensions = True  # no public call re-measures the table for a new column width
        self.refresh(layout=True)

    def _label(self, col: Column) -> Text:
        arrow = ""
        if col.key == self.sort_key:
            arrow = " ▼" if self.sort_reverse else " ▲"
        return Text(col.label + arrow, justify="right" if col.numeric else "left")

    def row_cells(self, key: str) -> tuple[Cell, ...]:
        """The cells of one row by key, filtered out or not (() when there is no such row)."""
        return self._all.get(key, ())

    @property
    def total_rows(self) -> int:
        """Rows before the filter."""
        return len(self._all)

    @property
    def shown_rows(self) -> int:
        """Rows the filter lets through (the totals row not counted)."""
        return len(self._shown) - (TOTAL_KEY in self._shown)

    def apply(self, rows: Sequence[Row]) -> None:
        """Show exactly these rows: unchanged rows are untouched, changed cells are updated in place."""
        if self._wrap is None:
            self._all = dict(rows)
        else:
            at = self._wrap
            self._all = {k: (*cells[:at], cells[at]._replace(wrap=True), *cells[at + 1:]) for k, cells in rows}
        self._sync()

    def set_filter(self, text: str) -> None:
        """Show only rows whose text contains `text` (case-insensitive)."""
        self.filter_text = text.strip().lower()
        self._sync()

    def _visible(self) -> dict[str, tuple[Cell, ...]]:
        shown = self._all
        if self.filter_text:
            needle = self.filter_text
            shown = {k: v for k, v in self._all.items() if any(needle in c.plain.lower() for c in v)}
        if self._totals and len(shown) > 1:
            shown = {**shown, TOTAL_KEY: totals_row(self.spec, list(shown.values()))}
        return shown

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Self:
        """Refresh, or during a bulk update note that one is due (one refresh instead of one per cell)."""
        if self._bulk is not None and not regions and not recompose:
            self._bulk = self._bulk or layout
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _sync(self) -> None:
        self._bulk = False
        changed = False
        try:
            changed = self._sync_rows()
        finally:
            layout, self._bulk = self._bulk, None
            if changed:
                # Textual caches rendered cells and lines keyed by an update counter that every change bumps:
                # left alone they pile up to their LRU bounds (tens of MB) before the old ones go. What was
                # rendered before this change is never drawn again, so drop it now.
                self.notify_style_update()
            self.refresh(layout=layout)

    def _sync_rows(self) -> bool:
        """Bring the rows shown in line with the wanted ones; whether anything changed."""
        wanted = self._visible()
        cursor_key = self.cursor_key()
        reorder = False  # rows came or went, or a value in the sort column moved
        changed = False
        resized = False  # rows came or went: every column's width may change
        touched: set[int] = set()  # columns where a cell changed
        for key in [k for k in self._shown if k not in wanted]:
            self.remove_row(self._keys.pop(key))
            del self._shown[key]
            reorder = resized = True
        columns = [self.columns[self._column_key(c.key)] for c in self.spec]
        sort_at = next((i for i, c in enumerate(self.spec) if c.key == self.sort_key), -1)
        for key, cells in wanted.items():
            old = self._shown.get(key)
            if old is None:
                self._keys[key] = self.add_row(*cells, key=key, height=1 if self._wrap is None else None)
                reorder = resized = True
            elif old != cells:
                changed = True
                for i, (column, new, before) in enumerate(zip(columns, cells, old, strict=True)):
                    if new != before:
                        touched.add(i)
                        # Only a cell wider than its column re-measures; narrower ones leave widths alone
                        # (Textual would re-measure the whole column for each: O(rows²) on a big refresh).
                        try:
                            self.update_cell(self._keys[key], column.key, new,
                                             update_width=cell_len(new.plain) > column.content_width)
                        except CellDoesNotExist:
                            continue
                        reorder = reorder or (i == sort_at and new.sort != before.sort)
            self._shown[key] = cells
        if reorder:
            self._resort(cursor_key)
        if resized or touched:
            self._measure(None if resized else touched)
        if self._wrap is not None:
            self._relayout()  # changed text may wrap onto a different number of lines
        return reorder or changed

    def cursor_key(self) -> str | None:
        """The key of the row under the cursor (None: no rows)."""
        if not self.row_count:
            return None
        try:
            row_key: RowKey = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
        except CellDoesNotExist:
            return None
        return row_key.value

    def _resort(self, cursor_key: str | None) -> None:
        if self.sort_key is not None:
            # missing values (sort[0] == 1) go last in both directions, and the totals row (PINNED) below them
            rank = (2, 1, 0) if self.sort_reverse else (0, 1, 2)
            self.sort(self.sort_key, key=lambda c: (rank[c.sort[0]], c.sort[1:]), reverse=self.sort_reverse)
        if cursor_key is not None and cursor_key in self._shown:
            index = self.get_row_index(cursor_key)
            if index != self.cursor_row:
                self.move_cursor(row=index, animate=False, scroll=False)

    def sort_by(self, key: str, reverse: bool | None = None) -> None:
        """Sort by a column; numeric columns start largest first."""
        col = next(c for c in self.spec if c.key == key)
        if reverse is None:
            reverse = (not self.sort_reverse) if key == self.sort_key else col.numeric
        self.sort_key, self.sort_reverse = key, reverse
        rows = list(self._shown.values())
        for i, spec in enumerate(self.spec):
            column = self.columns[self._column_key(spec.key)]
            column.label = self._label(spec)
            if column.auto_width:  # Textual measures a label only when it is added: the arrow needs room too
                column.content_width = max(_width(column.label.plain), _widest([r[i].plain for r in rows]))
        self._measure()  # the arrow moved: labels changed width
        self._resort(self.cursor_key())
        self._relayout()

    def _column_key(self, key: str) -> Any:
        return next(k for k in self.columns if k.value == key)

    def action_cycle_sort(self) -> None:
        """Sort by the next column."""
        keys = [c.key for c in self.spec]
        nxt = keys[(keys.index(self.sort_key) + 1) % len(keys)] if self.sort_key in keys else keys[0]
        self.sort_by(nxt)

    def action_reverse_sort(self) -> None:
        """Reverse the sort order."""
        if self.sort_key is not None:
            self.sort_by(self.sort_key, reverse=not self.sort_reverse)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        """Clicking a header sorts by it (again: reverses)."""
        event.stop()
        if event.column_key.value is not None:
            self.sort_by(event.column_key.value)
