"""Laying out the 80-column text summary (`hfmon.textout`): colour, cutting to the width counting only what shows,
and packing figures onto lines without ever cutting one. Pure."""

from __future__ import annotations

import re

from hfmon.scrub import scrub

WIDTH = 80
_SGR = re.compile(r"\033\[[0-9;]*m")
_SGR_SPLIT = re.compile(r"(\033\[[0-9;]*m)")
_STYLES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}


class Paint:
    """Wraps text in ANSI styles, or leaves it alone when colour is off."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *styles: str) -> str:
        if not self.color or not styles:
            return text
        codes = ";".join(_STYLES[s] for s in styles)
        return f"\033[{codes}m{text}\033[0m"


def safe(line: str) -> str:
    """The line with our own colour codes kept and anything else a terminal would obey scrubbed out."""
    if line.isprintable():
        return line
    parts = _SGR_SPLIT.split(line)  # odd items are our colour codes
    return "".join(part if i % 2 else scrub(part) for i, part in enumerate(parts))


def packed(head: str, parts: list[str], indent: int = 10, sep: str = " · ", lead: str | None = None) -> list[str]:
    """`head · part · part …` in as many 80-column lines as it takes, never cutting a part (a money figure);
    the lines after the first are indented under the label column. `sep` joins the parts; `lead`, when given, the
    head to the first part."""
    lines, line = [], head
    for i, part in enumerate(parts):
        glue = "" if not line.strip() else lead if i == 0 and lead is not None else sep
        if visible_len(line + glue + part) <= WIDTH or not line.strip():
            line += glue + part
        else:
            lines.append(line)
            line = " " * indent + part
    lines.append(line)
    return [fit(x) for x in lines]


def cut(text: str, width: int) -> str:
    """`text` at most `width` characters, "…" ending one that was cut (plain text, no colour codes)."""
    return text if len(text) <= width else text[: width - 1] + "…"


def _sgr_end(text: str, i: int) -> int:
    """The end of our own colour code starting at `i`, or `i` when `text[i]` starts anything else."""
    match = _SGR.match(text, i)
    return match.end() if match else i


def fit(line: str) -> str:
    """Cut a line to the width, counting only visible characters (any other escape is dropped, never printed)."""
    visible, out, i = 0, [], 0
    while i < len(line):
        if line[i] == "\033":
            end = _sgr_end(line, i)
            out.append(line[i:end])
            i = max(end, i + 1)
            continue
        if visible == WIDTH - 1 and len(line) - i > 1 and visible_len(line[i:]) > 1:
            out.append("…")
            out.append("\033[0m" if "\033[" in line else "")
            return "".join(out)
        out.append(line[i])
        visible += 1
        i += 1
    return "".join(out)


def visible_len(text: str) -> int:
    """How many columns `text` takes: our colour codes take none."""
    count, i = 0, 0
    while i < len(text):
        if text[i] == "\033":
            i = max(_sgr_end(text, i), i + 1)
            continue
        count += 1
        i += 1
    return count
