"""Alerts: the alert history (newest first), from the history database shared with every hfmon process."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from hfmon import format as fmt
from hfmon.alerts.engine import ADVISORY, FIRED, AlertEvent

if TYPE_CHECKING:
    from textual.app import App


def announce(app: App[int], events: Sequence[AlertEvent]) -> None:
    """A toast for each alert the latest poll fired or reset, and the terminal bell when one fired."""
    for event in events:
        fired = event.kind == FIRED
        app.notify(f"{event.message}\nAdvisory: it does not stop spending. a: alert history",
                   title="hfmon alert" if fired else "hfmon alert resolved",
                   severity="warning" if fired else "information", timeout=20)
        if fired:
            app.bell()


def alerts_text(events: Sequence[AlertEvent], configured: bool) -> Text:
    """The history as lines: when, fired or resolved, what."""
    text = Text()
    if not configured:
        text.append("No alert rules are set. Add an [alerts] table to the config file (see the README).\n")
    elif not events:
        text.append("No alert has fired yet.\n")
    for event in events:
        text.append(f"{fmt.stamp(event.at)}  ", style="bold")
        text.append("FIRED    " if event.kind == FIRED else "resolved ", style="bold" if event.kind == FIRED else "")
        text.append(f"{event.message}\n")
    text.append(f"\n{ADVISORY}. Each alert fires once per crossing, for every hfmon "
                "using this history file. Esc, q or a closes.")
    return text


class AlertsScreen(ModalScreen[None]):
    """A modal listing the alert history; Esc, q or a closes it, arrows scroll it."""

    BINDINGS = [Binding("escape,q,a", "close", "Close", show=False)]

    def __init__(self, events: Sequence[AlertEvent], configured: bool) -> None:
        super().__init__()
        self.events = tuple(events)
        self.configured = configured

    def compose(self) -> ComposeResult:
        with VerticalScroll(id="alerts"):
            yield Static(alerts_text(self.events, self.configured))

    def on_mount(self) -> None:
        self.query_one("#alerts").border_title = "hfmon alerts"

    def action_close(self) -> None:
        """Close the alert history."""
        self.dismiss()
