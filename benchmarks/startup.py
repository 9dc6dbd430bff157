"""Startup: wall time of `hfmon --once --json --demo` beside `hf auth whoami` pointed at the fake hub.

Goal (issue 15): hfmon gathers the whole (demo) account in at most 0.85× the time `hf` takes to print who
you are, as the median of paired runs (each round runs every command once, back to back).
`--demo` also pays for the in-process fake simulating the month's traffic so far; the same poll against
the fake on loopback (as `hf` runs) is printed too, as hfmon's own cost.
Beside wall time, each command's CPU time (user + system, of the child process) is measured: on a loaded
machine most of a run's wall time can be waiting for a CPU, and CPU time is the steadier figure. The load
average is printed before and after.
Run: .venv/bin/python benchmarks/startup.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

from once import compiled, hfmon_behind  # benchmarks/once.py: this script runs from benchmarks/, as each of them does

from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.server import serve

BIN = Path(sys.executable).parent
GOAL = 0.85  # issue 15: hfmon --once --json --demo in at most 0.85× the time of `hf auth whoami`


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """One run's (wall, CPU) time in seconds; CPU is the child's user + system time."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(cmd, env=env, capture_output=True, check=False, timeout=120)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def paired(commands: list[tuple[list[str], dict[str, str]]], runs: int) -> list[list[tuple[float, float]]]:
    """Each command once to warm up (caches), then `runs` rounds running each once in turn, so that the machine's
    load drifts over all of them alike; times[i][k] is (wall, CPU) of command i in round k. hfmon is compiled to
    bytecode first, as an install leaves it (huggingface_hub is, by pip): with PYTHONDONTWRITEBYTECODE set, as it
    is on these machines, a warm-up run writes none and every run would compile hfmon from source."""
    compiled()
    for cmd, env in commands:
        subprocess.run(cmd, env=env, capture_output=True, check=True, timeout=120)
    times: list[list[tuple[float, float]]] = [[] for _ in commands]
    for _ in range(runs):
        for i, (cmd, env) in enumerate(commands):
            times[i].append(timed(cmd, env))
    return times


def ratio(a: list[float], b: list[float]) -> float:
    """The median of the per-round ratios a/b (paired: each pair ran back to back)."""
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def measure(runs: int) -> dict[str, float]:
    """Paired runs of hfmon (demo, loopback) and `hf auth whoami` against the same fake; medians and ratios of
    wall and CPU time, and the load average around them."""
    hf = shutil.which("hf", path=str(BIN)) or shutil.which("hf")
    if hf is None:
        sys.exit("the `hf` command (huggingface_hub) is not installed")
    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as home, serve(FakeHub(demo_scenario())) as server:
        env = {**os.environ, "HF_HOME": home, "XDG_DATA_HOME": home, "XDG_CONFIG_HOME": home,
               "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_UPDATE_CHECK": "1"}
        hf_env = {**env, "HF_ENDPOINT": server.base_url, "HF_TOKEN": FULL_TOKEN}
        loop_env = {**hf_env, "HFMON_ENDPOINTS_URL": f"{server.base_url}/v2", "HFMON_ROUTER_URL": server.base_url}
        demo, whoami, loopback = paired([
            ([str(BIN / "hfmon"), "--once", "--json", "--demo", "--no-history"], env),
            ([hf, "auth", "whoami"], hf_env),
            # on the fake's clock: on the wall clock, another month's windows than the fake's from December on
            (hfmon_behind((datetime.now(UTC) - server.hub.now()).total_seconds(), "--once", "--json", "--no-history"),
             loop_env)], runs)
    out: dict[str, float] = {"runs": runs, "load_before": load_before, "load_after": os.getloadavg()[0]}
    for kind, k in (("", 0), ("cpu_", 1)):
        d, w, lb = ([t[k] for t in times] for times in (demo, whoami, loopback))
        out |= {f"demo_{kind}s": statistics.median(d), f"whoami_{kind}s": statistics.median(w),
                f"loopback_{kind}s": statistics.median(lb), f"demo_{kind}ratio": ratio(d, w),
                f"loopback_{kind}ratio": ratio(lb, w)}
    return out


def main() -> None:
    """Measure the commands side by side and print medians and the paired ratios."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    m = measure(args.runs)
    if args.json:
        print(json.dumps(m))
        return
    print(f"load average {m['load_before']:.1f} -> {m['load_after']:.1f} (2 cores shared), {args.runs} paired runs")
    for label, key in (("hfmon --once --json --demo", "demo"), ("hfmon --once --json (loopback)", "loopback"),
                       ("hf auth whoami (loopback)", "whoami")):
        print(f"{label:31}: median {m[f'{key}_s'] * 1000:6.0f} ms wall, {m[f'{key}_cpu_s'] * 1000:6.0f} ms CPU")
    print(f"ratio demo / hf whoami         : {m['demo_ratio']:.2f} wall (goal <= {GOAL:.2f}), "
          f"{m['demo_cpu_ratio']:.2f} CPU  (medians of paired ratios)")
    print(f"ratio loopback / hf whoami     : {m['loopback_ratio']:.2f} wall, {m['loopback_cpu_ratio']:.2f} CPU")

if __name__ == "__main__":
    main()
