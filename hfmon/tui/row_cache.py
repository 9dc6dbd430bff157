"""A big table's cells kept from one poll to the next, so a poll builds only the cells whose input changed."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping, Sequence
from itertools import compress
from operator import ne
from typing import Any

from hfmon.tui.widgets.cells import Cell

Tones = Mapping[str, str]

CellBuilder = Callable[[Any, Tones], Cell]
"""Makes one cell from what it shows (one value, or a tuple of them) and the theme's tones."""


class RowCache:
    """The cells built at the previous poll, per row and per cell: a row whose inputs are unchanged is reused
    whole, and a changed row rebuilds only the cells whose inputs changed (a poll usually moves one or two
    money figures of many rows; rebuilding every cell of a 1,000-row table is most of a poll's work).

    Only the rows of the last poll are kept, so memory stays bounded. `lock` is held for a whole build: the poll
    worker's thread and the event loop may both build.
    """

    def __init__(self, build: Sequence[CellBuilder]) -> None:
        self.build = tuple(build)
        self._old: dict[str, tuple[tuple[object, ...], tuple[Cell, ...]]] = {}
        self._new: dict[str, tuple[tuple[object, ...], tuple[Cell, ...]]] = {}
        self._tones: Tones | None = None
        self.lock = threading.Lock()

    def begin(self, tones: Tones) -> RowCache:
        """Start a poll (a colour change empties the cache)."""
        self._old = self._new if tones == self._tones else {}
        self._new, self._tones = {}, tones
        return self

    def get(self, key: str, inputs: tuple[object, ...]) -> tuple[Cell, ...]:
        """The cells of row `key` showing `inputs` (one per cell), rebuilding only the cells whose input changed."""
        tones = self._tones or {}
        old = self._new.get(key) or self._old.get(key)
        if old is None:
            cells = tuple(build(value, tones) for build, value in zip(self.build, inputs, strict=True))
        elif old[0] == inputs:
            self._new[key] = old  # kept as it was: nothing new to allocate for an unchanged row
            return old[1]
        else:
            rebuilt = list(old[1])
            # which inputs changed, compared in one C loop (most of a row's cells are unchanged)
            for i in compress(range(len(inputs)), map(ne, inputs, old[0])):
                rebuilt[i] = self.build[i](inputs[i], tones)
            cells = tuple(rebuilt)
        self._new[key] = (inputs, cells)
        return cells
