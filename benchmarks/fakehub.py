"""Loopback fake hub throughput: requests per second on list and billing routes.

Serves a scaled demo scenario on 127.0.0.1 (no latency, no faults, quota high enough never to 429) and hits
each route from N keep-alive client threads for a fixed number of requests. Stops by itself.
Judged by: requests/s per route against what one hfmon poll needs (about 20-40 requests per poll): the fake
must serve many polls per second so that poll benchmarks measure hfmon, not the fake.
Run: .venv/bin/python benchmarks/fakehub.py [--requests 400] [--threads 4] [--spaces 200]
"""

from __future__ import annotations

import argparse
import time
from concurrent.futures import ThreadPoolExecutor

import httpx2

from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.demo import START
from hfmon.fakehub.server import serve

USAGE_V2 = (f"/api/settings/billing/usage-v2?startDate={int(START.replace(day=1, hour=0).timestamp())}"
            f"&endDate={int(START.timestamp())}")  # the month so far, as hfmon asks (HF requires both bounds)
ROUTES = [
    "/api/spaces?author=ada&expand=runtime&expand=usedStorage",
    "/api/models?author=ada&expand=usedStorage",
    "/api/settings/repositories",
    "/api/jobs/ada",
    "/v2/endpoint/ada",
    "/v2/provider/ada",
    "/api/spaces/hardware",
    USAGE_V2,
    "/api/settings/billing/usage",
    "/v1/models",
]


def main() -> None:
    """Run the benchmark and print one line per route."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=400, help="requests per route")
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--spaces", type=int, default=200)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    scenario = demo_scenario(0, spaces=args.spaces, endpoints=40, jobs=60, repos=200, page_size=args.page_size,
                             rate_limit_quota=10**9)
    hub = FakeHub(scenario, now=lambda: START)
    print(f"fake hub on loopback: {args.spaces} Spaces, page size {args.page_size}, {args.threads} client threads, "
          f"{args.requests} requests per route")
    with serve(hub) as server:
        clients = [httpx2.Client(base_url=server.base_url, headers={"authorization": f"Bearer {FULL_TOKEN}"},
                                 timeout=30) for _ in range(args.threads)]
        for c in clients:
            c.get(USAGE_V2)  # warm the traffic cache once
        rates = []
        with ThreadPoolExecutor(args.threads) as pool:
            for route in ROUTES:
                per = args.requests // args.threads

                def hit(i: int, route: str = route, per: int = per) -> tuple[int, int]:
                    ok = size = 0
                    for _ in range(per):
                        r = clients[i].get(route)
                        ok += r.status_code == 200
                        size = len(r.content)
                    return ok, size

                t0 = time.perf_counter()
                results = list(pool.map(hit, range(args.threads)))
                dt = time.perf_counter() - t0
                done = per * args.threads
                ok = sum(r[0] for r in results)
                rates.append(done / dt)
                print(f"{route:60s} {done / dt:8.0f} req/s  {dt * 1000 / done * args.threads:6.2f} ms/req  "
                      f"{results[0][1]:7d} B  ok {ok}/{done}")
        for c in clients:
            c.close()
    print(f"slowest route: {min(rates):.0f} req/s -> {min(rates) / 40:.1f} polls/s at 40 requests per poll")


if __name__ == "__main__":
    main()
