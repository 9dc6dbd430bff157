"""Poll-cycle benchmark: hfmon against the fake on loopback with 50 ms latency and a large account.

Prints hfmon's poll wall time (median and best of --runs cold polls) and request count, the critical-path
bound (the longest chain of dependent requests × latency, from the page counts of what was fetched), their
ratio (goal, issue 15: median ≤ 1.3), and the same data fetched by a plain sequential huggingface_hub script
as the baseline (goal: hfmon ≥ 8× faster at --scale 20). The baseline reads what hfmon's cold poll reads (the
repository, model and dataset listings, org members, the model info of the Endpoints' models, each model once,
usage-v2 over the period, its figure of a day ago and each spend window, of each namespace whose usage-v2 answers...),
storage and members asked for as many a page as hfmon asks, so both make the same requests; both request counts are
printed, and `--native-baseline` adds the script paging as huggingface_hub pages by itself (more requests).
hfmon's CPU per poll and the time it was runnable but waiting for a CPU (other processes on the machine) are
printed too: on a loaded machine the poll is CPU-bound, and wall ≈ CPU + that wait.
Bounded and loopback only (127.0.0.1).
The fake's CPU per poll (its child process's, from /proc) is printed beside hfmon's: both share the machine's cores.
`--timeline` prints instead when each request of one cold poll was sent, answered and done (what waits on what);
`--virtual` the ratio of cold polls on a virtual clock that moves only by the latency and hfmon's own CPU
(`poll_virtual`: hfmon's share of the ratio, the same on a loaded machine as on a quiet one).
Run: `.venv/bin/python benchmarks/poll.py [--quick] [--scale 20] [--runs 5] [--no-baseline] [--json] [--timeline]
[--virtual]`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="hfmon-bench-hf-"))
os.environ.pop("HF_TOKEN", None)

from hfmon.api.hub import (  # noqa: E402
    MEMBERS_PAGE_LIMIT,
    REPO_QUERY_EXPAND,
    SPACES_QUERY_EXPAND,
    STORAGE_PAGE_LIMIT,
    HubClient,
)
from hfmon.api.urls import BaseUrls  # noqa: E402
from hfmon.clock import FrozenClock  # noqa: E402
from hfmon.collect import Collector  # noqa: E402
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario  # noqa: E402
from hfmon.fakehub.demo import START  # noqa: E402
from hfmon.fakehub.server import serve  # noqa: E402
from hfmon.models import Snapshot  # noqa: E402
from hfmon.poll_timing import DAY_AGO  # noqa: E402
from hfmon.usage_period import window_asks  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from poll_timeline import instrument_fake, record, report  # noqa: E402
from poll_virtual import measure_virtual  # noqa: E402


def scenario(quick: bool, scale: int = 1) -> Any:
    """5 namespaces, 500 Spaces, 50 endpoints, 2,000 repos (a tenth of that with --quick) × `scale`, 50 ms per
    request."""
    k = 10 if quick else 1
    return demo_scenario(orgs=4, spaces=500 * scale // k, endpoints=50 * scale // k, repos=2000 * scale // k,
                         jobs=40 * scale // k, page_size=100, latency_ms=50, rate_limit_quota=10**9)


def critical_path(snap: Snapshot, page_size: int) -> int:
    """Requests on the longest dependent chain hfmon must walk: whoami, then the longest of a namespace's chains —
    each paginated listing (Spaces, jobs, storage, models, datasets, members: one request per page) and the Endpoints
    listing followed by the model info of the models they serve (2 requests), usage-v2 followed by its figure of a
    day ago (2 requests, when asked this poll); storage is one answer (HF's spec gives it no cursor)."""
    def pages(source: Any, size: int = page_size) -> int:
        value = source.value if source is not None else None
        return max(1, math.ceil(len(value) / size)) if value is not None else 1

    longest = 1  # billing, endpoints, statement...: one request each (usage-v2 and the live stream run side by side)
    for ns in snap.namespaces:
        listings = (ns.spaces, ns.jobs, ns.model_repos, ns.dataset_repos)
        day_ago = ns.billing_day_ago is not None and not ns.billing_day_ago.from_cache
        longest = max(longest, *(pages(s) for s in listings if s is not None), 2 if ns.models is not None else 1,
                      2 if day_ago else 1,
                      pages(ns.members, MEMBERS_PAGE_LIMIT) if ns.members is not None else 1)  # the spec's largest page
    return 1 + longest


def cpu_wait_s() -> float | None:
    """Seconds this process has spent runnable but waiting for a CPU (Linux schedstat; None elsewhere)."""
    try:
        with open("/proc/self/schedstat") as f:
            return int(f.read().split()[1]) / 1e9
    except (OSError, IndexError, ValueError):
        return None


async def hfmon_poll(base: str) -> tuple[float, Snapshot]:
    """One cold poll (no caches) by a fresh Collector; its wall time, CPU and time spent waiting for a CPU."""
    # On the fake's clock (it answers at the scenario's start): on the wall clock hfmon would ask for the windows
    # of another month than the fake is at (from December 2026 on, a resource-group window the fake refuses).
    client = HubClient(FULL_TOKEN, BaseUrls.single(base), clock=FrozenClock(START))
    async with Collector(client, client.clock) as collector:
        started, cpu, waited = time.perf_counter(), time.process_time(), cpu_wait_s()
        snap = await collector.poll()
        snap.extra["cpu_s"] = time.process_time() - cpu
        after = cpu_wait_s()
        snap.extra["cpu_wait_s"] = after - waited if after is not None and waited is not None else None
        return time.perf_counter() - started, snap


def baseline(base: str, namespaces: list[str], user: str, same_pages: bool = True) -> tuple[float, int]:
    """The same sources hfmon reads in a cold poll, fetched one after another with huggingface_hub (HfApi + its
    shared session; raw GETs where HfApi has no method): usage-v2 too as hfmon asks it, over the period, up to a
    day ago (`DAY_AGO`) and for each spend window (`window_asks`), the last two only of a namespace it answers.

    With `same_pages`, storage and org members are asked for as many a page as hfmon asks (huggingface_hub's
    own Link-following `paginate`), so both sides make the same requests; without, `list_user_repos` and
    `list_organization_members` page as huggingface_hub pages by itself (more requests on a large account)."""
    import httpx2
    from huggingface_hub import HfApi, constants, get_session, set_client_factory
    from huggingface_hub.utils._pagination import paginate

    sent = [0]

    def count(request: httpx2.Request) -> None:
        sent[0] += 1

    set_client_factory(lambda: httpx2.Client(event_hooks={"request": [count]}, follow_redirects=True, timeout=None))
    constants.INFERENCE_ENDPOINTS_ENDPOINT = f"{base}/v2"
    api = HfApi(endpoint=base, token=FULL_TOKEN)
    session = get_session()
    headers = {"authorization": f"Bearer {FULL_TOKEN}"}
    started = time.perf_counter()

    def raw(path: str) -> bool:
        return session.get(f"{base}{path}", headers=headers, timeout=30).is_success

    def usage_v2(billing: str, start: datetime, end: datetime) -> bool:
        return raw(f"{billing}/usage-v2?startDate={int(start.timestamp())}&endDate={int(end.timestamp())}")

    def live(path: str) -> None:
        with session.stream("GET", f"{base}{path}", headers={**headers, "accept": "text/event-stream"},
                            timeout=30) as response:
            for line in response.iter_lines():
                if line.startswith("data:"):
                    break

    def attempt(call: Callable[[], Any], drain: bool = False) -> Any:
        try:
            result = call()
            return list(result) if drain else result  # listings are lazy: fetch every page
        except Exception:  # noqa: BLE001 - e.g. 403 on an org without billing: the time still counts
            return None

    api.whoami()
    api.list_spaces_hardware()
    api.list_jobs_hardware()
    raw("/v1/models")
    attempt(api.get_zero_gpu_quota)
    spaces_expand: Any = list(SPACES_QUERY_EXPAND)
    repos_expand: Any = list(REPO_QUERY_EXPAND)
    sized: set[str] = set()  # models whose info was asked for already
    for ns in namespaces:
        user_ns = ns == user
        billing = "/api/settings/billing" if user_ns else f"/api/organizations/{ns}/billing"
        # usage-v2 over the month so far, as hfmon asks it (HF requires both bounds); once it answers, its figure
        # of a day ago and each spend window and the one before it (hfmon asks neither of a namespace refusing it)
        month = START.replace(day=1, hour=0)
        if usage_v2(billing, month, START):
            if START - DAY_AGO > month:
                usage_v2(billing, month, START - DAY_AGO)
            for start, end in window_asks(START):
                usage_v2(billing, start, end)
        for tail in ("usage", "usage-by-inference-session", *(("usage/jobs",) if user_ns else ())):
            raw(f"{billing}/{tail}")
        live(f"{billing}/usage/live")
        if not user_ns:  # every org, whatever its plan, as hfmon asks
            raw(f"/api/organizations/{ns}/resource-groups")
            raw(f"{billing}/usage-by-resource-group")
        attempt(partial(api.list_spaces, author=ns, expand=spaces_expand), drain=True)
        endpoints = attempt(partial(api.list_inference_endpoints, namespace=ns)) or []
        for model in sorted({e.repository for e in endpoints if e.repository} - sized):  # once a poll, as hfmon
            sized.add(model)
            attempt(partial(api.model_info, model, expand=["safetensors"]))
        attempt(partial(api.list_inference_endpoints_hardware, namespace=ns))
        attempt(partial(api.list_jobs, namespace=ns), drain=True)
        raw(f"/api/scheduled-jobs/{ns}")
        storage = "/api/settings/repositories" if user_ns else f"/api/organizations/{ns}/settings/repositories"
        if same_pages:  # as many repositories a page as hfmon asks for
            attempt(partial(paginate, f"{base}{storage}", {"limit": STORAGE_PAGE_LIMIT}, headers), drain=True)
        else:  # huggingface_hub's own listing: the page the server gives when no `limit` is asked for
            attempt(partial(api.list_user_repos, None if user_ns else ns), drain=True)
        attempt(partial(api.list_models, author=ns, expand=repos_expand), drain=True)
        attempt(partial(api.list_datasets, author=ns, expand=repos_expand), drain=True)
        if not user_ns and same_pages:
            attempt(partial(paginate, f"{base}/api/organizations/{ns}/members", {"limit": MEMBERS_PAGE_LIMIT},
                            headers), drain=True)
        elif not user_ns:
            attempt(partial(api.list_organization_members, ns), drain=True)
    return time.perf_counter() - started, sent[0]


class Fake:
    """The fake hub in a child process (its CPU must not share our GIL), on loopback."""

    def __init__(self, quick: bool, latency_ms: float, scale: int = 1, timed: bool = False) -> None:
        flags = ["--serve", f"--latency={latency_ms}", f"--scale={scale}", *(["--quick"] if quick else []),
                 *(["--timed"] if timed else [])]
        self.child = subprocess.Popen([sys.executable, __file__, *flags], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)
        assert self.child.stdout is not None
        self.base = self.child.stdout.readline().strip()
        assert self.base.startswith("http://127.0.0.1:"), self.base

    def __enter__(self) -> Fake:
        return self

    def times_ms(self) -> list[float]:
        """How long the fake took over each answer since the last call, its simulated latency included."""
        assert self.child.stdin is not None and self.child.stdout is not None
        self.child.stdin.write("times\n")
        self.child.stdin.flush()
        return [float(t) for t in json.loads(self.child.stdout.readline())]

    def cpu_s(self) -> float | None:
        """The fake's CPU so far (user + system, Linux /proc; None elsewhere), in steps of a clock tick."""
        try:
            with open(f"/proc/{self.child.pid}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return None

    def __exit__(self, *exc: object) -> None:
        if self.child.stdin is not None:
            self.child.stdin.close()
        self.child.wait(timeout=120)


def polls(fake: Fake, runs: int) -> tuple[list[tuple[float, Snapshot]], float | None]:
    """Warm up once (imports, the fake's caches), then `runs` cold polls; and the fake's CPU per poll (its mean:
    the clock tick is 10 ms)."""
    asyncio.run(hfmon_poll(fake.base))
    fake.times_ms()  # the warm-up's answers are not counted
    before = fake.cpu_s()
    done = []
    for _ in range(runs):
        wall, snap = asyncio.run(hfmon_poll(fake.base))
        snap.extra["fake_ms"] = fake.times_ms()
        done.append((wall, snap))
    after = fake.cpu_s()
    return done, None if before is None or after is None else (after - before) / runs


def serve_forever(quick: bool, latency_ms: float, scale: int, timed: bool = False) -> None:
    """Child process: serve the scenario on loopback, print the base URL, stop when stdin closes. Each line `times`
    on stdin is answered with the fake's time over each answer since the last such line (JSON); with `timed`, each
    answer also carries its times (`poll_timeline.instrument_fake`)."""
    scn = scenario(quick, scale)
    scn.latency_ms = latency_ms
    hub = FakeHub(scn, now=lambda: scn.start)
    times = instrument_fake(hub, header=timed)
    with serve(hub, port=0) as server:
        print(server.base_url, flush=True)
        for line in sys.stdin:
            if line.strip() == "times":
                print(json.dumps(times.take()), flush=True)


def measure(quick: bool, scale: int, runs: int, baseline_too: bool = True, floor_too: bool = True,
            native_too: bool = False) -> dict[str, Any]:
    """Polls at 0 ms and at 50 ms latency, the critical path, and the sequential huggingface_hub baseline making
    the same requests (the verdict); with `native_too`, also the baseline paging as huggingface_hub pages."""
    scn = scenario(quick, scale)
    latency = scn.latency_ms / 1000
    floor = None
    if floor_too:
        with Fake(quick, 0.0, scale) as fake:
            floor = statistics.median(wall for wall, _ in polls(fake, runs)[0])
    with Fake(quick, scn.latency_ms, scale) as fake:
        done, fake_cpu = polls(fake, runs)
        snap = min(done, key=lambda r: r[0])[1]
        names = [ns.namespace for ns in snap.namespaces]
        before = fake.cpu_s()
        base_wall, base_requests = baseline(fake.base, names, scn.user.name) if baseline_too else (None, None)
        after = fake.cpu_s()
        base_fake_cpu = None if not baseline_too or before is None or after is None else after - before
        native_wall, native_requests = (baseline(fake.base, names, scn.user.name, same_pages=False) if native_too
                                        else (None, None))
    walls = [wall for wall, _ in done]
    waits = [s.extra["cpu_wait_s"] for _, s in done]
    over = sorted(t - scn.latency_ms for _, s in done for t in s.extra["fake_ms"])
    chain = critical_path(snap, scn.page_size)
    return {"scale": scale, "namespaces": len(names), "latency_ms": scn.latency_ms, "page_size": scn.page_size,
            "spaces": sum(len(n.spaces.value or ()) for n in snap.namespaces),
            "endpoints": sum(len(n.endpoints.value or ()) for n in snap.namespaces),
            "repos": sum(len(n.storage.value.repos) if n.storage.value else 0 for n in snap.namespaces),
            "best_s": min(walls), "median_s": statistics.median(walls), "requests": snap.requests_made,
            "cpu_s": statistics.median(s.extra["cpu_s"] for _, s in done),
            "cpu_wait_s": None if None in waits else statistics.median(waits), "load": os.getloadavg()[0],
            "fake_cpu_s": fake_cpu, "baseline_fake_cpu_s": base_fake_cpu,
            "fake_over_latency_ms": {"median": statistics.median(over), "p90": over[len(over) * 9 // 10],
                                     "max": over[-1]} if over else None,
            "floor_s": floor, "chain": chain, "bound_s": chain * latency,
            "baseline_s": base_wall, "baseline_requests": base_requests, "runs": runs,
            "native_baseline_s": native_wall, "native_baseline_requests": native_requests,
            "failed": [s.name for s in snap.sources() if s.status not in ("ok", "no_access")]}


def print_virtual(quick: bool, runs: int, as_json: bool) -> int:
    """Cold polls on the virtual clock (`poll_virtual`): their median and best against the critical path."""
    scn = scenario(quick)
    v = measure_virtual(scn, runs)
    bound = critical_path(v["snapshot"], scn.page_size) * scn.latency_ms / 1000
    figures = {"median_s": v["median_s"], "best_s": v["best_s"], "bound_s": bound, "runs": runs,
               "requests": v["snapshot"].requests_made, "load": os.getloadavg()[0]}
    if as_json:
        print(json.dumps(figures))
        return 0
    print(f"virtual clock (moved by the fake's {scn.latency_ms:.0f} ms and hfmon's own CPU only; {runs} cold polls, "
          f"{figures['requests']} requests each): median {v['median_s'] * 1000:.0f} ms, best {v['best_s'] * 1000:.0f} "
          f"ms; critical path {bound * 1000:.0f} ms; ratio median {v['median_s'] / bound:.2f}, best "
          f"{v['best_s'] / bound:.2f} (load average {figures['load']:.1f}, which this figure leaves out)")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the account size")
    parser.add_argument("--scale", type=int, default=1, help="the account × this (issue 15 quotes 20)")
    parser.add_argument("--runs", type=int, default=5, help="cold polls measured (median and best printed)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the sequential huggingface_hub script")
    parser.add_argument("--native-baseline", action="store_true",
                        help="also run the script paging as huggingface_hub pages by itself (more requests)")
    parser.add_argument("--no-floor", action="store_true", help="skip the same polls at 0 ms latency")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    parser.add_argument("--timeline", action="store_true",
                        help="only print when each request of one cold poll was sent, answered and done")
    parser.add_argument("--virtual", action="store_true",
                        help="only print the ratio of cold polls on a virtual clock (the latency and hfmon's CPU)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--latency", type=float, default=50.0, help=argparse.SUPPRESS)
    parser.add_argument("--timed", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_forever(args.quick, args.latency, args.scale, args.timed)
        return 0
    if args.timeline:
        latency = scenario(args.quick, args.scale).latency_ms
        with Fake(args.quick, latency, args.scale, timed=True) as fake:
            asyncio.run(hfmon_poll(fake.base))  # warm up, as the measured polls do
            rows = record(partial(hfmon_poll, fake.base))
        print("\n".join(report(rows, latency)) + f"\n(load average {os.getloadavg()[0]:.1f})")
        return 0
    if args.virtual:
        return print_virtual(args.quick, args.runs, args.json)
    m = measure(args.quick, args.scale, args.runs, not args.no_baseline, not args.no_floor, args.native_baseline)
    if args.json:
        print(json.dumps(m))
        return 0
    print(f"account: {m['namespaces']} namespaces, {m['spaces']} Spaces, {m['endpoints']} endpoints, "
          f"{m['repos']} repos (incl. Spaces); page size {m['page_size']}; {m['latency_ms']:.0f} ms per request; "
          f"fake in a child process")
    print(f"hfmon poll (cold, {m['runs']} runs): median {m['median_s'] * 1000:.0f} ms, best {m['best_s'] * 1000:.0f} "
          f"ms, {m['requests']} requests; per poll (median) {m['cpu_s'] * 1000:.0f} ms of hfmon CPU"
          + (f" and {m['cpu_wait_s'] * 1000:.0f} ms runnable but waiting for a CPU (load average {m['load']:.1f})"
             if m["cpu_wait_s"] is not None else "")
          + (f"  [sources not ok: {', '.join(m['failed'])}]" if m["failed"] else ""))
    if m["fake_cpu_s"] is not None:
        print(f"  the fake's CPU per poll (its own process, on the same cores): {m['fake_cpu_s'] * 1000:.0f} ms, "
              f"{m['fake_cpu_s'] / m['median_s']:.0%} of the median poll's wall")
    if m["fake_over_latency_ms"] is not None:
        f = m["fake_over_latency_ms"]
        print(f"  the fake's answers took longer than their {m['latency_ms']:.0f} ms (its work and its wait for a "
              f"CPU): median +{f['median']:.1f} ms, 90th percentile +{f['p90']:.1f}, worst +{f['max']:.1f}; the "
              f"critical path below assumes exactly {m['latency_ms']:.0f} ms")
    print(f"critical path: {m['chain']} dependent requests × {m['latency_ms']:.0f} ms = {m['bound_s'] * 1000:.0f} ms; "
          f"ratio median {m['median_s'] / m['bound_s']:.2f}, best {m['best_s'] / m['bound_s']:.2f} (goal ≤ 1.3 median)")
    if m["floor_s"] is not None:
        print(f"  same poll at 0 ms latency (the fake's and hfmon's processing): median {m['floor_s'] * 1000:.0f} ms")
    if m["baseline_s"] is not None:
        same = "the same requests" if m["baseline_requests"] == m["requests"] else "NOT the same request count"
        print(f"huggingface_hub sequential baseline, {same}: {m['baseline_s'] * 1000:.0f} ms, "
              f"{m['baseline_requests']} requests (hfmon {m['requests']}); hfmon (median) is "
              f"{m['baseline_s'] / m['median_s']:.1f}× faster (goal ≥ 8× at 20×; load average "
              f"{os.getloadavg()[0]:.1f})")
        if m["baseline_fake_cpu_s"] is not None:
            print(f"  the fake's CPU while the script ran: {m['baseline_fake_cpu_s'] * 1000:.0f} ms "
                  f"({m['baseline_fake_cpu_s'] / m['baseline_s']:.0%} of its wall)")
    if m["native_baseline_s"] is not None:
        print(f"  paging as huggingface_hub pages by itself: {m['native_baseline_s'] * 1000:.0f} ms, "
              f"{m['native_baseline_requests']} requests; hfmon is "
              f"{m['native_baseline_s'] / m['median_s']:.1f}× faster")
    return 0


if __name__ == "__main__":
    sys.exit(main())
