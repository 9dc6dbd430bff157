"""The Storage screen's shares and the namespace detail's sizes are of the Report's storage totals (the figures
the screen shows), never a sum the dashboard makes of its own; an unknown total makes the shares unknown."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from hfmon.figures import Total
from hfmon.report import NamespaceStorage, Report
from hfmon.repositories import RepoRow, Repositories
from tests.tui.builder import FakeSource, build_report
from tests.tui.test_app import app_for, settle, text_of
from tests.tui.test_details import detail_text, open_row
from tests.tui.test_repositories import cells

GB = 1_000_000_000


def alice_storage(private: int | None, public: int | None) -> FakeSource:
    """The demo Report with alice's storage (usage-v2) set: her repos list 46.152 GB, whatever usage says."""
    def make(now: datetime, tick: int) -> Report:
        r = build_report(now, tick=tick)
        by_ns = tuple(NamespaceStorage("alice", private, None, public, "storage:alice") if n.namespace == "alice"
                      else n for n in r.storage.by_namespace)
        return replace(r, storage=replace(r.storage, by_namespace=by_ns))
    return FakeSource(make)


async def show_alice_storage(app: object, pilot: object) -> None:
    await settle(app, pilot)  # type: ignore[arg-type]
    await pilot.press("n", "5")  # type: ignore[attr-defined]
    await pilot.pause()  # type: ignore[attr-defined]


async def test_a_repos_share_is_of_the_storage_the_screen_shows() -> None:
    app = app_for(alice_storage(10 * GB, 90 * GB))
    async with app.run_test(size=(120, 40)) as pilot:
        await show_alice_storage(app, pilot)
        assert app.namespace == "alice"
        summary = text_of(app, "#storage-summary")
        assert "Private 10.0 GB (no limit known)" in summary and "Public 90.0 GB" in summary
        # 41.2 GB of the 100 GB shown (10 private + 90 public); not 89% of the 46.152 GB her repos list
        assert cells(app, "repos", "model:alice/sd-loras")[4] == "41%"
        assert cells(app, "repos", "dataset:alice/private-notes")[4] == "3%"  # 3.1 GB of 100 GB


async def test_shares_are_unknown_when_the_storage_total_is() -> None:
    app = app_for(alice_storage(None, 90 * GB))
    async with app.run_test(size=(120, 40)) as pilot:
        await show_alice_storage(app, pilot)
        summary = text_of(app, "#storage-summary")
        assert "Private unknown" in summary and "not in it: " in summary
        assert cells(app, "repos", "model:alice/sd-loras")[4] == "—"
        assert cells(app, "repos", "model:alice/sd-loras")[2] == "41.2 GB"  # the repo's own size is still known


async def test_every_namespace_shares_the_accounts_whole_storage() -> None:
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await pilot.pause()
        # 812 GB of 1,283.424 GB private + 43.052 GB public = 61.2%
        assert cells(app, "repos", "model:acme/llama-ft-checkpoints")[4] == "61%"
        first = text_of(app, "#storage-summary").splitlines()[0]
        assert first == "Private 1.28 TB   Public 43.1 GB   private, each against its own limit:"  # no pooled limit


def test_stored_bytes_by_type_are_missing_a_part_never_zero() -> None:
    rows = (RepoRow("acme", "acme/a", "model", True, 5 * GB, None, None, None),
            RepoRow("acme", "acme/b", "model", True, None, None, None, None),
            RepoRow("acme", "acme/d", "dataset", True, 2 * GB, None, None, None),
            RepoRow("alice", "alice/c", "model", False, 1 * GB, None, None, None))
    repos = Repositories(rows, ("spaces:acme",))
    assert repos.stored_bytes("alice", "model") == Total(GB)
    assert repos.stored_bytes("acme", "dataset") == Total(2 * GB)
    assert repos.stored_bytes("acme", "model") == Total(5 * GB, ("size:acme/b",))  # at least 5 GB
    assert repos.stored_bytes(None, "model") == Total(6 * GB, ("size:acme/b",))
    assert repos.stored_bytes("acme", "space") == Total(None, ("spaces:acme",))  # its listing unread: unknown
    assert repos.stored_bytes("alice", "space") == Total(0)  # read, and none: a real zero


async def test_the_namespace_detail_sizes_are_the_reports() -> None:
    def make(now: datetime, tick: int) -> Report:
        r = build_report(now, tick=tick)
        rows = tuple(row._replace(storage_bytes=None) if row.id == "acme/eval-results" else row
                     for row in r.repositories.repos)
        return replace(r, repositories=replace(r.repositories, repos=rows))

    app = app_for(FakeSource(make))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await open_row(app, pilot, "1", "spend", "acme")
        text = detail_text(app)
        assert "models                1 · 812.0 GB" in text
        assert "datasets              2 · at least 455.0 GB" in text  # eval-results' size unknown
        assert "Spaces                1 · 2.00 GB" in text
