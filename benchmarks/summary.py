"""Issue 15's figures in one table: each benchmark run once (in its own process), then figure, goal, measured,
verdict.

Ratios are medians of paired runs measured in the same run of this script (the machine is shared: absolute
times drift with its load, ratios of back-to-back runs much less). Takes several minutes; run it alone.
Run: .venv/bin/python benchmarks/summary.py [--runs 5] [--json]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def bench(script: str, *args: str) -> Any:
    """Run benchmarks/<script> with --json and return what it printed."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(HERE / script), *args, "--json"], capture_output=True, text=True,
                          timeout=3600, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{script} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    print(f"  {script} {' '.join(args)}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


class Rows(list[tuple[str, str, str, bool]]):
    """The table so far; each row is also printed to stderr as it is measured (a late failure loses nothing)."""

    def append(self, row: tuple[str, str, str, bool]) -> None:
        """Add a row and show it at once."""
        super().append(row)
        print(f"  -> {row[0]}: {row[2]} (goal {row[1]}): {'pass' if row[3] else 'FAIL'}", file=sys.stderr)


def rows(runs: int) -> list[tuple[str, str, str, bool]]:
    """(figure, goal, measured, pass) for each figure of issue 15."""
    out = Rows()
    start = bench("startup.py", "--runs", str(max(runs, 7)))
    out.append(("`hfmon --once --json --demo` / `hf auth whoami` on a fake", "≤ 0.85×",
                f"{start['demo_ratio']:.2f}× ({start['demo_s'] * 1000:.0f} vs {start['whoami_s'] * 1000:.0f} ms)",
                start["demo_ratio"] <= 0.85))
    once = bench("once.py", "--runs", str(runs), "--skip-scale")
    for h in once["history"]:
        out.append((f"`--once` with 30 days of history / `--no-history`, {h['resources']:,} resources, month end",
                    "≤ 1.15×", f"{h['ratio']:.2f}× (+{(h['with_s'] - h['without_s']) * 1000:.0f} ms)",
                    h["ratio"] <= 1.15))
    poll = bench("poll.py", "--runs", str(runs), "--no-baseline")
    ratio = poll["median_s"] / poll["bound_s"]
    out.append(("poll wall at 50 ms/request / critical path (median)", "≤ 1.3×",
                f"{ratio:.2f}× (best {poll['best_s'] / poll['bound_s']:.2f}; {poll['chain']} requests on the path)",
                ratio <= 1.3 and not poll["failed"]))
    big = bench("poll.py", "--runs", "3", "--scale", "20")
    faster = big["baseline_s"] / big["median_s"]
    out.append(("hfmon vs a sequential huggingface_hub script, 20× account", "≥ 8× faster",
                f"{faster:.1f}× ({big['median_s']:.1f} s vs {big['baseline_s']:.1f} s)",
                faster >= 8 and not big["failed"]))
    fake = bench("fakescale.py", "--scales", "5,20")
    by = {r["scale"]: r for r in fake}
    growth = by[20]["fake_cpu_s"] / by[5]["fake_cpu_s"]
    out.append(("the fake's CPU per poll, 20× / 5× (4 = linear, 16 = quadratic)", "≤ 5, no source fails",
                f"{growth:.1f} ({by[5]['fake_cpu_s']:.2f} s, {by[20]['fake_cpu_s']:.2f} s)",
                growth <= 5 and not any(r["failed"] for r in fake)))
    scale = bench("once.py", "--runs", str(runs), "--skip-history")["scale"]
    out.append(("`--once --json` at 20× scale", "≤ 3 s", f"{scale['median_s']:.2f} s (min {scale['min_s']:.2f})",
                scale["median_s"] <= 3.0))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5, help="paired runs per ratio")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    table = rows(args.runs)
    if args.json:
        print(json.dumps([{"figure": f, "goal": g, "measured": m, "pass": ok} for f, g, m, ok in table]))
        return
    width = max(len(f) for f, _, _, _ in table)
    print(f"| {'figure':{width}} | goal | measured | verdict |")
    print(f"|{'-' * (width + 2)}|---|---|---|")
    for figure, goal, measured, ok in table:
        print(f"| {figure:{width}} | {goal} | {measured} | {'pass' if ok else 'FAIL'} |")


if __name__ == "__main__":
    main()
