"""The Storage screen's repositories (downloads, likes, last change) and an org's members on its detail."""

from __future__ import annotations

from hfmon.tui.app import HfmonApp
from tests.tui.test_app import app_for, row_keys, settle, table, text_of
from tests.tui.test_details import detail_text, open_row


def cells(app: HfmonApp, table_id: str, key: str) -> list[str]:
    return [c.plain for c in table(app, table_id).row_cells(key)]


async def test_repositories_largest_first_then_most_downloaded_with_unknown_said() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await pilot.pause()
        repos = table(app, "repos")
        assert row_keys(repos)[:3] == ["model:acme/llama-ft-checkpoints", "dataset:acme/web-crawl-2026",
                                       "model:alice/sd-loras"]  # 812 GB, 455 GB, 41.2 GB
        assert cells(app, "repos", "model:alice/sd-loras")[:6] == ["alice/sd-loras", "model", "41.2 GB", "15,320",
                                                                   # 41.2 of 1,327.952 GB listed
                                                                   "3%", "212"]
        assert cells(app, "repos", "space:acme/chat-ui")[3] == "n/a"  # HF counts no downloads of a Space
        assert cells(app, "repos", "bucket:alice/scratch")[3] == "—"  # no listing gives it: unknown
        assert "models of bigcorp" in text_of(app, "#storage-summary")  # the failed listing is said, not hidden
        repos.focus()
        await pilot.press("s")  # the next column after Size: Downloads, most first
        await pilot.pause()
        assert row_keys(repos)[:2] == ["model:alice/tiny-bert", "model:alice/sd-loras"]  # 120,400 then 15,320


async def test_an_orgs_detail_lists_its_members_and_repositories() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_row(app, pilot, "1", "spend", "acme")
        text = detail_text(app)
        assert "3 members" in text and "1 admin, 1 write, 1 read" in text
        assert "bob" in text and "Bob Jones" in text
        assert "models                1 · 812.0 GB" in text
        assert "datasets              2 · 467.4 GB" in text  # 455 GB + 12.4 GB
        assert "Spaces                1 · 2.00 GB" in text
        assert "most downloaded       acme/llama-ft-checkpoints (1,204 in 30 days)" in text


async def test_the_sources_panel_says_how_each_hf_api_answered_hfmon() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        lines = text_of(app, "#api-health").splitlines()
        assert "last 24 h" in lines[0]
        # 1,202 of 1,204 answered: 99.83%, floored to 99.8% (never rounded up to 100%)
        assert lines[1].split() == ["Hub", "1,204", "requests", "99.8%", "ok", "p50", "118", "ms", "p95", "480", "ms"]
        assert lines[2].split()[:5] == ["billing", "310", "requests", "100%", "ok"]
        assert lines[3].split()[:5] == ["Endpoints", "96", "requests", "87.5%", "ok"]  # 84 of 96
        assert lines[3].split()[-2:] == ["2.4", "s"]

