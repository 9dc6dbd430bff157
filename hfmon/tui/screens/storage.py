"""Storage: private storage against its limit, and every repo largest first, with downloads and likes."""

from __future__ import annotations

from collections.abc import Mapping

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from hfmon import format as fmt
from hfmon.figures import Total
from hfmon.report import NamespaceStorage
from hfmon.tui import repo_rows, rows
from hfmon.tui.screens.base import View, fill
from hfmon.tui.state import ViewState
from hfmon.tui.widgets.panel import Panel
from hfmon.tui.widgets.table import KeyedTable


class StorageView(View):
    """Storage per repo, private vs the limit."""

    def compose_body(self) -> ComposeResult:
        yield Static(id="storage-summary", classes="summary")
        yield Panel(KeyedTable(repo_rows.REPO_COLUMNS, default_sort="size", default_reverse=True, id="repos"),
                    title="Repositories", id="repos-panel", classes="grow")

    def render_state(self, state: ViewState) -> None:
        s, t = state.report.storage.of(state.namespace), state.tones
        text = Text()
        text.append("Private ", style="bold")
        text.append(fmt.size_total(s.private_bytes))
        if len(s.by_namespace) == 1:
            _against_limit(text, s.by_namespace[0], t)
        elif not s.by_namespace:
            text.append(" (no limit known)", style=t.get("muted", ""))
        text.append("   Public ", style="bold")
        text.append(fmt.size_total(s.public_bytes))
        if len(s.by_namespace) > 1:  # each namespace against its own limit, the fullest first: a pooled one is no one's
            text.append("   private, each against its own limit:", style=t.get("muted", ""))
            width = max(len(n.namespace) for n in s.by_namespace)
            for n in s.worst_first:
                text.append(f"\n  {n.namespace:<{width}} ")
                text.append(fmt.size(n.private_bytes))
                _against_limit(text, n, t)
        note = fmt.missing_note(Total.sum((s.private_bytes, s.public_bytes), 0), len(state.report.namespaces))
        if note:
            text.append(f"\nnot in it: {note}", style=t.get("warn", ""))
        missing = repo_rows.repo_note(state.report, state.namespace)
        if missing:
            text.append("\n" + missing, style=t.get("warn", ""))
        self.query_one("#storage-summary", Static).update(text)
        fill(self.query_one("#repos-panel", Panel), self.query_one("#repos", KeyedTable),
             repo_rows.repo_rows(state.report, state.namespace, t),
             rows.panel_badge(state.report, "repos", state.namespace, state.now), "repos")


def _against_limit(text: Text, n: NamespaceStorage, tones: Mapping[str, str]) -> None:
    """` of 1.00 TB ████ 120% OVER LIMIT`: one namespace's private bytes against its own limit."""
    if n.private_limit_bytes is None:
        text.append(" (no limit known)", style=tones.get("muted", ""))
        return
    text.append(f" of {fmt.size(n.private_limit_bytes)}")
    if n.share is None:
        return
    pct = n.share * 100
    tone = "bad" if pct >= 100 else "warn" if pct >= 80 else "good"
    width = 20
    filled = min(width, round(width * pct / 100))
    text.append(" " + "█" * filled, style=tones.get(tone, ""))
    text.append("░" * (width - filled), style=tones.get("muted", ""))
    text.append(f" {pct:.0f}%" + (" OVER LIMIT" if pct > 100 else ""), style=tones.get(tone, ""))
