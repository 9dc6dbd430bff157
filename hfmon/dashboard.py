"""`hfmon` (no --once): builds the data path, then hands it to the Textual dashboard."""

from __future__ import annotations

import argparse
import os
import sys

DEMO_INTERVAL_S = 5.0


def run(args: argparse.Namespace) -> int:
    """Start the live dashboard; returns the exit code."""
    from hfmon.errors import ConfigError
    from hfmon.monitor import monitor_for
    from hfmon.proxy.demo_traffic import traffic_for

    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        raise ConfigError("the dashboard needs a terminal, and stdin or stdout is not one",
                          "use `hfmon --once` (or `--once --json`) in scripts and pipes")
    if os.environ.get("TERM") == "dumb":
        raise ConfigError("the dashboard cannot draw on a dumb terminal (TERM=dumb)",
                          "use `hfmon --once` for plain text, or set TERM to your terminal's type")
    if not args.log_file and not args.demo:  # the real dashboard keeps a log of what it showed briefly
        from hfmon import logfile
        from hfmon.errors import HfmonError

        try:
            logfile.setup(logfile.default_path())
        except HfmonError:
            pass  # no log is no reason not to show the dashboard
    if args.no_color:
        os.environ["NO_COLOR"] = "1"  # Textual reads it when the app starts
    monitor = monitor_for(args)
    try:
        from hfmon import tui  # Textual is imported only on this path.

        # The demo's clock runs fast: poll every few seconds so the numbers visibly move.
        interval = args.interval or (DEMO_INTERVAL_S if args.demo else monitor.config.interval_s)
        with traffic_for(monitor, args.demo):  # --demo: requests through a real proxy fill the per-model views
            return tui.run(monitor, interval_s=interval, demo=args.demo, namespaces=args.namespace,
                           data_speed=args.speed if args.demo else 1.0)
    finally:
        monitor.close()
        # What went wrong beside the numbers (history refused or failing) stays on the terminal after the
        # dashboard's screen is gone, as `--once` prints it.
        for warning in monitor.warnings:
            print(f"hfmon: {warning}", file=sys.stderr)
