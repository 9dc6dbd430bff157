"""Startup: wall time of `hfmon --once --json --demo` beside `hf auth whoami` pointed at the fake hub.

Goal (issue 15): hfmon gathers the whole (demo) account in at most 0.85× the time `hf` takes to print who
you are, as the median of paired runs (each round runs every command once, back to back).
`--demo` also pays for the in-process fake simulating the month's traffic so far; the same poll against
the fake on loopback (as `hf` runs) is printed too, as hfmon's own cost.
Run: .venv/bin/python benchmarks/startup.py [--runs N] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.server import serve

BIN = Path(sys.executable).parent
GOAL = 0.85  # issue 15: hfmon --once --json --demo in at most 0.85× the time of `hf auth whoami`


def wall_time(cmd: list[str], env: dict[str, str]) -> float:
    """One run's wall time in seconds."""
    start = time.perf_counter()
    subprocess.run(cmd, env=env, capture_output=True, check=False, timeout=120)
    return time.perf_counter() - start


def paired(commands: list[tuple[list[str], dict[str, str]]], runs: int) -> list[list[float]]:
    """Each command once to warm up (bytecode, caches), then `runs` rounds running each once in turn, so that
    the machine's load drifts over all of them alike; times[i][k] is command i in round k."""
    for cmd, env in commands:
        subprocess.run(cmd, env=env, capture_output=True, check=True, timeout=120)
    times: list[list[float]] = [[] for _ in commands]
    for _ in range(runs):
        for i, (cmd, env) in enumerate(commands):
            times[i].append(wall_time(cmd, env))
    return times


def ratio(a: list[float], b: list[float]) -> float:
    """The median of the per-round ratios a/b (paired: each pair ran back to back)."""
    return statistics.median(x / y for x, y in zip(a, b, strict=True))


def measure(runs: int) -> dict[str, float]:
    """Paired runs of hfmon (demo, loopback) and `hf auth whoami` against the same fake; medians and ratios."""
    hf = shutil.which("hf", path=str(BIN)) or shutil.which("hf")
    if hf is None:
        sys.exit("the `hf` command (huggingface_hub) is not installed")
    with tempfile.TemporaryDirectory() as home, serve(FakeHub(demo_scenario())) as server:
        env = {**os.environ, "HF_HOME": home, "XDG_DATA_HOME": home, "XDG_CONFIG_HOME": home,
               "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_UPDATE_CHECK": "1"}
        hf_env = {**env, "HF_ENDPOINT": server.base_url, "HF_TOKEN": FULL_TOKEN}
        loop_env = {**hf_env, "HFMON_ENDPOINTS_URL": f"{server.base_url}/v2", "HFMON_ROUTER_URL": server.base_url}
        demo, whoami, loopback = paired([
            ([str(BIN / "hfmon"), "--once", "--json", "--demo", "--no-history"], env),
            ([hf, "auth", "whoami"], hf_env),
            ([str(BIN / "hfmon"), "--once", "--json", "--no-history"], loop_env)], runs)
    return {"demo_s": statistics.median(demo), "whoami_s": statistics.median(whoami),
            "loopback_s": statistics.median(loopback), "demo_ratio": ratio(demo, whoami),
            "loopback_ratio": ratio(loopback, whoami), "runs": runs}


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
    for label, key in (("hfmon --once --json --demo", "demo_s"), ("hfmon --once --json (loopback)", "loopback_s"),
                       ("hf auth whoami (loopback)", "whoami_s")):
        print(f"{label:31}: median {m[key] * 1000:6.0f} ms  (runs {args.runs})")
    print(f"ratio demo / hf whoami         : {m['demo_ratio']:.2f}  (median of paired runs; goal <= {GOAL:.2f})")
    print(f"ratio loopback / hf whoami     : {m['loopback_ratio']:.2f}")


if __name__ == "__main__":
    main()
