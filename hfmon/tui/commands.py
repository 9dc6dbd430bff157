"""The command palette entries (every key action, plus namespaces, intervals and themes) and the export."""

from __future__ import annotations

import json
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import SystemCommand

from hfmon import format as fmt
from hfmon.files import write_new_private
from hfmon.report import Report
from hfmon.tui import bindings, status

if TYPE_CHECKING:
    from hfmon.tui.app import HfmonApp


def write_report(report: Report, path: Path) -> Path:
    """Write the Report's versioned JSON document to a new file mode 0600 at `path` (account data).

    An existing file is never overwritten: the next free `name-N.json` is written instead. Returns the
    absolute path written.
    """
    from hfmon.jsonout import report_document

    data = (json.dumps(report_document(report), indent=2) + "\n").encode("utf-8")
    return write_new_private(path.expanduser(), data).resolve()


def system_commands(app: HfmonApp) -> Iterator[SystemCommand]:
    """hfmon's palette commands."""
    yield SystemCommand("Refresh now", "Poll Hugging Face now (r)", app.action_refresh)
    yield SystemCommand("Resume polling" if app.paused else "Pause polling",
                        "Stop or restart the periodic polls (p)", app.action_toggle_pause)
    yield SystemCommand("Export report as JSON", "Write the current report to a file (x)", app.action_export)
    yield SystemCommand("Filter rows", "Filter the table on this screen (/)", app.action_filter)
    yield SystemCommand("Help", "Keys and what the badges mean (?)", app.action_help)
    yield SystemCommand("Alerts", "The alerts fired and resolved, newest first (a)", app.action_alerts)
    yield SystemCommand("Toggle light/dark theme", "Switch between hfmon-light and hfmon-dark (t)",
                        app.action_toggle_theme)
    for i, (sid, title) in enumerate(bindings.SCREENS, start=1):
        yield SystemCommand(f"Show {title}", f"Switch to the {title} screen ({i})",
                            partial(app.action_show_screen, sid))
    for ns in app.namespace_choices():
        yield SystemCommand(f"Namespace: {ns or 'all'}", "Show only this namespace (n cycles)",
                            partial(app.set_namespace, ns), discover=False)
    for window in bindings.WINDOWS:
        yield SystemCommand(f"Window: {fmt.window_label(window)}", "The time window spend is shown for (w cycles)",
                            partial(app.set_window, window), discover=False)
    for seconds in bindings.INTERVALS_S:
        yield SystemCommand(f"Interval: {status.every(seconds, app.data_speed)}", "Time between polls (i cycles)",
                            partial(app.set_interval_s, seconds), discover=False)
