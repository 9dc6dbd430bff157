"""Export: ask where to write the current Report as JSON."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class ExportScreen(ModalScreen[str | None]):
    """A path prompt; Enter returns the path, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", show=False)]

    def __init__(self, default_path: str) -> None:
        super().__init__()
        self.default_path = default_path

    def compose(self) -> ComposeResult:
        with Vertical(id="export"):
            yield Label("Write the current report as JSON to:")
            yield Input(self.default_path, id="export-path")
            yield Label("Enter to save · Esc to cancel", classes="muted")

    def on_mount(self) -> None:
        self.query_one("#export").border_title = "Export report"

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Close with the path typed (None when left empty)."""
        self.dismiss(event.value.strip() or None)

    def action_cancel(self) -> None:
        """Close without saving."""
        self.dismiss(None)
