"""The dashboard's table tools: the filter box (`/`) and the export of the Report as JSON (`e`)."""

from __future__ import annotations

from pathlib import Path

from textual import on
from textual.app import App
from textual.notifications import SeverityLevel
from textual.widgets import Input

from hfmon.errors import HfmonError
from hfmon.report import Report
from hfmon.tui import commands
from hfmon.tui.literal import plain_lines
from hfmon.tui.screens.base import View
from hfmon.tui.screens.export import ExportScreen
from hfmon.tui.widgets.table import KeyedTable


class TableTools(App[int]):
    """Filter and export actions; the app supplies the Report, its views and how it renders them."""

    report: Report | None = None
    _filtering: KeyedTable | None = None  # the table the filter box applies to

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = False) -> None:
        """A toast showing `message` and `title` literally: toasts carry server text (error messages, names),
        never markup, so `markup` is ignored and each line is scrubbed."""
        super().notify(plain_lines(message), title=plain_lines(title), severity=severity, timeout=timeout,
                       markup=False)

    def view(self, sid: str) -> View:
        """The view of one screen id."""
        raise NotImplementedError

    @property
    def active_screen_id(self) -> str:
        """The id of the screen on show."""
        raise NotImplementedError

    def render_report(self, force: bool = False) -> None:
        """Render the active view."""
        raise NotImplementedError

    def _filter_target(self) -> KeyedTable | None:
        focused = self.focused
        if isinstance(focused, KeyedTable):
            return focused
        tables = self.view(self.active_screen_id).tables()
        return tables[0] if tables else None

    def action_filter(self) -> None:
        """Open the filter box for the focused table (or the screen's main table)."""
        target = self._filter_target()
        if target is None:
            self.notify("This screen has no table to filter.", timeout=3)
            return
        self._filtering = target
        box = self.query_one("#filter", Input)
        box.value = target.filter_text
        box.disabled = False
        box.add_class("-active")
        box.focus()

    @on(Input.Changed, "#filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        if self._filtering is not None:
            self._filtering.set_filter(event.value)
            self.render_report(force=True)

    @on(Input.Submitted, "#filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        self._close_filter()
        if self._filtering is not None:
            self._filtering.focus()

    def _close_filter(self) -> None:
        box = self.query_one("#filter", Input)
        box.remove_class("-active")
        box.disabled = True

    def action_clear_filter(self) -> None:
        """Clear the filter and close the box."""
        target = self._filtering or self._filter_target()
        self._close_filter()
        if target is not None:
            target.set_filter("")
            target.focus()
            self.render_report(force=True)

    def action_export(self) -> None:
        """Ask for a path and write the current Report there as JSON."""
        if self.report is None:
            self.notify("Nothing to export before the first poll.", severity="warning", timeout=4)
            return
        report = self.report
        default = f"hfmon-report-{report.generated_at:%Y%m%dT%H%M%SZ}.json"
        self.push_screen(ExportScreen(default), callback=lambda path: self._export(report, path))

    def _export(self, report: Report, path: str | None) -> None:
        if not path:
            return
        try:
            written = commands.write_report(report, Path(path))
        except (OSError, HfmonError) as exc:
            self.notify(f"Could not write {path}: {exc}", title="Export failed", severity="error", timeout=8)
            return
        kept = "" if written.name == Path(path).expanduser().name else f" ({path} exists: kept it, wrote a new name)"
        self.notify(f"Report saved to {written}{kept}", title="Exported", timeout=6)

