"""`hfmon exporter`: Prometheus metrics of one or several accounts on /metrics. Never imports Textual.

Cheap to import: prometheus_client and the data path are imported when the command runs.
"""

from __future__ import annotations

import argparse
import sys

DEFAULT_PORT = 9464
DEFAULT_HOST = "127.0.0.1"
DEMO_INTERVAL_S = 5.0  # as the dashboard: the demo's clock runs an hour per minute

DESCRIPTION = """\
Serve Prometheus metrics of what the account spends on http://HOST:PORT/metrics. Each account is polled on its
own schedule (never once per scrape) and every scrape renders its latest report: cost per hour by resource,
spend by namespace and product (billed and recomputed), included credits and the projection, and each
source's health. A figure hfmon does not know is absent, never 0. When Hugging Face fails, the exporter keeps
serving the last good values, with hfmon_source_up 0 and their age in hfmon_source_age_seconds.

It watches the account of your token, labelled account="default".
"""

EPILOG = f"""\
examples:
  hfmon exporter                            serve on 127.0.0.1:{DEFAULT_PORT}, polling every 60 s (config: interval)
  hfmon exporter --demo                     the built-in fake account, polled every {DEMO_INTERVAL_S:g} s
  hfmon exporter --host 0.0.0.0 --port 9500 listen on every interface (the metrics show what you spend)
  curl -s localhost:{DEFAULT_PORT}/metrics | grep hfmon_cost_per_hour_usd

Prometheus scrape config, alerting rules and a Grafana dashboard: contrib/ in hfmon's repository.

exit codes:
  0  stopped by SIGTERM or Ctrl-C
  2  usage or configuration error (a bad flag, config file or profile; the port cannot be used)
  3  authentication: no token for an account, or an unusable one
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
    from hfmon.exporter.serve import AccountWatch, MetricsServer, run_until_stopped
    from hfmon.monitor import monitor_for

    logfile.to_stderr()
    monitor = monitor_for(args)
    interval = getattr(args, "interval", None) or (DEMO_INTERVAL_S if args.demo else monitor.config.interval_s)
    watches = [AccountWatch("default", monitor, interval)]
    try:
        server = MetricsServer(watches, args.host, args.port)
    except BaseException:
        for watch in watches:
            watch.monitor.close()
        raise
    try:
        for warning in monitor.warnings:
            print(f"hfmon: {warning}", file=sys.stderr)
        names = ", ".join(w.account for w in watches)
        print(f"hfmon exporter: serving http://{_url_host(args.host)}:{server.port}/metrics "
              f"({names}; a poll every {interval:g} s)", file=sys.stderr, flush=True)
        run_until_stopped(watches)
    finally:
        server.close()
        for watch in watches:
            watch.monitor.close()
    return 0


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host
