"""The mouse: a click on a tab shows its screen with the keys going to its table; a click on a header sorts."""

from __future__ import annotations

from textual.widgets._tabbed_content import ContentTab

from tests.tui.test_app import app_for, row_keys, settle, table


async def test_a_click_on_a_tab_shows_its_screen_and_gives_its_table_the_keys() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.click(f"#{ContentTab.add_prefix('tab-endpoints')}")
        await pilot.pause()
        assert app.active_screen_id == "endpoints"
        assert app.focused is table(app, "endpoints")  # Enter now opens a row, as after pressing 3
        await pilot.click(f"#{ContentTab.add_prefix('tab-storage')}")
        await pilot.pause()
        assert app.active_screen_id == "storage" and app.focused is table(app, "repos")


async def test_a_click_on_a_header_sorts_by_that_column() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await pilot.pause()
        repos = table(app, "repos")
        columns = list(repos.columns.values())
        at = next(i for i, c in enumerate(columns) if c.key.value == "downloads")
        x = sum(c.get_render_width(repos) for c in columns[:at]) + 2
        await pilot.click(repos, offset=(x, 0))
        await pilot.pause()
        assert repos.sort_key == "downloads"
        assert row_keys(repos)[:2] == ["model:alice/tiny-bert", "model:alice/sd-loras"]  # 120,400 then 15,320
