"""The dashboard's key bar: Textual's Footer, rebuilt only while its screen is on show."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer


class ScreenFooter(Footer):
    """A Footer that skips the rebuild Textual asks for when a screen opens over it.

    Textual rebuilds a Footer (a widget per key) whenever its screen's bindings may have changed, and a screen
    being covered counts: every detail view opened would rebuild the hidden key bar first. The rebuild is made
    when the screen is back on show instead (it counts as a change too), so the keys shown are always current.
    """

    def bindings_changed(self, screen: Screen[object]) -> None:
        """Rebuild for `screen`'s bindings, unless it is covered by another screen."""
        if screen is self.app.screen:  # not Screen.is_current: that is true of the screen just below the top too
            super().bindings_changed(screen)
