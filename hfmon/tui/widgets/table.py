"""A DataTable whose rows are keyed and updated in place, with sorting by column and a text filter."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from itertools import compress
from operator import itemgetter, ne
from typing import Any, Self

from rich.text import Text
from textual.binding import Binding
from textual.geometry import Region, Size
from textual.widgets import DataTable
from textual.widgets.data_table import CellDoesNotExist, RowKey

from hfmon.tui.widgets.cells import (
    FLEX_MIN,
    PINNED_KEYS,
    PLUS_MEANS,
    REMAINDER_KEY,
    TOTAL_KEY,
    Cell,
    Column,
    LiveCell,
    Row,
    text_width,
    totals_row,
    widest,
)

PART_SHOWN_MIN = 20
"""The fewest cells of a text column that may show at the right edge (its start); fewer, or a numeric column's,
and it goes out of view whole."""


class KeyedTable(DataTable[LiveCell]):
    """Rows identified by stable keys: `apply()` adds, updates and removes rows without rebuilding the table.

    The table measures its columns itself (each column as wide as its widest text, the flex column fitted to
    the screen) and tells the DataTable the size that gives; the DataTable holds `LiveCell`s over `_shown`.
    """

    BINDINGS = [
        Binding("s", "cycle_sort", "Sort", id="sort"),
        Binding("S", "reverse_sort", "Reverse", id="sort-reverse", show=False),
    ]

    _bulk: bool | None = None
    """Not None while a bulk update defers refreshes (True: one with layout is due)."""

    on_columns_hint: Callable[[tuple[str, str]], None] | None = None
    """Told the columns out of view (`columns_hint`) when that changes: the Panel shows it in its border, as the
    table has no horizontal scrollbar (a bar the width of the table, for a column or two, read as a blank row)."""
    _hint = ("", "")

    def __init__(self, columns: Sequence[Column], *, default_sort: str | None = None,
                 default_reverse: bool = False, id: str | None = None) -> None:
        super().__init__(id=id, cursor_type="row", zebra_stripes=True, cursor_foreground_priority="css")
        self.spec = tuple(columns)
        self.sort_key = default_sort
        self.sort_reverse = default_reverse
        self.filter_text = ""
        self._all: dict[str, tuple[Cell, ...]] = {}
        self._remainder: tuple[Cell, ...] | None = None  # what the bill holds that no row shows (see apply)
        self._shown: dict[str, tuple[Cell, ...]] = {}
        self._keys: dict[str, RowKey] = {}  # the DataTable's key of each row, for removing it
        self._totals = any(c.total for c in self.spec)
        self._flex = next((i for i, c in enumerate(self.spec) if c.flex), None)
        self._wrap = next((i for i, c in enumerate(self.spec) if c.wrap and c.flex), None)
        self._natural: list[int] = []  # widest text per column (label included), measured at each sync
        self._order: list[str] | None = None  # the row keys in the order last given to the DataTable

    def on_mount(self) -> None:
        for col in self.spec:
            self.add_column(self._label(col), key=col.key)
        self._measure()

    def on_resize(self) -> None:
        """Give the flex column the width the others leave."""
        self._fit_flex()
        self.call_after_refresh(self._tell_hint)

    def watch_scroll_x(self, old_value: float, new_value: float) -> None:
        """Scrolled sideways: other columns are out of view."""
        super().watch_scroll_x(old_value, new_value)
        self._tell_hint()

    def columns_out_of_view(self) -> tuple[list[str], list[str]]:
        """The labels of the columns whose text is (partly) out of view to the left, and to the right."""
        width = self.scrollable_content_region.width
        if not width:
            return [], []
        start, pad = round(self.scroll_x), self.cell_padding
        left: list[str] = []
        right: list[str] = []
        x = 0
        for spec, column in zip(self.spec, self._columns(), strict=True):
            end = x + column.get_render_width(self)
            if x + pad < start:
                left.append(spec.label)
            elif end - pad > start + width:
                right.append(spec.label)
            x = end
        return left, right

    def columns_hint(self) -> tuple[str, str]:
        """What a user reads in the panel's border about what the columns do not show, in full and short: ("5 more
        columns →", "→"), ("← Namespace", "←"), with "+: at least" in full when the totals row's name, which says
        it, is cut (("", ""): nothing). ← and → scroll the table sideways."""
        left, right = self.columns_out_of_view()
        full, short = [], []
        if self._plus_cut():
            full.append(PLUS_MEANS)
        if left:
            full.append(f"← {left[0]}" if len(left) == 1 else f"← {len(left)} columns")
            short.append("←")
        if right:
            full.append(f"{right[0]} →" if len(right) == 1 else f"{len(right)} more columns →")
            short.append("→")
        return " · ".join(full), " ".join(short)

    def _plus_cut(self) -> bool:
        """Whether the totals row says "(+: at least)" in a first column too narrow to show it."""
        total = self._shown.get(TOTAL_KEY)
        if total is None or not total[0].plain.endswith(f"({PLUS_MEANS})"):
            return False
        column = self._columns()[0]
        width: int = column.content_width if column.auto_width else column.width
        return width < text_width(total[0].plain)

    def _tell_hint(self) -> None:
        hint = self.columns_hint()
        if hint != self._hint:
            self._hint = hint
            if self.on_columns_hint is not None:
                self.on_columns_hint(hint)

    def _measure(self, columns: set[int] | None = None) -> None:
        """Measure the widest text of each column (of `columns` only: the others did not change) and size the
        table to it."""
        rows = list(self._shown.values())
        if columns is None or len(self._natural) != len(self.spec):
            columns = set(range(len(self.spec)))
            self._natural = [0] * len(self.spec)
        table_columns = self._columns()
        for i in columns:
            self._natural[i] = max(text_width(self._label(self.spec[i]).plain), widest([row[i].plain for row in rows]))
            if table_columns[i].auto_width:
                table_columns[i].content_width = self._natural[i]
        if not self._fit_flex():
            self._fit_size()

    def flex_width(self, available: int) -> int | None:
        """The flex column's text width when the table is `available` cells wide (None: no flex column)."""
        if self._flex is None or not self._natural:
            return None
        pad = 2 * self.cell_padding
        others = sum(w + pad for i, (w, c) in enumerate(zip(self._natural, self.spec, strict=True))
                     if i != self._flex and not c.extra)
        natural = self._natural[self._flex]
        width = min(natural, max(FLEX_MIN, available - others - pad))  # never wider than its texts
        # a column after the flex one that would show in part goes out of view whole, the flex column taking the
        # cells it would have shown (blank after its texts): a figure cut reads as another ("at least $0" of
        # "at least $0.47", "412,000/9"), a short column as another column ("Billed" of "Billed replica-h", "Chan"
        # over "Nov "); a long text shows its start. The columns that fit keep their place: `extra` ones come last.
        x = 0
        for i, (w, c) in enumerate(zip(self._natural, self.spec, strict=True)):
            if i == self._flex:
                x += width + pad
            elif i > self._flex and x + w + pad > available:
                shown = available - x - pad
                return width + max(0, available - x) if c.numeric or shown < PART_SHOWN_MIN else width
            else:
                x += w + pad
        return width

    def _fit_flex(self) -> bool:
        """Fit the flex column to the width on screen; whether its width changed (then the table was laid out)."""
        if self._flex is None or not self.size.width:
            return False
        available, height = self.size
        pad = 2 * self.cell_padding
        if sum(self._natural) + pad * len(self._natural) > available:  # columns go off-screen: a scrollbar row
            height -= self.styles.scrollbar_size_horizontal
        if self._lines() + self.header_height > height:  # the vertical scrollbar takes a column
            available -= self.styles.scrollbar_size_vertical
        width = self.flex_width(available)
        column = self._columns()[self._flex]
        if width is None or (not column.auto_width and column.width == width):
            return False
        column.auto_width, column.width = False, width
        self._relayout()
        return True

    def _wraps(self) -> bool:
        """Whether some row shown wraps its text (a `Column.wrap` table, or a remainder row: `apply`)."""
        return self._wrap is not None or (self._flex == 0 and self._remainder is not None
                                          and REMAINDER_KEY in self._keys)

    def _relayout(self) -> None:
        """Redraw after a column width changed; wrapped rows take the lines their text needs at the new width."""
        if self._wraps():
            self._fit_heights()
        self._fit_size()
        self.notify_style_update()  # Textual's public way to drop the rendered rows and cells
        self.refresh(layout=True)

    def _fit_heights(self) -> None:
        """Give each row of a wrapping table (else the remainder row) the lines its wrapped cell takes in the flex
        column's width."""
        at = self._wrap if self._wrap is not None else self._flex
        assert at is not None
        console, column = self.app.console, self._columns()[at]
        width = column.width if not column.auto_width else column.content_width
        wrapped = self._shown.items() if self._wrap is not None else (
            (key, cells) for key, cells in self._shown.items() if key == REMAINDER_KEY)
        for key, cells in wrapped:
            row_key = self._keys[key]
            lines = max(1, len(cells[at].__rich__().wrap(console, max(1, width))))
            row = self.rows[row_key]
            if row.height != lines:
                row.height = lines
                # the public way to tell the table that a row changed (its line offsets are cached per change)
                self.update_cell(row_key, column.key, LiveCell(self._shown, key, at))

    def _fit_size(self) -> None:
        """Tell the scrolling how big the table is now (what Textual works out when rows come or go)."""
        width = sum(c.get_render_width(self) for c in self.columns.values())
        self.virtual_size = Size(width, self._lines() + (self.header_height if self.show_header else 0))
        self.call_after_refresh(self._tell_hint)

    def _lines(self) -> int:
        """The lines the rows take (a wrapping table's rows may take several each)."""
        return sum(r.height for r in self.rows.values()) if self._wraps() else self.row_count

    def _columns(self) -> list[Any]:
        """The DataTable's columns, in `spec` order."""
        return [self.columns[self._column_key(c.key)] for c in self.spec]

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
        """Rows the filter lets through (the remainder and totals rows not counted)."""
        return len(self._shown) - sum(key in self._shown for key in PINNED_KEYS)

    def apply(self, rows: Sequence[Row], remainder: tuple[Cell, ...] | None = None) -> None:
        """Show exactly these rows: unchanged rows are untouched, changed cells are updated in place.

        `remainder`: the cells of a row for what the bill holds and no row shows (resources no longer listed),
        shown above the totals row so the money columns add up to the bill; not under a filter (it has no name
        to match).
        """
        if remainder is not None and self._flex == 0:  # what is not in the table, read whole: wrapped, never cut
            remainder = (remainder[0]._replace(wrap=True), *remainder[1:])
        self._remainder = remainder
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
        resources = len(shown)
        if self._remainder is not None and not self.filter_text:
            shown = {**shown, REMAINDER_KEY: self._remainder}
        if self._totals and len(shown) > 1:
            shown = {**shown, TOTAL_KEY: totals_row(self.spec, list(shown.values()), resources)}
        return shown

    def refresh(self, *regions: Region, repaint: bool = True, layout: bool = False,
                recompose: bool = False) -> Self:
        """Refresh, or during a bulk update note that one is due (one refresh instead of one per change)."""
        if self._bulk is not None and not regions and not recompose:
            self._bulk = self._bulk or layout
            return self
        return super().refresh(*regions, repaint=repaint, layout=layout, recompose=recompose)

    def _sync(self) -> None:
        self._bulk = False
        changed = True  # until the sync says otherwise: one cut short by an error may have changed rows shown
        try:
            changed = self._sync_rows()
        finally:
            layout, self._bulk = self._bulk, None
            if changed:
                # The cells shown changed under the DataTable (see LiveCell): drop what it rendered before. This
                # also keeps Textual's render caches from piling up to their LRU bounds (tens of MB).
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
        shown, width = self._shown, len(self.spec)
        for key in [k for k in shown if k not in wanted]:
            self.remove_row(self._keys.pop(key))
            del shown[key]
            reorder = resized = True
            self._order = None
        sort_at = self._sort_at()
        for key, cells in wanted.items():
            old = shown.get(key)
            shown[key] = cells
            if old is None:
                self._keys[key] = self.add_row(*(LiveCell(shown, key, i) for i in range(width)), key=key)
                reorder = resized = True
                self._order = None  # the DataTable put the new row last
            elif old != cells:
                changed = True
                if len(touched) < width:
                    touched.update(compress(range(width), map(ne, cells, old)))  # compared in one C loop
                reorder = reorder or (sort_at >= 0 and cells[sort_at].sort != old[sort_at].sort)
        if reorder:
            self._resort(cursor_key)
        if resized or touched:
            self._measure(None if resized else touched)
        if self._wraps() and (resized or touched):
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
            order = self._sorted_keys(self._sort_at())
            if order != self._order:
                position = {key: i for i, key in enumerate(order)}
                # the first column's LiveCell names its row: one dict look-up per row, the order computed above
                self.sort(self.spec[0].key, key=lambda live: position[live.key])
                self._order = order
        if cursor_key is not None and cursor_key in self._shown:
            index = self.get_row_index(cursor_key)
            if index != self.cursor_row:
                self.move_cursor(row=index, animate=False, scroll=False)

    def _sort_at(self) -> int:
        """The index of the sort column (-1: none)."""
        return next((i for i, c in enumerate(self.spec) if c.key == self.sort_key), -1)

    def _sorted_keys(self, at: int) -> list[str]:
        """The keys of the rows shown in sort order: known values in the chosen direction, then missing ones
        (`sort[0] == 1`) in that direction too, then the remainder and totals rows; ties keep the order rows
        came in."""
        groups: tuple[list[tuple[Any, str]], ...] = ([], [])
        for key, cells in self._shown.items():
            if key not in PINNED_KEYS:
                value = cells[at].sort
                groups[value[0]].append((value[1:], key))
        return [*(key for group in groups for _, key in sorted(group, key=itemgetter(0), reverse=self.sort_reverse)),
                *(key for key in PINNED_KEYS if key in self._shown)]

    def sort_by(self, key: str, reverse: bool | None = None) -> None:
        """Sort by a column; numeric columns start largest first."""
        col = next(c for c in self.spec if c.key == key)
        if reverse is None:
            reverse = (not self.sort_reverse) if key == self.sort_key else col.numeric
        self.sort_key, self.sort_reverse = key, reverse
        for spec, column in zip(self.spec, self._columns(), strict=True):
            column.label = self._label(spec)
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

    def action_select_cursor(self) -> None:
        """Enter: say which row was chosen (its detail opens). DataTable's own first repaints the row to hide the
        mouse's hover cursor, and that repaint cost a whole frame of the table before the detail's."""
        if self.show_cursor and self.row_count:
            row_key = self.coordinate_to_cell_key(self.cursor_coordinate).row_key
            self.post_message(DataTable.RowSelected(self, self.cursor_row, row_key))

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        """Clicking a header sorts by it (again: reverses)."""
        event.stop()
        if event.column_key.value is not None:
            self.sort_by(event.column_key.value)
