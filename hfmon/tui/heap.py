"""The dashboard and Python's cyclic garbage collector: what lives as long as the app is kept out of its walks."""

from __future__ import annotations

import gc
from collections.abc import Callable


class LongLived:
    """Freezes the heap once the first Report is painted, and hands it back when the app ends.

    What is alive then (Textual's widgets, the history the first poll read) lives as long as the dashboard, and a
    full collection walking it costs 0.2-1 s over 30 days of history. One collection first, so no garbage is
    frozen for good; done once, so what later polls leave (a history read again in full included) is collected
    as ever: frozen objects that die without a cycle are freed as usual, and a cycle among them waits for `thaw`.
    """

    def __init__(self) -> None:
        self.frozen = False

    def freeze(self) -> None:
        """Collect, then freeze what is left (once)."""
        if self.frozen:
            return
        gc.collect()
        gc.freeze()
        self.frozen = True

    def thaw(self) -> None:
        """Give what was frozen back to the collector (the process may go on: tests, an embedding)."""
        if self.frozen:
            gc.unfreeze()
            self.frozen = False


def pause_collection(after_refresh: Callable[[Callable[[], None]], object]) -> None:
    """No cyclic collection until the next refresh is done, as Textual does while scrolling: a full collection
    landing in the middle of a screen switch would delay its first paint; it runs once that is done."""
    if gc.isenabled():
        gc.disable()
        after_refresh(gc.enable)
