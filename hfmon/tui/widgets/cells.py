"""What a table shows: cells (text, style and the value each sorts by), columns, rows and the totals row."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, NamedTuple

from rich.cells import cell_len
from rich.text import Text


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


_new_cell = tuple.__new__
"""Makes a Cell from all its fields at once: a third of `Cell(...)`'s cost, and a big table makes thousands."""


MISSING_TEXTS = frozenset(("", "—", "unpriced", "unknown"))
"""Texts of a cell without a value: sorted last, and an unknown part of a total (never added as a figure)."""


def cell(text: str | Styled, value: Any = None, *, style: str = "", right: bool = False) -> Cell:
    """A cell sorting by `value`, or by its text when no value is given; missing values sort last."""
    if isinstance(text, Styled):
        style = text.style or style
        text = text.text
    if value is not None:
        return _new_cell(Cell, (text, (0, value), style, right, False))
    if text in MISSING_TEXTS:
        return _new_cell(Cell, (text, (1, text), style, right, False))
    return _new_cell(Cell, (text, (0, text.lower()), style, right, False))


class LiveCell:
    """What the DataTable holds for one cell: a view of the table's current row, so a poll that changes a
    thousand cells changes the table's own rows and drops the rendered lines, instead of a DataTable update
    per cell (and a cell scrolled off-screen costs nothing until it is drawn)."""

    __slots__ = ("at", "key", "rows")

    def __init__(self, rows: dict[str, tuple[Cell, ...]], key: str, at: int) -> None:
        self.rows, self.key, self.at = rows, key, at

    @property
    def cell(self) -> Cell:
        """The cell shown now."""
        return self.rows[self.key][self.at]

    def __rich__(self) -> Text:
        return self.cell.__rich__()


def text_width(text: str) -> int:
    """Cells `text` takes: len for ASCII (4x faster than cell_len over a 1,000-row column)."""
    return len(text) if text.isascii() else cell_len(text)


def widest(texts: list[str]) -> int:
    """The widest of many texts, measured in one pass (this runs over every cell of a 1,000-row table)."""
    if not texts:
        return 0
    return max(map(len, texts)) if "".join(texts).isascii() else max(map(cell_len, texts))


@dataclass(frozen=True, slots=True)
class Column:
    """A column: its key, its label, whether numbers in it sort largest first, and how it fits a narrow screen.

    A `flex` column (at most one per table, holding long names) shrinks, cut with "…", until every column
    that is not `extra` fits on screen; it never grows past its content, but by the cells an `extra` column
    would show in part (that column goes off-screen whole: `table.PART_SHOWN_MIN`). `extra` columns may go
    off-screen to the right (reached by scrolling), so they come last. A `wrap` flex column wraps its text onto
    more lines instead of cutting it (for advice that must be read whole; only in small tables).
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
REMAINDER_KEY = "\x00remainder"
"""The key of the remainder row: what the bill holds that no row shows (resources no longer listed)."""
PINNED_KEYS = (REMAINDER_KEY, TOTAL_KEY)
"""The rows that stay below every other row, in this order, whatever the sort."""
PINNED = 2
"""`Cell.sort[0]` of a cell of a pinned row that is not a part of any total (left blank by design)."""


def blank_cell(right: bool = False) -> Cell:
    """A pinned row's empty cell: not a part of its column's total (unlike `—`, which is an unknown part)."""
    return Cell("", (PINNED,), right=right)


PLUS_MEANS = "+: at least"
"""What the `+` after a total means (the totals row's name says it; the panel's border when that name is cut)."""


def totals_row(spec: Sequence[Column], rows: Sequence[tuple[Cell, ...]], resources: int) -> tuple[Cell, ...]:
    """The totals row of `rows` (`resources` of them resources, the rest a remainder row): each `total` column
    added up, blank cells left out. A row whose amount is unknown makes the sum a lower bound, marked `+`
    (`$1,223.35+`: narrower than "at least", so the money columns stay on an 80-column screen), and the first
    column says what `+` means; with no amount known it is `unknown`."""
    from hfmon import format as fmt  # a widget module that needs money words only here
    from hfmon.report import Total

    out: list[Cell] = []
    partial = False
    for i, col in enumerate(spec):
        text = ""
        if i and col.total:
            # (0, amount), or (1, text) where the amount is unknown; a blank cell (PINNED) is no part
            sorts = [s for s in (r[i].sort for r in rows) if s[0] != PINNED]
            missing: list[tuple[str, Decimal | None]] = [(str(n), None) for n, s in enumerate(sorts) if s[0] != 0]
            known = [s[1] for s in sorts if s[0] == 0]
            # the known amounts as one part: the same sum as part by part, with one Total.of call per column
            total = Total.of([*missing, ("known", sum(known, Decimal(0)))] if known else missing, Decimal(0))
            text = fmt.money(total.known, missing=fmt.UNKNOWN) + ("" if total.complete or total.known is None else "+")
            partial = partial or text.endswith("+")
        out.append(Cell(text, (PINNED,), "bold", right=col.numeric))
    first = f"Total of {resources}" + (f" ({PLUS_MEANS})" if partial else "")
    return (out[0]._replace(plain=first), *out[1:])
