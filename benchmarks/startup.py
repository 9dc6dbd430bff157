"""Startup: wall time of `hfmon --once --json --demo` beside `hf auth whoami` pointed at the fake hub.

Goal: hfmon gathers the whole (demo) account in no more time than `hf` takes to print who you are.
`--demo` also pays for the in-process fake simulating the month's traffic so far; the same poll against
the fake on loopback (as `hf` runs) is printed too, as hfmon's own cost.
Run: .venv/bin/python benchmarks/startup.py [--runs N]
"""

from __future__ import annotations

import argparse
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


def wall_times(cmd: list[str], env: dict[str, str], runs: int) -> list[float]:
    """Run a command `runs` times (after one warm-up) and return each wall time in seconds."""
    subprocess.run(cmd, env=env, capture_output=True, check=True, timeout=120)
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, env=env, capture_output=True, check=False, timeout=120)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    """Measure both commands and print medians and the ratio."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    hf = shutil.which("hf", path=str(BIN)) or shutil.which("hf")
    if hf is None:
        sys.exit("the `hf` command (huggingface_hub) is not installed")
    with tempfile.TemporaryDirectory() as home, serve(FakeHub(demo_scenario())) as server:
        env = {**os.environ, "HF_HOME": home, "XDG_DATA_HOME": home, "XDG_CONFIG_HOME": home,
               "HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_UPDATE_CHECK": "1"}
        hfmon = wall_times([str(BIN / "hfmon"), "--once", "--json", "--demo", "--no-history"], env, args.runs)
        hf_env = {**env, "HF_ENDPOINT": server.base_url, "HF_TOKEN": FULL_TOKEN}
        whoami = wall_times([hf, "auth", "whoami"], hf_env, args.runs)
        loop_env = {**hf_env, "HFMON_ENDPOINTS_URL": f"{server.base_url}/v2", "HFMON_ROUTER_URL": server.base_url}
        loopback = wall_times([str(BIN / "hfmon"), "--once", "--json", "--no-history"], loop_env, args.runs)
    a, b, c = statistics.median(hfmon), statistics.median(whoami), statistics.median(loopback)
    for label, times in (("hfmon --once --json --demo", hfmon), ("hfmon --once --json (loopback)", loopback),
                         ("hf auth whoami (loopback)", whoami)):
        print(f"{label:31}: median {statistics.median(times) * 1000:6.0f} ms"
              f"  (min {min(times) * 1000:.0f}, runs {args.runs})")
    print(f"ratio demo / hf whoami         : {a / b:.2f}  (goal <= 1.00)")
    print(f"ratio loopback / hf whoami     : {c / b:.2f}")


if __name__ == "__main__":
    main()
