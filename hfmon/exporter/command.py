"""`hfmon exporter`: Prometheus metrics of one or several accounts on /metrics. Never imports Textual.

Cheap to import: prometheus_client and the data path are imported when the command runs.
"""

from __future__ import annotations

import argparse
import logging
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from hfmon.monitor import Monitor

DEFAULT_PORT = 9464
DEFAULT_HOST = "127.0.0.1"
DEMO_INTERVAL_S = 5.0  # as the dashboard: the demo's clock runs an hour per minute

DESCRIPTION = """\
Serve Prometheus metrics of what the account spends on http://HOST:PORT/metrics. Each account is polled on its
own schedule (never once per scrape) and every scrape renders its latest report: cost per hour by resource,
spend by namespace and product (billed and recomputed), included credits and the projection, and each
source's health. A figure hfmon does not know is absent, never 0. When a source fails a poll, the figures read
from it are absent (their series end) until it answers again, with hfmon_source_up 0 and the age of its last
good value in hfmon_source_age_seconds: an hours-old figure is never served as if read now.

With --profile NAME it watches the account of the config file's [profiles.NAME] (label account="NAME").
Without it, it watches every [profiles.NAME] of the config file, or, when there is none, the account of your
token (account="default"). Each account is polled with its own token and its own rate-limit governor, so one
account's rate limit never slows another; --namespace and --interval apply to each.
"""

EPILOG = f"""\
examples:
  hfmon exporter                            serve on 127.0.0.1:{DEFAULT_PORT}, polling every 60 s (config: interval)
  hfmon exporter --demo                     the built-in fake account, polled every {DEMO_INTERVAL_S:g} s
  hfmon exporter --host 0.0.0.0 --port 9500 listen on every interface (the metrics show what you spend)
  hfmon exporter --profile acme             only the [profiles.acme] account of the config file
  curl -s localhost:{DEFAULT_PORT}/metrics | grep hfmon_cost_per_hour_usd

Prometheus scrape config, alerting rules and a Grafana dashboard: contrib/ in hfmon's repository.

exit codes:
  0  stopped by SIGTERM or Ctrl-C
  2  usage or configuration error (a bad flag, config file or profile; the port cannot be used)
  3  authentication: no token for an account (a profile's environment variable is not set), or an unusable one
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `hfmon exporter` (beside the shared ones)."""
    from hfmon.cli import interval_arg

    parser.add_argument("--port", type=_port, default=DEFAULT_PORT,
                        help=f"TCP port to serve /metrics on (default {DEFAULT_PORT}; 0: any free port)")
    parser.add_argument("--host", default=DEFAULT_HOST,
                        help=f"address to listen on (default {DEFAULT_HOST}: this machine only)")
    parser.add_argument("--interval", type=interval_arg, metavar="SECONDS", default=argparse.SUPPRESS,
                        help="seconds between polls of each account, 10 to 86400 "
                             f"(default: config, else 60; {DEMO_INTERVAL_S:g} with --demo)")


def _port(text: str) -> int:
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a port number, got {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number from 0 to 65535, got {port}")
    return port


def run(args: argparse.Namespace) -> int:
    """Build every watched account, serve /metrics, and poll until stopped."""
    from hfmon import logfile
    from hfmon.exporter.serve import AccountWatch, serve

    log_handler = logfile.to_stderr()
    watches: list[AccountWatch] = []
    try:
        for profile in _profiles(args):
            monitor = monitor_for(args, profile=profile)
            interval = getattr(args, "interval", None) or (DEMO_INTERVAL_S if args.demo else monitor.config.interval_s)
            watches.append(AccountWatch(profile or "default", monitor, interval))
        serve(watches, args.host, args.port)
    finally:
        for watch in watches:
            watch.monitor.close()
        logging.getLogger(logfile.LOGGER).removeHandler(log_handler)
    return 0


def monitor_for(args: argparse.Namespace, *, profile: str | None) -> Monitor:
    """The Monitor of one watched account (imported here: the data path is not cheap to import)."""
    from hfmon.monitor import monitor_for as build

    monitor = build(args, profile=profile)
    monitor.collector.spend_windows = False  # no metric is of a spend window: usage-v2 is not asked for each
    return monitor


def _profiles(args: argparse.Namespace) -> list[str | None]:
    """The profiles to watch: --profile's, else every profile of the config file, else None (the token's account)."""
    if getattr(args, "profile", None):
        return [args.profile]
    from pathlib import Path

    from hfmon.config import load_config

    config = load_config(Path(args.config) if args.config else None)
    return list(config.profiles) or [None]
