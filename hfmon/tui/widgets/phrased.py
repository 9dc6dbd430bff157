"""Text laid out at its widget's width and broken only between phrases: a figure, a time or a reason is never split
over two rows (the credits card read "over 1d 01h to" / "Nov 18 15:07" at 80 columns)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from rich.text import Text
from textual.widgets import Static

CUT = " …"
"""What ends a row after which phrases were left out (`lay_out`'s `max_rows`)."""


class Phrase(NamedTuple):
    """A piece of a line that stays whole, and what joins it to the piece before it on the same row (dropped where
    a row breaks before it)."""

    text: Text
    lead: Text = Text(" ")


class Phrased(NamedTuple):
    """One line made of phrases; the rows it breaks into after its first go on under `indent` spaces."""

    phrases: tuple[Phrase, ...]
    indent: int = 2


def phrased(first: Text | str, *rest: Phrase, indent: int = 2) -> Phrased:
    """A line of phrases starting with `first`."""
    return Phrased((Phrase(Text(first) if isinstance(first, str) else first, Text()), *rest), indent)


def words(text: str, style: str = "") -> list[Phrase]:
    """`text` as phrases of a word each: a narrow widget breaks it between words, under its line's indent (its own
    wrapping would break it anywhere, from the row's first column). Where it does not break, the text is as given,
    every space kept (a command is copied from it)."""
    return [Phrase(Text(word, style=style)) for word in text.split(" ")]


def sentence(text: str, style: str = "") -> Phrased:
    """A line of parts joined by " · " (`a · b · c`) that breaks only between its parts."""
    first, *rest = text.split(" · ")
    return phrased(Text(first, style=style), *(Phrase(Text(part, style=style), Text(" · ", style=style))
                                               for part in rest))


def lay_out(lines: Sequence[Phrased], width: int, max_rows: int | None = None) -> Text:
    """The lines at `width` cells, each breaking only between its phrases (a phrase wider than a row is left to the
    widget's own wrapping). `max_rows`: the rows kept, the last one ending in " …" when phrases were left out."""
    rows: list[Text] = []
    for line in lines:
        row: Text | None = None
        for phrase in line.phrases:
            if row is None:  # a phrase's style stays its own (a Text's base style would cover the whole row)
                row = Text()
                row.append_text(phrase.text)
            elif row.cell_len + phrase.lead.cell_len + phrase.text.cell_len <= width:
                row.append_text(phrase.lead)
                row.append_text(phrase.text)
            else:
                rows.append(row)
                row = Text(" " * line.indent)
                row.append_text(phrase.text)
        rows.append(row if row is not None else Text())
    if max_rows is not None and len(rows) > max_rows:
        rows = rows[:max_rows]
        rows[-1].append(CUT)
    return Text("\n").join(rows)


class PhrasedText(Static):
    """Lines of phrases laid out at the widget's width, again whenever it changes (`lay_out`)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None, max_rows: int | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._lines: tuple[Phrased, ...] = ()
        self.max_rows = max_rows

    def show(self, lines: Sequence[Phrased]) -> None:
        """Show these lines (laid out again whenever the widget's width changes)."""
        self._lines = tuple(lines)
        self._lay_out()

    def on_resize(self) -> None:
        self._lay_out()

    def _lay_out(self) -> None:
        width = self.content_size.width
        self.update(lay_out(self._lines, width or 10**6, self.max_rows if width else None))
