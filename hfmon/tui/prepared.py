"""Rows worked out off the event loop: what a screen's big tables show for one Report, built in the poll worker."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from hfmon.report import Report
from hfmon.tui.state import ViewState
from hfmon.tui.widgets.cells import Row

log = logging.getLogger("hfmon.tui")


@dataclass(frozen=True, slots=True, eq=False)
class Prepared:
    """The rows of one screen's tables (by table id) for one Report, namespace and set of colours."""

    view: str
    report: Report
    namespace: str | None
    tones: Mapping[str, str]
    rows: Mapping[str, list[Row]]

    def rows_for(self, state: ViewState, table: str) -> list[Row] | None:
        """The rows of `table` if they were built for what `state` shows (None: build them now)."""
        if self.report is not state.report or self.namespace != state.namespace or self.tones != state.tones:
            return None
        return self.rows.get(table)


async def off_the_loop(prepare: Callable[[ViewState], Prepared | None], state: ViewState) -> Prepared | None:
    """`prepare(state)` run in a thread (None if it fails: the rows are then built when the screen renders,
    where an error shows)."""
    try:
        return await asyncio.to_thread(prepare, state)
    except Exception:
        log.exception("building rows in the poll worker failed")
        return None
