"""The one binding table: every key hfmon answers to, with an id a config keymap can remap."""

from __future__ import annotations

from textual.binding import Binding

SCREENS = (
    ("overview", "Overview"), ("inference", "Inference"), ("endpoints", "Endpoints"),
    ("compute", "Compute"), ("storage", "Storage"), ("crosscheck", "Cross-check"), ("advisor", "Advisor"),
)
"""Screen ids and titles, in number-key order."""

BINDINGS: list[Binding] = [
    Binding("q", "quit", "Quit", id="quit"),
    Binding("question_mark", "help", "Help", id="help", key_display="?"),
    Binding("r", "refresh", "Refresh", id="refresh"),
    Binding("p", "toggle_pause", "Pause", id="pause"),
    Binding("slash", "filter", "Filter", id="filter", key_display="/"),
    Binding("n", "next_namespace", "Namespace", id="namespace"),
    Binding("i", "next_interval", "Interval", id="interval", show=False),
    Binding("w", "next_window", "Window", id="window", show=False),
    Binding("t", "toggle_theme", "Light/dark", id="theme", show=False),
    Binding("x", "export", "Export JSON", id="export", show=False),
    Binding("a", "alerts", "Alerts (history)", id="alerts", show=False),
    Binding("escape", "clear_filter", "Clear filter", id="clear-filter", show=False),
    *[Binding(str(i), f"show_screen('{sid}')", title, id=f"screen-{sid}", show=False)
      for i, (sid, title) in enumerate(SCREENS, start=1)],
]

INTERVALS_S = (15.0, 30.0, 60.0, 120.0, 300.0)
"""The intervals the palette and `i` offer."""

WINDOWS = ("period", "1h", "24h", "7d", "30d")
"""The spend windows `w` cycles through (costs.windows computes them), this period first."""
