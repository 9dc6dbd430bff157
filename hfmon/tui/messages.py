"""Messages between the poll worker and the app."""

from __future__ import annotations

from textual.message import Message

from hfmon.report import Report


class ReportReady(Message):
    """A poll finished with a new Report; a newer one replaces an older one still queued."""

    def __init__(self, report: Report) -> None:
        super().__init__()
        self.report = report

    def can_replace(self, message: Message) -> bool:
        return isinstance(message, ReportReady)


class PollFailed(Message):
    """A poll raised instead of returning a Report (no token, token rejected, or a bug)."""

    def __init__(self, error: BaseException) -> None:
        super().__init__()
        self.error = error
