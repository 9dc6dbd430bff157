"""The one data path every front end uses: collect a Snapshot, record it in history, evaluate a Report."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from hfmon.report import Report


class ReportSource(Protocol):
    """What a front end polls: each call gathers fresh data and returns a new Report."""

    async def poll(self) -> Report:
        """Run one poll and evaluate it; never raises for a failing source (errors are in the Report)."""
        ...

    def now(self) -> datetime:
        """The current time of the data source (scenario time under --demo)."""
        ...
