"""`hfmon` (no --once): builds the data path, then hands it to the Textual dashboard."""

from __future__ import annotations

import argparse
import os

DEMO_INTERVAL_S = 5.0


def run(args: argparse.Namespace) -> int:
    """Start the live dashboard; returns the exit code."""
    from hfmon.monitor import monitor_for

    if args.no_color:
        os.environ["NO_COLOR"] = "1"  # Textual reads it when the app starts
    monitor = monitor_for(args)
    try:
        from hfmon import tui  # Textual is imported only on this path.

        # The demo's clock runs fast: poll every few seconds so the numbers visibly move.
        interval = args.interval or (DEMO_INTERVAL_S if args.demo else monitor.config.interval_s)
        return tui.run(monitor, interval_s=interval, demo=args.demo, namespaces=args.namespace)
    finally:
        monitor.close()
