"""Poll-cycle benchmark: hfmon against the fake on loopback with 50 ms latency and a large account.

Prints hfmon's poll wall time and request count, the critical-path bound (the longest chain of dependent
requests × latency, from the page counts of what was fetched), their ratio (goal ≤ 1.5), and the same
data fetched by a plain sequential huggingface_hub script as the baseline (goal: hfmon ≥ 5× faster).
Bounded and loopback only (127.0.0.1). Run: `.venv/bin/python benchmarks/poll.py [--quick]`.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import tempfile
import time
from typing import Any

os.environ["HF_HUB_DISABLE_TELEMETRY"] = "1"
os.environ.setdefault("HF_HOME", tempfile.mkdtemp(prefix="hfmon-bench-hf-"))
os.environ.pop("HF_TOKEN", None)

from hfmon.api.hub import HubClient  # noqa: E402
from hfmon.api.urls import BaseUrls  # noqa: E402
from hfmon.collect import Collector  # noqa: E402
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario  # noqa: E402
try:
    from hfmon.fakehub.server import serve  # noqa: E402
except ImportError:  # pragma: no cover - the loopback server is optional for importers of this module
    serve = None  # type: ignore[assignment]
from hfmon.models import Snapshot  # noqa: E402


def scenario(quick: bool) -> Any:
    """5 namespaces, 500 Spaces, 50 endpoints, 2,000 repos (a tenth of that with --quick), 50 ms per request."""
    k = 10 if quick else 1
    return demo_scenario(orgs=4, spaces=500 // k, endpoints=50 // k, repos=2000 // k, jobs=40 // k,
                         page_size=100, latency_ms=50, rate_limit_quota=100_000)


def critical_path(snap: Snapshot, page_size: int) -> int:
    """Requests on the longest dependent chain: whoami, then the longest paginated listing of a namespace."""
    def pages(value: Any) -> int:
        return max(1, math.ceil(len(value) / page_size)) if value is not None else 1

    longest = 1  # billing, endpoints, statement...: one request each (usage-v2 and the live stream run side by side)
    for ns in snap.namespaces:
        longest = max(longest, pages(ns.spaces.value), pages(ns.jobs.value), pages(ns.storage.value))
    return 1 + longest


async def hfmon_poll(base: str) -> tuple[float, Snapshot]:
    """One cold poll (no caches) by a fresh Collector; its wall time."""
    client = HubClient(FULL_TOKEN, BaseUrls.single(base))
    async with Collector(client, client.clock) as collector:
        started = time.perf_counter()
        snap = await collector.poll()
        return time.perf_counter() - started, snap


def baseline(base: str, namespaces: list[str], user: str) -> tuple[float, int]:
    """The same sources, fetched one after another with huggingface_hub (HfApi + its shared session)."""
    from huggingface_hub import HfApi, constants, get_session

    constants.INFERENCE_ENDPOINTS_ENDPOINT = f"{base}/v2"
    api = HfApi(endpoint=base, token=FULL_TOKEN)
    session = get_session()
    headers = {"authorization": f"Bearer {FULL_TOKEN}"}
    calls = 0
    started = time.perf_counter()

    def raw(path: str, **params: Any) -> None:
        nonlocal calls
        calls += 1
        session.get(f"{base}{path}", headers=headers, params=params or None, timeout=30)

    def live(path: str) -> None:
        nonlocal calls
        calls += 1
        with session.stream("GET", f"{base}{path}", headers={**headers, "accept": "text/event-stream"},
                            timeout=30) as response:
            for line in response.iter_lines():
                if line.startswith("data:"):
                    break

    me = api.whoami()
    calls += 1
    for org in me.get("orgs", []):
        api.get_organization_overview(org["name"])
        calls += 1
    api.list_spaces_hardware()
    api.list_jobs_hardware()
    raw("/v1/models")
    try:
        api.get_zero_gpu_quota()
    except Exception:  # noqa: BLE001 - the figure is the time, not the answer
        pass
    calls += 3
    for ns in namespaces:
        billing = "/api/settings/billing" if ns == user else f"/api/organizations/{ns}/billing"
        for tail in ("usage-v2", "usage", "usage/jobs", "usage-by-inference-session"):
            raw(f"{billing}/{tail}")
        live(f"{billing}/usage/live")
        for call in (lambda: list(api.list_spaces(author=ns, expand=["runtime", "private", "usedStorage"],
                                                  limit=None)),
                     lambda: api.list_inference_endpoints(namespace=ns),
                     lambda: api.list_inference_endpoints_hardware(namespace=ns),
                     lambda: list(api.list_jobs(namespace=ns)),
                     lambda: list(api.list_user_repos(namespace=None if ns == user else ns))):
            try:
                call()
            except Exception:  # noqa: BLE001 - e.g. 403 on an org without billing; the time still counts
                pass
            calls += 1
    return time.perf_counter() - started, calls


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--quick", action="store_true", help="a tenth of the account size")
    args = parser.parse_args()
    scn = scenario(args.quick)
    hub = FakeHub(scn, now=lambda: scn.start)
    with serve(hub, port=0) as server:
        base = server.base_url
        assert "127.0.0.1" in base, base
        asyncio.run(hfmon_poll(base))  # warm-up: imports, first connections
        runs = [asyncio.run(hfmon_poll(base)) for _ in range(3)]
        wall, snap = min(runs, key=lambda r: r[0])
        hub.requests.clear()
        asyncio.run(hfmon_poll(base))
        requests = len(hub.requests)
        chain = critical_path(snap, scn.page_size)
        bound = chain * scn.latency_ms / 1000
        names = [ns.namespace for ns in snap.namespaces]
        hub.requests.clear()
        base_wall, _ = baseline(base, names, scn.user.name)
        base_requests = len(hub.requests)
    bad = [s.name for s in snap.sources() if s.status not in ("ok", "no_access")]
    print(f"account: {len(names)} namespaces, {sum(len(n.spaces.value or ()) for n in snap.namespaces)} Spaces, "
          f"{sum(len(n.endpoints.value or ()) for n in snap.namespaces)} endpoints, "
          f"{sum(len(n.storage.value or ()) for n in snap.namespaces)} repos (incl. Spaces); "
          f"page size {scn.page_size}; latency {scn.latency_ms:.0f} ms per request")
    print(f"hfmon poll (cold, best of 3): {wall * 1000:.0f} ms, {requests} requests"
          + (f"  [sources not ok: {', '.join(bad)}]" if bad else ""))
    print(f"critical path: {chain} dependent requests × {scn.latency_ms:.0f} ms = {bound * 1000:.0f} ms; "
          f"ratio {wall / bound:.2f} (goal ≤ 1.5)")
    print(f"huggingface_hub sequential baseline: {base_wall * 1000:.0f} ms, {base_requests} requests; "
          f"hfmon is {base_wall / wall:.1f}× faster (goal ≥ 5×)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
