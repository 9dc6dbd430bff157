"""Pilot tests of the totals rows, and of sorting at 80 columns (every money column stays on screen)."""

from __future__ import annotations

from hfmon.tui.widgets.cells import TOTAL_KEY
from hfmon.tui.widgets.table import KeyedTable
from tests.tui.test_app import all_row_keys, app_for, settle, table


def totals(t: KeyedTable, column: str) -> str:
    return str(t.get_cell(TOTAL_KEY, column).cell.plain)


async def test_the_endpoints_totals_row_sums_what_is_shown_and_stays_last() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await pilot.pause()
        endpoints = table(app, "endpoints")
        assert all_row_keys(endpoints)[-1] == TOTAL_KEY
        assert totals(endpoints, "name") == "Total of 6 (+: at least)"
        # billed 1200 + 11 + 8 + 3 + 1.35 + 400; acme/rerank is unpriced: recomputed and $/h are lower bounds
        assert totals(endpoints, "billed") == "$1,623.35"
        assert totals(endpoints, "recomputed") == "$1,223.35+"
        assert totals(endpoints, "rate") == "$3.50+"  # llm-prod 2.50 + whisper-eu 1.00 billed now
        assert totals(endpoints, "state") == ""
        for key in ("s", "S", "s", "S"):
            endpoints.focus()
            await pilot.press(key)
            await pilot.pause()
            assert all_row_keys(endpoints)[-1] == TOTAL_KEY
        await pilot.press("slash", *"acme", "enter")
        await pilot.pause()
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
