"""The fake hub at scale: its CPU per poll at 1×, 5× and 20× the poll benchmark's account.

One cold poll by hfmon against the in-process fake (as `--demo` runs it) per scale, each in a fresh child
process; the fake's share is the thread CPU spent answering requests (robust to other load on the machine).
Judged by: linear in scale (CPU at 20× ≤ 5 × CPU at 5×, i.e. 4× the account within 25 %) and never the
bottleneck (no source fails or times out; the fake's CPU is printed beside the poll's wall time).
Run: .venv/bin/python benchmarks/fakescale.py [--scales 1,5,20] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import time
from typing import Any

from hfmon.fakehub import FakeHub, demo_scenario
from hfmon.fakehub.scenario import Scenario

GOAL_RATIO = 5.0  # CPU(20×) / CPU(5×): 4 for exactly linear, 16 for quadratic


def scenario(scale: int) -> Scenario:
    """poll.py's account (5 namespaces, 500 Spaces, 50 endpoints, 2,000 repos, 40 jobs) times `scale`."""
    return demo_scenario(orgs=4, spaces=500 * scale, endpoints=50 * scale, repos=2000 * scale, jobs=40 * scale,
                         page_size=100, rate_limit_quota=10**9)


def measure(scale: int) -> dict[str, Any]:
    """One cold poll against the fake at `scale` (in this process): wall, the fake's CPU, requests, failures."""
    from hfmon.api.hub import HubClient
    from hfmon.api.urls import BaseUrls
    from hfmon.clock import FunctionClock
    from hfmon.collect import Collector
    from hfmon.fakehub import FULL_TOKEN

    scn = scenario(scale)
    hub = FakeHub(scn, now=lambda: scn.start)
    answer = hub.answer
    spent = [0.0]

    def timed(req: Any) -> Any:
        started = time.thread_time()
        try:
            return answer(req)
        finally:
            spent[0] += time.thread_time() - started

    hub.answer = timed  # type: ignore[method-assign]

    async def poll() -> tuple[float, list[str]]:
        clock = FunctionClock(hub.now)
        client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), timeout_s=120, clock=clock)
        async with Collector(client, clock) as collector:
            started = time.perf_counter()
            snap = await collector.poll()
            wall = time.perf_counter() - started
            return wall, [s.name for s in snap.sources() if s.status.value not in ("ok", "no_access")]

    holder: list[tuple[float, list[str]]] = []

    async def main() -> None:
        holder.append(await poll())

    asyncio.run(main())
    wall, failed = holder[0]
    return {"scale": scale, "wall_s": wall, "fake_cpu_s": spent[0], "requests": len(hub.requests),
            "spaces": len(scn.spaces), "failed": failed}


def run(scales: list[int]) -> list[dict[str, Any]]:
    """Measure each scale in a fresh child process (no cache or memory carried from one to the next)."""
    out = []
    for scale in scales:
        child = subprocess.run([sys.executable, __file__, "--child", str(scale)], capture_output=True, text=True,
                               check=True, timeout=600)
        out.append(json.loads(child.stdout))
    return out


def verdict(rows: list[dict[str, Any]]) -> tuple[float | None, bool]:
    """(CPU(20×)/CPU(5×), pass) when both scales were measured."""
    by = {r["scale"]: r for r in rows}
    if 5 not in by or 20 not in by:
        return None, False
    ratio = by[20]["fake_cpu_s"] / by[5]["fake_cpu_s"]
    return ratio, ratio <= GOAL_RATIO and not any(r["failed"] for r in rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--scales", default="1,5,20")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child)))
        return
    rows = run([int(x) for x in args.scales.split(",")])
    if args.json:
        print(json.dumps(rows))
        return
    for r in rows:
        print(f"{r['scale']:3d}× ({r['spaces']:6,} Spaces): fake CPU {r['fake_cpu_s']:6.2f} s per poll, "
              f"poll wall {r['wall_s']:6.2f} s, {r['requests']} requests"
              + (f"  [failed: {', '.join(r['failed'])}]" if r["failed"] else ""))
    ratio, ok = verdict(rows)
    if ratio is not None:
        print(f"CPU 20× / 5×: {ratio:.2f} (4 = linear, 16 = quadratic; goal ≤ {GOAL_RATIO:.0f}): "
              f"{'pass' if ok else 'FAIL'}")


if __name__ == "__main__":
    main()
