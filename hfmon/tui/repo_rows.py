"""Pure view code of the Repositories table (Storage screen): every repo with its storage, share, downloads,
likes and last change, from the Report's `repositories` alone."""

from __future__ import annotations

from decimal import Decimal

from hfmon import format as fmt
from hfmon.report import Report
from hfmon.tui.rows import Tones, in_namespace, num_cell, toned
from hfmon.tui.widgets.cells import Cell, Column, Row, cell

REPO_COLUMNS = (
    Column("name", "Repo", flex=True), Column("type", "Type"), Column("size", "Size", True),
    Column("downloads", "Downloads", True), Column("share", "Share", True), Column("likes", "Likes", True),
    Column("changed", "Changed", extra=True), Column("visibility", "Visibility", extra=True),
)
NOT_COUNTED = "n/a"
"""Downloads of a Space: HF counts none (unlike unknown, which is fmt.MISSING)."""


def repo_rows(report: Report, ns: str | None, tones: Tones) -> list[Row]:
    """One row per repo, largest first, with its share of the storage the screen shows (private and public); an
    unknown figure reads "—", a Space's downloads "n/a"."""
    repos = [r for r in report.repositories.repos if in_namespace(r.namespace, ns)]
    total = report.storage.of(ns).total_bytes.value  # the total the screen shows: a share of an unknown is unknown
    muted = tones.get("muted", "")
    rows: list[Row] = []
    for r in repos:
        size = r.storage_bytes
        share = None if size is None or not total else Decimal(size * 100) / total
        downloads = (Cell(NOT_COUNTED, (1, NOT_COUNTED), muted, True) if r.type == "space" and r.downloads is None
                     else num_cell(fmt.MISSING if r.downloads is None else f"{r.downloads:,}", r.downloads))
        visibility = (fmt.MISSING if r.private is None else
                      toned("private", "accent", tones) if r.private else "public")
        rows.append((f"{r.type}:{r.id}", (
            cell(r.id), cell(r.type), num_cell(fmt.size(size), size), downloads,
            num_cell(fmt.percent(share), share),
            num_cell(fmt.MISSING if r.likes is None else f"{r.likes:,}", r.likes),
            cell(fmt.day(r.last_modified), r.last_modified), cell(visibility),
        )))
    return rows


def repo_note(report: Report, ns: str | None) -> str:
    """What the table cannot show: the listings that were not read (their repos unknown, not absent)."""
    unread = report.repositories.unread(ns)
    if not unread:
        return ""
    names = ", ".join(unread)
    return f"not read this poll: {names} (their repos and downloads are unknown)"
