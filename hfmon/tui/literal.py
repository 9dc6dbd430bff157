"""Text from a server (or typed by the user) shown as it is on the dashboard: scrubbed, never read as markup.

Textual reads a plain `str` given to a toast, a Static or a border title as content markup: an error message with
`[/]` in it would raise while rendering, `[@click=app.quit]` would become a live action and `[x]` would vanish.
hfmon writes no markup of its own, so every such text goes through here (toasts through the app's `notify`).
"""

from __future__ import annotations

from rich.text import Text

from hfmon.scrub import scrub


def plain_lines(text: str) -> str:
    """`text` with each line scrubbed (tokens masked, control characters removed), its line breaks kept."""
    return "\n".join(scrub(line) for line in text.split("\n"))


def literal(text: str, style: str = "") -> Text:
    """`text` as a rich Text (which Textual never parses as markup), scrubbed line by line."""
    return Text(plain_lines(text), style=style)
