"""Help: every key from the binding table, and what the freshness badges mean."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from hfmon.tui.bindings import BINDINGS

LEGEND = (
    ("STALE 7m", "the last poll of this source failed; the value shown is 7 minutes old"),
    ("NO ACCESS", "the token lacks a permission for this source; retrying will not help"),
    ("ERROR", "the source failed and there is no earlier value to show"),
    ("unpriced", "no catalog layer has a price: the cost is unknown, never $0"),
    ("—", "not reported by Hugging Face (yet)"),
)


def help_text() -> Text:
    """The keys and the legend."""
    text = Text()
    text.append("Keys\n", style="bold")
    screens = [b for b in BINDINGS if (b.id or "").startswith("screen-")]
    for b in BINDINGS:
        if b in screens:
            continue
        keys = b.key_display or b.key
        text.append(f"  {keys:<8}", style="bold")
        text.append(f"{b.description}\n")
    text.append(f"  {screens[0].key}–{screens[-1].key:<6}", style="bold")
    text.append(", ".join(b.description for b in screens) + "\n")
    for key, what in (("s / S", "sort the table by the next column / reverse"), ("tab", "move between tables"),
                      ("ctrl+p", "command palette: every action, namespaces, intervals, themes")):
        text.append(f"  {key:<8}", style="bold")
        text.append(f"{what}\n")
    text.append("\nBadges\n", style="bold")
    for badge, what in LEGEND:
        text.append(f"  {badge:<10}", style="bold")
        text.append(f"{what}\n")
    text.append("\nAll times are UTC and come from the data source's clock. Esc, q or ? closes.")
    return text


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
