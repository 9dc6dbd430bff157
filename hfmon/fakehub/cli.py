"""`hfmon fake-hub`: serve the demo scenario on 127.0.0.1 with knobs from the command line."""

from __future__ import annotations

import argparse
import sys
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from hfmon.fakehub.demo import demo_scenario
from hfmon.fakehub.hub import FakeHub
from hfmon.fakehub.scenario import FULL_TOKEN, NO_BILLING_TOKEN, NO_ENDPOINTS_TOKEN, OTHER_USER_TOKEN, Faults, shifted
from hfmon.fakehub.server import serve

DESCRIPTION = """\
Serve the fake Hugging Face (Hub API, Inference Endpoints API, router) on 127.0.0.1, answering from a seeded
scenario, for hfmon or any HF client. It prints the environment variables that point a client at it.
"""

EPILOG = """\
examples:
  hfmon fake-hub --port 8765                     the demo account, its clock at now
  hfmon fake-hub --speed 60 --plan free          one scenario hour per real minute, on a free account
  hfmon fake-hub --error-rate 0.2 --latency-ms 50   a flaky, slow Hugging Face
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the fake-hub flags to `parser`."""
    g = parser.add_argument_group("server and clock")
    g.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (default 0: pick a free one)")
    g.add_argument("--speed", type=float, default=1.0, help="scenario seconds per real second (60 = 1 h/min)")
    g.add_argument("--seed", type=int, default=0, help="scenario seed (same seed + time = same answers)")
    g.add_argument("--at-scenario-start", action="store_true",
                   help="start the clock at the scenario's fixed instant (2026-11-18T15:00Z) for reproducible "
                        "runs; by default the scenario is moved so that its start is now, as on the real service")
    s = parser.add_argument_group("scale and plan")
    s.add_argument("--spaces", type=int, default=13)
    s.add_argument("--endpoints", type=int, default=8)
    s.add_argument("--jobs", type=int, default=7)
    s.add_argument("--repos", type=int, default=12)
    s.add_argument("--orgs", type=int, default=2, help="1: ada-labs (Enterprise, or Team with --plan team; "
                   "with resource groups either way); "
                   "2: + an Enterprise org without billing access")
    s.add_argument("--requests-per-minute", type=float, default=0.7, help="current Inference Providers traffic")
    s.add_argument("--plan", choices=("free", "pro", "team", "enterprise"), default="pro")
    s.add_argument("--page-size", type=int, default=5, help="items per page on paginated routes")
    s.add_argument("--rate-limit-quota", type=int, default=None, help="requests per token per 5 minutes")
    s.add_argument("--spending-limit", type=float, default=0.0, help="user's Inference Providers limit, USD")
    s.add_argument("--settle-delay", type=int, default=120, help="seconds before a routed request settles")
    f = parser.add_argument_group("latency and faults")
    f.add_argument("--latency-ms", type=float, default=0.0)
    f.add_argument("--jitter-ms", type=float, default=0.0)
    f.add_argument("--error-rate", type=float, default=0.0, help="share of requests answered 500/502/503")
    f.add_argument("--rate-limit-burst", type=int, default=0, help="answer the next N requests with 429")
    f.add_argument("--rate-limit-period", type=int, default=0, help="re-arm the 429 burst every N requests")
    f.add_argument("--stall-rate", type=float, default=0.0, help="share of requests that hang")
    f.add_argument("--stall-seconds", type=float, default=30.0)
    f.add_argument("--malformed-rate", type=float, default=0.0, help="share of JSON bodies made invalid")
    f.add_argument("--truncate-rate", type=float, default=0.0, help="share of JSON bodies cut short")
    f.add_argument("--schema-drift", action="store_true", help="unknown enum values, extra and missing fields")
    f.add_argument("--discrepancies", action=argparse.BooleanOptionalAction, default=True,
                   help="inject billing discrepancies for the cross-check to find (default: on)")


def build_hub(args: argparse.Namespace, wall: Callable[[], datetime] | None = None) -> FakeHub:
    """The hub the flags describe; its clock starts at the wall clock's now (`wall`, default the system clock)
    unless `--at-scenario-start` pins it to the scenario's fixed start instant."""
    faults = Faults(error_rate=args.error_rate, rate_limit_burst=args.rate_limit_burst,
                    rate_limit_period=args.rate_limit_period, stall_rate=args.stall_rate,
                    stall_seconds=args.stall_seconds, malformed_rate=args.malformed_rate,
                    truncate_rate=args.truncate_rate, schema_drift=args.schema_drift)
    scenario = demo_scenario(args.seed, spaces=args.spaces, endpoints=args.endpoints, jobs=args.jobs,
                             repos=args.repos, orgs=args.orgs, requests_per_minute=args.requests_per_minute,
                             plan=args.plan, page_size=args.page_size, latency_ms=args.latency_ms,
                             jitter_ms=args.jitter_ms, faults=faults, discrepancies=args.discrepancies,
                             settle_delay_s=args.settle_delay, rate_limit_quota=args.rate_limit_quota,
                             spending_limit_usd=args.spending_limit)
    if args.at_scenario_start:
        return FakeHub(scenario, speed=args.speed)
    read_wall = wall or (lambda: datetime.now(UTC))
    start = read_wall()
    # Move the scenario by whole minutes (its state changes fall on whole minutes), then run from `start`.
    anchored = shifted(scenario, start.replace(second=0, microsecond=0) - scenario.start)
    began, speed = time.monotonic(), args.speed
    return FakeHub(anchored, speed=speed,
                   now=lambda: start + timedelta(seconds=(time.monotonic() - began) * speed))


def run(args: argparse.Namespace, stop: threading.Event | None = None) -> int:
    """Serve until Ctrl-C (or until `stop` is set); print the exports to use first."""
    hub = build_hub(args)
    try:
        with serve(hub, port=args.port) as server:
            base = server.base_url
            print(f"# fake Hugging Face on {base} (seed {args.seed}, speed x{args.speed:g}, "
                  f"scenario time {hub.now():%Y-%m-%dT%H:%M:%SZ})")
            print(f"export HF_ENDPOINT={base}")
            print(f"export HFMON_ENDPOINTS_URL={base}/v2")
            print(f"export HFMON_ROUTER_URL={base}")
            print(f"export HF_TOKEN={FULL_TOKEN}")
            print(f"# a token without billing read: {NO_BILLING_TOKEN}")
            print(f"# a token without Inference Endpoints access: {NO_ENDPOINTS_TOKEN}")
            print(f"# the token of another user ({hub.scenario.other_user.name}, in no org): {OTHER_USER_TOKEN}  "
                  "(all are public fake tokens)")
            print("# Ctrl-C to stop", flush=True)
            stopping = stop or threading.Event()
            # Wake up often: a Ctrl-C the kernel delivers to the server thread sets Python's flag, but only the
            # main thread raises KeyboardInterrupt, and a wait without a timeout would never look at the flag.
            while not stopping.wait(0.2):
                pass
    except KeyboardInterrupt:
        pass
    except OSError as exc:
        print(f"fake-hub: cannot listen on 127.0.0.1:{args.port}: {exc}", file=sys.stderr)
        return 2
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run standalone: `python -m hfmon.fakehub.cli --port 8765`."""
    parser = argparse.ArgumentParser(prog="hfmon fake-hub", description=__doc__)
    add_arguments(parser)
    return run(parser.parse_args(argv))


if __name__ == "__main__":
    raise SystemExit(main())
