"""Messages between the poll worker and the app."""

from __future__ import annotations

from textual.message import Message

from hfmon.report import Report
from hfmon.tui.prepared import Prepared


class ReportReady(Message):
    """A poll finished with a new Report; a newer one replaces an older one still queued.

    `prepared`: the big tables' rows of the screen on show when the poll ended, built in the poll worker's
    thread (None: they are built when the screen renders)."""

    def __init__(self, report: Report, prepared: Prepared | None = None) -> None:
        super().__init__()
        self.report = report
        self.prepared = prepared

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ReportReady)


class PollFailed(Message):
    """A poll raised instead of returning a Report (no token, token rejected, or a bug)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error
