"""Help: every key from the binding table, and what the freshness badges mean."""

from __future__ import annotations

from rich.console import Group
from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from hfmon.tui.bindings import BINDINGS

LEGEND = (
    ("STALE 7m", "its last poll failed: the value shown is 7 minutes old"),
    ("NO ACCESS", "the token lacks the permission: retrying will not help"),
    ("ERROR", "the source failed and there is no earlier value to show"),
    ("unpriced", "no catalog layer prices it: the cost is unknown, never $0"),
    ("—", "not reported by Hugging Face (yet)"),
)


def help_text() -> Group:
    """The keys (two to a line, so they fit 80×24 whole) and the legend; a long line wraps under its own column."""
    screens = [b for b in BINDINGS if (b.id or "").startswith("screen-")]
    keys = [(b.key_display or b.key, b.description) for b in BINDINGS if b not in screens]
    pairs = Table.grid(padding=(0, 1))
    for _ in range(2):
        pairs.add_column(style="bold", min_width=7, no_wrap=True)
        pairs.add_column(ratio=1)
    half = -(-len(keys) // 2)
    for left, right in zip(keys[:half], [*keys[half:], ("", "")], strict=False):
        pairs.add_row(*left, *right)
    wide = Table.grid(padding=(0, 1))
    wide.add_column(style="bold", min_width=7, no_wrap=True)
    wide.add_column()
    wide.add_row(f"{screens[0].key}–{screens[-1].key}", "the screens, as the tabs at the top name them")
    for key, what in (("s / S", "sort the table by the next column / reverse"), ("tab", "move between tables"),
                      ("← →", "scroll a table to the columns its border names (“Invoice →”)"),
                      ("ctrl+p", "command palette: every action, namespace, interval, theme")):
        wide.add_row(key, what)
    badges = Table.grid(padding=(0, 1))
    badges.add_column(style="bold", min_width=9, no_wrap=True)
    badges.add_column()
    for badge, what in LEGEND:
        badges.add_row(badge, what)
    return Group(Text("Keys", style="bold"), pairs, wide, Text("\nBadges", style="bold"), badges,
                 Text("\nTimes are UTC, from the data source's clock. Esc, q or ? closes."))


class HelpScreen(ModalScreen[None]):
    """A modal listing the keys; Esc, q or ? closes it, arrows scroll it."""

    BINDINGS = [Binding("escape,q,question_mark", "close", "Close", show=False)]

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(help_text())

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "hfmon help"

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss()
