"""Pure view code: the remainder row that makes a resource table's billed column add up to the bill.

The bill of a product comes from the statement (`Report.billed_for`), which also holds resources deleted this
period; the table lists only what is listed now. The difference is `Report.billed_unlisted`: shown as its own
row, so the totals row is the bill and never a total that merely looks complete.
"""

from __future__ import annotations

from collections.abc import Sequence

from hfmon import format as fmt
from hfmon.report import Report
from hfmon.tui.rows import Tones
from hfmon.tui.widgets.cells import PINNED, Cell, Column, blank_cell, cell

UNLISTED = "no longer listed"
"""The remainder row's name: resources the statement bills and no listing holds (deleted this period)."""
UNLISTED_NOW = "not listed, billed now"
"""Its name when some of it is billed now (a statement line still accruing): not deleted, hidden from the token."""
UNLISTED_UNKNOWN = "not listed: unknown"
"""Its name when the remainder cannot be known (a statement or a listing unread, or a listed row's bill)."""


def remainder_row(report: Report, product: str, ns: str | None, spec: Sequence[Column],
                  tones: Tones) -> tuple[Cell, ...] | None:
    """The cells of the remainder row of a `product` table (`endpoints`, `spaces`, `jobs`) with columns `spec`:
    the billed remainder (unknown when it cannot be known), an unknown recomputed cost (what a resource no longer
    listed would cost is not recomputed), an unknown $/h now when a listing was unread, the rest blank. None: the
    rows are the whole bill."""
    unlisted = report.billed_unlisted(product, ns)
    if unlisted == 0:
        return None
    warn = tones.get("warn", "")
    name = UNLISTED_UNKNOWN if unlisted is None else (
        UNLISTED_NOW if report.billed_now_unlisted(product, ns) else UNLISTED)
    cells: list[Cell] = []
    for i, col in enumerate(spec):
        if i == 0:
            cells.append(Cell(name, (PINNED,), tones.get("muted", "") if unlisted is not None else warn))
        elif col.key == "billed":
            cells.append(cell(fmt.money(unlisted), unlisted, right=True) if unlisted is not None
                         else Cell(fmt.UNKNOWN, (1, fmt.UNKNOWN), warn, True))
        elif col.key == "recomputed":
            cells.append(cell(fmt.MISSING, right=True))
        elif col.key == "rate" and report.running_unlisted(product, ns) is None:
            cells.append(Cell(fmt.UNKNOWN, (1, fmt.UNKNOWN), warn, True))  # an unread listing's resources may run
        else:
            cells.append(blank_cell(col.numeric))
    return tuple(cells)
