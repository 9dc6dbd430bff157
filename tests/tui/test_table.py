"""The keyed table on its own: what a poll changes is what is drawn, columns fit their widest text, and rows
scrolled into view show the newest figures."""

from __future__ import annotations

from textual.app import App, ComposeResult

from hfmon.tui.widgets.cells import Column, Row, cell
from hfmon.tui.widgets.table import KeyedTable

COLUMNS = (Column("name", "Name"), Column("usd", "USD", numeric=True))


class OneTable(App[None]):
    """A screen with one table."""

    def __init__(self, table: KeyedTable) -> None:
        super().__init__()
        self.table = table

    def compose(self) -> ComposeResult:
        yield self.table


def money_rows(amounts: dict[str, tuple[str, float]]) -> list[Row]:
    """Rows of a name and a money text sorting by its amount."""
    return [(name, (cell(name), cell(text, value, right=True))) for name, (text, value) in amounts.items()]


def drawn(table: KeyedTable) -> list[str]:
    """The table's lines as drawn now (header first), trailing blanks dropped; one cell of padding each side
    of every column."""
    return [table.render_line(y).text.rstrip() for y in range(table.size.height)]


async def test_a_changed_amount_is_drawn_and_its_column_grows_and_shrinks_to_the_widest_text() -> None:
    table = KeyedTable(COLUMNS, default_sort="usd", default_reverse=True)
    async with OneTable(table).run_test(size=(60, 8)) as pilot:
        table.apply(money_rows({"a": ("$1.00", 1), "b": ("$2.00", 2)}))
        await pilot.pause()
        # one cell of padding each side: Name is 4 wide, "USD ▼" 5 wide
        assert drawn(table)[:3] == [" Name  USD ▼", " b     $2.00", " a     $1.00"]
        assert table.virtual_size.width == (1 + 4 + 1) + (1 + 5 + 1)

        table.apply(money_rows({"a": ("$1,234,567.00", 1234567), "b": ("$2.00", 2)}))
        await pilot.pause()
        assert drawn(table)[:3] == [" Name          USD ▼", " a     $1,234,567.00", " b             $2.00"]
        assert table.virtual_size.width == (1 + 4 + 1) + (1 + 13 + 1)

        table.apply(money_rows({"a": ("$1.00", 1), "b": ("$2.00", 2)}))
        await pilot.pause()
        assert drawn(table)[:3] == [" Name  USD ▼", " b     $2.00", " a     $1.00"]
        assert table.virtual_size.width == (1 + 4 + 1) + (1 + 5 + 1)


async def test_a_figure_that_changes_in_place_is_drawn_anew() -> None:
    table = KeyedTable(COLUMNS)  # unsorted, and the new text as wide as the old: nothing moves
    async with OneTable(table).run_test(size=(40, 8)) as pilot:
        table.apply(money_rows({"a": ("$1.00", 1), "b": ("$2.00", 2)}))
        await pilot.pause()
        assert drawn(table) == [" Name    USD", " a     $1.00", " b     $2.00"]
        table.apply(money_rows({"a": ("$7.00", 7), "b": ("$2.00", 2)}))
        await pilot.pause()
        assert drawn(table) == [" Name    USD", " a     $7.00", " b     $2.00"]


async def test_rows_scrolled_into_view_after_a_poll_show_that_polls_figures() -> None:
    table = KeyedTable(COLUMNS)  # unsorted: rows stay in the order given
    names = [f"r{i:02d}" for i in range(40)]
    async with OneTable(table).run_test(size=(40, 8)) as pilot:
        table.apply(money_rows({n: (f"${i}.00", i) for i, n in enumerate(names)}))
        await pilot.pause()
        assert drawn(table)[1] == " r00    $0.00"  # "$39.00" is the widest; the last rows are below the screen
        table.apply(money_rows({n: (f"${i + 100}.00", i + 100) for i, n in enumerate(names)}))
        await pilot.pause()
        table.scroll_end(animate=False)
        await pilot.pause()
        assert drawn(table)[-1] == " r39   $139.00"
        assert table.virtual_size.height == 1 + 40  # the header and one line per row


async def test_removed_rows_go_and_the_table_is_as_tall_as_the_rows_left() -> None:
    table = KeyedTable(COLUMNS)
    async with OneTable(table).run_test(size=(40, 8)) as pilot:
        table.apply(money_rows({"a": ("$1.00", 1), "b": ("$2.00", 2), "c": ("$3.00", 3)}))
        await pilot.pause()
        table.apply(money_rows({"c": ("$3.00", 3)}))
        await pilot.pause()
        assert drawn(table) == [" Name    USD", " c     $3.00"]  # the table is as tall as its rows
        assert table.virtual_size.height == 2 and table.row_count == 1


async def test_sorting_puts_missing_amounts_after_known_ones_in_both_directions_and_ties_keep_their_order() -> None:
    table = KeyedTable(COLUMNS, default_sort="usd", default_reverse=True)

    def names() -> list[str]:
        return [line.split()[0] for line in drawn(table)[1:] if line.strip()]

    async with OneTable(table).run_test(size=(60, 10)) as pilot:
        rows = money_rows({"tie1": ("$2.00", 2), "low": ("$1.00", 1), "tie2": ("$2.00", 2), "top": ("$5.00", 5)})
        rows.insert(1, ("nil", (cell("nil"), cell("—", right=True))))  # an unknown amount
        table.apply(rows)
        await pilot.pause()
        assert names() == ["top", "tie1", "tie2", "low", "nil"]  # largest first; ties as they came; unknown last

        table.sort_by("usd", reverse=False)
        await pilot.pause()
        assert names() == ["low", "tie1", "tie2", "top", "nil"]  # smallest first; unknown still last

        # the same rows again plus one new: it goes to its sorted place, not to the end where it was added
        table.apply([*rows, ("mid", (cell("mid"), cell("$3.00", 3, right=True)))])
        await pilot.pause()
        assert names() == ["low", "tie1", "tie2", "mid", "top", "nil"]

        # one amount moves past another: the order follows, and the cursor stays on its row
        table.move_cursor(row=names().index("top"))
        table.apply([(k, (c[0], cell("$0.50", 0.5, right=True)) if k == "top" else c)
                     for k, c in [*rows, ("mid", (cell("mid"), cell("$3.00", 3, right=True)))]])
        await pilot.pause()
        assert names() == ["top", "low", "tie1", "tie2", "mid", "nil"]
        assert table.cursor_key() == "top"
