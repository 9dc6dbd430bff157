"""Metering proxy overhead: requests per second and the latency `hfmon proxy` adds, against direct calls.

Setup: the fake Hugging Face (`hfmon fake-hub`) and the proxy (`hfmon proxy`, writing its ledger to a scratch
history file) each in a process of their own on loopback; this process is the client (httpx2, one pool).
For each of plain chat completions and streamed ones (time to the first token), at 1 and 16 concurrent
clients: the same number of requests straight to the fake router and through the proxy, interleaved in
rounds so that load from elsewhere on the machine hits both alike.
Judged by: added latency = percentile through the proxy − the same percentile direct. Goal on loopback: p50
under 1 ms, p99 under 5 ms. On a machine busier than its cores, every extra process hop waits for the
scheduler, so the proxy's CPU time per request (from /proc) is printed too: what it costs whatever the load.
The proxy's own ledger rows are counted at the end (one per request proxied), with how many name the account whose
token made them (the proxy asks the fake's whoami once per token, beside the first request, never before it).
Run: .venv/bin/python benchmarks/proxy.py [--requests 400] [--rounds 4]
"""

from __future__ import annotations

import argparse
import asyncio
import importlib.util
import os
import re
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import httpx2

from hfmon.fakehub import FULL_TOKEN

MODEL = "Qwen/Qwen3-235B-A22B-Instruct-2507:novita"
BODY = {"model": MODEL, "messages": [{"role": "user", "content": "Benchmark me"}], "max_tokens": 64}


def cpu_s(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextmanager
def process(args: list[str], pattern: str, env: dict[str, str], stream: str) -> Iterator[tuple[str, int]]:
    """Start a server process, wait for the line matching `pattern` (its URL), stop it at the end."""
    proc = subprocess.Popen(args, env=env, text=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            start_new_session=True)
    try:
        source = proc.stdout if stream == "stdout" else proc.stderr
        assert source is not None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            line = source.readline()
            found = re.search(pattern, line)
            if found:
                yield found.group(1), proc.pid
                break
            if not line and proc.poll() is not None:
                raise RuntimeError(f"{args[2:4]} exited: {proc.stderr.read() if proc.stderr else ''}")
        else:
            raise RuntimeError(f"{args[2:4]} did not start in 60 s")
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)


async def one(client: httpx2.AsyncClient, url: str, stream: bool) -> float:
    """Seconds to the whole answer (plain) or to the first content chunk (streamed)."""
    headers = {"authorization": f"Bearer {FULL_TOKEN}"}
    started = time.perf_counter()
    if not stream:
        r = await client.post(url, json=BODY, headers=headers)
        assert r.status_code == 200, r.text
        return time.perf_counter() - started
    async with client.stream("POST", url, json=BODY | {"stream": True}, headers=headers) as r:
        assert r.status_code == 200, r.status_code
        first: float | None = None
        async for chunk in r.aiter_raw():
            if first is None and b'"content"' in chunk:
                first = time.perf_counter() - started
        assert first is not None
        return first


async def batch(client: httpx2.AsyncClient, url: str, stream: bool, count: int, concurrency: int) -> list[float]:
    """`count` requests from `concurrency` clients at once; each request's latency."""
    out: list[float] = []
    left = iter(range(count))

    async def worker() -> None:
        for _ in left:
            out.append(await one(client, url, stream))

    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return out


def pct(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, -(-len(ordered) * p // 100) - 1)] if ordered else float("nan")


async def measure(direct: str, proxied: str, proxy_pid: int, requests: int, rounds: int) -> list[str]:
    lines = []
    limits = httpx2.Limits(max_connections=64, max_keepalive_connections=64)
    async with httpx2.AsyncClient(timeout=60, limits=limits) as client:
        for stream in (False, True):
            for concurrency in (1, 16):
                times: dict[str, list[float]] = {"direct": [], "proxy": []}
                walls = {"direct": 0.0, "proxy": 0.0}
                for url in (direct, proxied):  # warm up both pools
                    await batch(client, url + "/v1/chat/completions", stream, 2 * concurrency, concurrency)
                cpu_before = cpu_s(proxy_pid)
                for _ in range(rounds):
                    for name, url in (("direct", direct), ("proxy", proxied)):
                        began = time.perf_counter()
                        times[name] += await batch(client, url + "/v1/chat/completions", stream,
                                                   requests // rounds, concurrency)
                        walls[name] += time.perf_counter() - began
                cpu_ms = (cpu_s(proxy_pid) - cpu_before) * 1000 / len(times["proxy"])
                kind = "streamed (time to first token)" if stream else "plain"
                rps = {k: len(v) / walls[k] for k, v in times.items()}
                added = {p: (pct(times["proxy"], p) - pct(times["direct"], p)) * 1000 for p in (50, 95, 99)}
                lines.append(
                    f"{kind:<31} {concurrency:>2} clients  req/s direct {rps['direct']:7.1f}  proxy "
                    f"{rps['proxy']:7.1f}   direct p50 {pct(times['direct'], 50) * 1000:6.2f} ms   added p50 "
                    f"{added[50]:+6.2f} ms  p95 {added[95]:+6.2f} ms  p99 {added[99]:+6.2f} ms   proxy CPU "
                    f"{cpu_ms:.2f} ms/request")
    return lines


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=400, help="requests per setting and path (default 400)")
    parser.add_argument("--rounds", type=int, default=4, help="alternations of direct and proxied batches")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="hfmon-bench-proxy-") as scratch:
        env = {**os.environ, "HFMON_DATA_DIR": scratch}
        fake_hub = [sys.executable, "-m", "hfmon", "fake-hub", "--port", "0", "--rate-limit-quota", "100000000"]
        with process(fake_hub, r"export HF_ENDPOINT=(\S+)", env, "stdout") as (fake, _):
            with process([sys.executable, "-m", "hfmon", "proxy", "--port", "0"], r"serving (http://\S+)/v1",
                         env | {"HFMON_ROUTER_URL": fake, "HF_ENDPOINT": fake}, "stderr") as (proxy, pid):
                lines = asyncio.run(measure(fake, proxy, pid, args.requests, args.rounds))
        rows, named = ledger_rows(Path(scratch) / "history.sqlite3")
    load = os.getloadavg()[0]
    print(f"hfmon proxy overhead on loopback ({args.requests} requests per setting and path, "
          f"{os.cpu_count()} CPUs, load average {load:.1f}); goal: added p50 < 1 ms, p99 < 5 ms")
    print(f"proxy server: uvicorn with {server_stack()}")
    for line in lines:
        print(line)
    print(f"ledger rows written by the proxy: {rows} ({named} name the account whose token made them)")
    return 0


def server_stack() -> str:
    """The HTTP parser and event loop uvicorn picks ("auto"): httptools and uvloop when installed."""
    parser = "httptools" if importlib.util.find_spec("httptools") else "h11"
    loop = "uvloop" if importlib.util.find_spec("uvloop") else "asyncio"
    return f"{parser} and {loop}"


def ledger_rows(path: Path) -> tuple[int, int]:
    """The ledger rows the proxy wrote, and how many of them name their caller."""
    from hfmon.store import HistoryStore
    from hfmon.store import ledger as stored

    with HistoryStore.open(path) as store:
        rows = stored.load(store, datetime(2000, 1, 1, tzinfo=UTC))
    return len(rows), sum(1 for r in rows if r.caller is not None)


if __name__ == "__main__":
    raise SystemExit(main())
