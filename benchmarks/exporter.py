"""Exporter scrape benchmark: how long one /metrics scrape takes to render the latest Report of a large account.

A scrape never polls; it only renders. This polls a large fake account once in-process (5 namespaces, 500
Spaces, 50 endpoints, 40 jobs), then serves it on loopback and times real HTTP scrapes. Prints the series
count, the page size and the median and worst scrape time (goal: median ≤ 100 ms, a hundredth of the contrib
config's 10 s scrape timeout). Run: `.venv/bin/python benchmarks/exporter.py [--quick]`.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import urllib.request

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.exporter.serve import AccountWatch, MetricsServer
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.monitor import Monitor


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the account, 20 scrapes")
    args = parser.parse_args()
    k = 10 if args.quick else 1
    scenario = demo_scenario(orgs=4, spaces=500 // k, endpoints=50 // k, jobs=40 // k, repos=200 // k,
                             page_size=100, rate_limit_quota=100_000)
    clock = FrozenClock(scenario.start)
    hub = FakeHub(scenario, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock, governor=Governor())
    watch = AccountWatch("default", Monitor(Collector(client, clock), clock, Config(), None), 60.0)
    asyncio.run(_poll(watch))
    server = MetricsServer([watch], "127.0.0.1", 0)
    try:
        times, body = [], b""
        for _ in range(20 if args.quick else 100):
            started = time.perf_counter()
            with urllib.request.urlopen(f"http://127.0.0.1:{server.port}/metrics", timeout=30) as resp:
                body = resp.read()
            times.append(time.perf_counter() - started)
    finally:
        server.close()
    series = sum(1 for line in body.decode().splitlines() if line and not line.startswith("#"))
    median, worst = statistics.median(times) * 1000, max(times) * 1000
    print(f"account: {len(scenario.spaces)} Spaces, {len(scenario.endpoints)} endpoints, {len(scenario.jobs)} jobs")
    print(f"/metrics: {series} series, {len(body) / 1024:.0f} KiB")
    print(f"scrape: median {median:.1f} ms, worst {worst:.1f} ms over {len(times)} scrapes (goal: median <= 100 ms)")


async def _poll(watch: AccountWatch) -> None:
    try:
        await watch.poll_once()
    finally:
        await watch.monitor.aclose()
    assert watch.latest is not None, "the poll failed"


if __name__ == "__main__":
    main()
