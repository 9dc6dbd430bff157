"""Pilot tests of the totals rows, and of sorting at 80 columns (every money column stays on screen)."""

from __future__ import annotations

from hfmon.tui.widgets.cells import REMAINDER_KEY, TOTAL_KEY
from hfmon.tui.widgets.table import KeyedTable
from tests.tui.test_app import all_row_keys, app_for, settle, table


def totals(t: KeyedTable, row: str, column: str | None = None) -> str:
    """The text of a totals-row cell (`totals(t, column)`), or of another row's (`totals(t, row, column)`)."""
    if column is None:
        row, column = TOTAL_KEY, row
    return str(t.get_cell(row, column).cell.plain)


async def test_the_endpoints_totals_row_sums_what_is_shown_and_stays_last() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await pilot.pause()
        endpoints = table(app, "endpoints")
        assert all_row_keys(endpoints)[-2:] == [REMAINDER_KEY, TOTAL_KEY]
        assert totals(endpoints, "name") == "Total of 6 (+: at least)"
        # billed 1200 + 11 + 8 + 3 + 1.35 + 400, and bigcorp's statement is unread: what it bills for endpoints no
        # longer listed is unknown, so the bill is at least that; acme/rerank is unpriced: recomputed and $/h too
        assert totals(endpoints, "billed") == "$1,623.35+"
        assert totals(endpoints, REMAINDER_KEY, "name") == "not listed: unknown"
        assert totals(endpoints, REMAINDER_KEY, "billed") == "unknown"
        assert totals(endpoints, "recomputed") == "$1,223.35+"
        assert totals(endpoints, "rate") == "$3.50+"  # llm-prod 2.50 + whisper-eu 1.00 billed now
        assert totals(endpoints, "state") == ""
        for key in ("s", "S", "s", "S"):
            endpoints.focus()
            await pilot.press(key)
            await pilot.pause()
            assert all_row_keys(endpoints)[-2:] == [REMAINDER_KEY, TOTAL_KEY]
        await pilot.press("slash", *"acme", "enter")
        await pilot.pause()
        assert REMAINDER_KEY not in all_row_keys(endpoints)  # it has no name a filter could match
        assert totals(endpoints, "name") == "Total of 4 (+: at least)"
        assert totals(endpoints, "billed") == "$1,614.00"  # 1200 + 11 + 3 + 400: the filter's rows only
        assert "4 of 6 endpoints" in str(app.query_one("#endpoints-panel").border_subtitle)


async def test_the_providers_total_is_the_inference_split() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        # 9.80 + 6.12 + 3.40 + 2.61 + 1.33 + 0.60
        assert totals(table(app, "providers"), "cost") == "$23.86"


async def test_sorting_at_80_columns_keeps_every_money_column_on_screen_with_its_arrow() -> None:
    app = app_for()
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for screen, table_id in (("3", "endpoints"), ("4", "spaces"), ("4", "jobs"), ("2", "providers")):
            await pilot.press(screen)
            await pilot.pause()
            t = table(app, table_id)
            t.focus()
            for _ in t.spec:
                await pilot.press("s")
                await pilot.pause()
                width = t.scrollable_content_region.width
                right = 0
                for spec, column in zip(t.spec, t.ordered_columns, strict=True):
                    right += column.get_render_width(t)
                    label = column.label.plain
                    if spec.key == t.sort_key:
                        assert label.endswith((" ▲", " ▼")), (table_id, spec.key)
                    if spec.numeric and not spec.extra:
                        assert right <= width, (table_id, t.sort_key, spec.key, right, width)


def test_an_unknown_rate_is_an_unknown_part_of_the_total_not_a_crash() -> None:
    # a running Space on paid hardware whose grant is unknown (statement unread): its $/h now reads "unknown"
    from decimal import Decimal

    from hfmon.tui.rows import SPACE_COLUMNS, rate_cell
    from hfmon.tui.widgets.cells import cell, totals_row

    def row(rate: object) -> tuple[object, ...]:
        return (cell("x"), cell(""), cell(""), rate, *(cell("") for _ in SPACE_COLUMNS[4:]))

    rows = [row(rate_cell(Decimal("1.50"), False, {}, True)), row(rate_cell(None, None, {}, True))]
    assert rows[1][3].plain == "unknown"  # type: ignore[attr-defined]
    out = totals_row(SPACE_COLUMNS, rows, 2)  # type: ignore[arg-type]
    assert out[3].plain == "$1.50+" and out[0].plain == "Total of 2 (+: at least)"
