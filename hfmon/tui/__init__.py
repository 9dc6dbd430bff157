"""The Textual dashboard. Importing this package is cheap: Textual loads only when `run()` is called."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hfmon.monitor import ReportSource


def run(source: ReportSource, *, interval_s: float, demo: bool, namespaces: Sequence[str] | None = None,
        theme: str | None = None, data_speed: float = 1.0) -> int:
    """Run the dashboard until the user quits; returns the exit code."""
    import logging

    from hfmon.tui.app import HfmonApp

    # Library log lines written to stderr would be painted over the screen.
    for name in ("huggingface_hub", "httpx2", "httpcore2"):
        logging.getLogger(name).setLevel(logging.CRITICAL)
    app = HfmonApp(source, interval_s=interval_s, demo=demo, namespaces=namespaces, theme=theme, data_speed=data_speed)
    result = app.run()
    return int(result or 0)
