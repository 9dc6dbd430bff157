"""Help: every key from the binding table, and what the freshness badges mean."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import VerticalScroll
from textual.events import Key
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
    for b in BINDINGS:
        keys = b.key_display or b.key
        text.append(f"  {keys:<8}", style="bold")
        text.append(f"{b.description}\n")
    for key, what in (("s / S", "sort the table by the next column / reverse"), ("tab", "move between tables"),
                      ("ctrl+p", "command palette: every action, namespaces, intervals, themes")):
        text.append(f"  {key:<8}", style="bold")
        text.append(f"{what}\n")
    text.append("\nBadges\n", style="bold")
    for badge, what in LEGEND:
        text.append(f"  {badge:<10}", style="bold")
        text.append(f"{what}\n")
    text.append("\nAll times are UTC and come from the data source's clock. Press any key to close.")
    return text


class HelpScreen(ModalScreen[None]):
    """A modal listing the keys; any key closes it."""

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="help"):
            yield Static(help_text())

    def on_mount(self) -> None:
        self.query_one("#help").border_title = "hfmon help"

    def on_key(self, event: Key) -> None:
        event.stop()
        self.dismiss()
