"""A block of short texts for a small card: lines that do not fit its height give way to "+N more"."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import NamedTuple

from rich.text import Text
from textual.widgets import Static


class Line(NamedTuple):
    """One line of a card; an `optional` line gives way, from the last one up, when the card is too short."""

    text: Text
    optional: bool = False


def fit_lines(lines: Sequence[Line], height: int, rows: Callable[[Text], int], style: str = "") -> Text:
    """The lines that fit `height` rows (a line takes `rows(text)` of them): every required line, as many optional
    ones as room leaves, and a "+N more" line where optional ones were left out (never cut silently)."""
    optional = [line for line in lines if line.optional]
    room = height - sum(rows(line.text) for line in lines if not line.optional)  # rows the optional lines may take
    keep, used = 0, 0
    for line in optional:
        need = rows(line.text)
        last = keep == len(optional) - 1
        if used + need + (0 if last else 1) > room:  # one row says how many are left out
            break
        keep, used = keep + 1, used + need
    out: list[Text] = []
    for line in lines:
        if line.optional:
            at = optional.index(line)
            if at == keep:
                out.append(Text(f" +{len(optional) - keep} more", style=style))
            if at >= keep:
                continue
        out.append(line.text)
    return Text("\n").join(out)


class FittedLines(Static):
    """Short texts, wrapped at the edge, fitted to the widget's height."""

    def __init__(self, *, id: str | None = None, more_style: str = "") -> None:
        super().__init__(id=id)
        self._lines: tuple[Line, ...] = ()
        self.more_style = more_style

    def show_lines(self, lines: Sequence[Line]) -> None:
        """Show these lines (refitted whenever the widget's size changes)."""
        self._lines = tuple(lines)
        self._fit()

    @property
    def lines(self) -> tuple[Line, ...]:
        """Every line given, shown or not."""
        return self._lines

    def on_resize(self) -> None:
        self._fit()

    def _fit(self) -> None:
        width, height = self.size
        if not width or not height:  # not laid out yet: everything, refitted on the resize
            self.update(Text("\n").join(line.text for line in self._lines))
            return
        console = self.app.console
        self.update(fit_lines(self._lines, height, lambda text: max(1, len(text.wrap(console, width))),
                              self.more_style))
