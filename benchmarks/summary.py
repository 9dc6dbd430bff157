"""Issue 15's figures in one table: each benchmark run once (in its own process), then figure, goal, measured,
verdict.

Ratios are medians of paired runs measured in the same run of this script (the machine is shared: absolute
times drift with its load, ratios of back-to-back runs much less). Bounded: every benchmark has a time limit
(--limit); one that fails or overruns gives a "not measured" row and the rest still run. The 20x figures use
half the runs (at least one). Measured: 16 minutes under a load average of 5 on 2 cores with 3 runs everywhere (the
20x figures then took 6 of them); run it alone. The load average before and after is printed with the table.
Run: .venv/bin/python benchmarks/summary.py [--runs 3] [--limit 300] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


LIMIT_S = 300.0  # per benchmark script (--limit)


def bench(script: str, *args: str) -> Any:
    """Run benchmarks/<script> with --json and return what it printed (TimeoutExpired past the limit)."""
    started = time.perf_counter()
    done = subprocess.run([sys.executable, str(HERE / script), *args, "--json"], capture_output=True, text=True,
                          timeout=LIMIT_S, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{script} failed ({done.returncode}): {done.stderr.strip()[-400:]}")
    print(f"  {script} {' '.join(args)}: {time.perf_counter() - started:.0f} s", file=sys.stderr)
    return json.loads(done.stdout.strip().splitlines()[-1])


class Rows(list[tuple[str, str, str, "bool | None"]]):
    """The table so far; each row is also printed to stderr as it is measured (a late failure loses nothing)."""

    def append(self, row: tuple[str, str, str, bool | None]) -> None:
        """Add a row and show it at once."""
        super().append(row)
        print(f"  -> {row[0]}: {row[2]} (goal {row[1]}): {verdict(row[3])}", file=sys.stderr)


Row = tuple[str, str, str, bool | None]  # figure, goal, measured, pass (None: not measured)


def measured(out: Rows, figures: list[tuple[str, str]], measure: Any) -> None:
    """Append the rows `measure()` returns, or one "not measured" row per figure when it fails or overruns."""
    try:
        for row in measure():
            out.append(row)
    except subprocess.TimeoutExpired:
        for figure, goal in figures:
            out.append((figure, goal, f"not measured: over the {LIMIT_S:.0f} s limit", None))
    except (RuntimeError, KeyError, ValueError) as exc:
        reason = f"not measured: {str(exc).splitlines()[-1][:160] if str(exc) else type(exc).__name__}"
        for figure, goal in figures:
            out.append((figure, goal, reason, None))


def rows(runs: int) -> list[Row]:
    """(figure, goal, measured, pass) for each figure of issue 15."""
    out = Rows()
    big_runs = max(1, runs // 2)  # the 20x figures: each run takes 10-40 s on a loaded machine
    startup_figure = ("`hfmon --once --json --demo` / `hf auth whoami` on a fake", "≤ 0.85×")

    def startup() -> list[Row]:
        s = bench("startup.py", "--runs", str(max(runs, 5)))
        wall = f"{s['demo_ratio']:.2f}× ({s['demo_s'] * 1000:.0f} vs {s['whoami_s'] * 1000:.0f} ms)"
        return [(*startup_figure, f"{wall}; CPU {s['demo_cpu_ratio']:.2f}×", s["demo_ratio"] <= 0.85)]

    measured(out, [startup_figure], startup)
    for resources, pairs in ((200, runs), (1000, 1)):  # 1,000 resources: one pair (seconds per run when loaded)
        history_figure = (f"`--once` with 30 days of history / `--no-history`, {resources:,} resources, month end",
                          "≤ 1.15×")

        def history(resources: int = resources, pairs: int = pairs, figure: tuple[str, str] = history_figure,
                    ) -> list[Row]:
            h = bench("once.py", "--runs", str(pairs), "--skip-scale", "--resources", str(resources))["history"][0]
            return [(*figure, f"{h['ratio']:.2f}× (+{(h['with_s'] - h['without_s']) * 1000:.0f} ms; "
                              f"{h['with_s']:.2f} vs {h['without_s']:.2f} s)", h["ratio"] <= 1.15)]

        measured(out, [history_figure], history)
    poll_figure = ("poll wall at 50 ms/request / critical path (median)", "≤ 1.3×")

    def poll() -> list[Row]:
        p = bench("poll.py", "--runs", str(runs), "--no-baseline", "--no-floor")
        ratio = p["median_s"] / p["bound_s"]
        wait = f" + {p['cpu_wait_s'] * 1000:.0f} ms waiting for a CPU" if p.get("cpu_wait_s") is not None else ""
        return [(*poll_figure, f"{ratio:.2f}× (best {p['best_s'] / p['bound_s']:.2f}; {p['chain']} requests on "
                               f"the path; hfmon CPU {p['cpu_s'] * 1000:.0f} ms{wait} per poll)",
                 ratio <= 1.3 and not p["failed"])]

    measured(out, [poll_figure], poll)
    baseline_figure = ("hfmon vs a sequential huggingface_hub script, 20× account", "≥ 8× faster")

    def baseline() -> list[Row]:
        b = bench("poll.py", "--runs", str(big_runs), "--scale", "20", "--no-floor")
        faster = b["baseline_s"] / b["median_s"]
        measured_text = (f"{faster:.1f}× ({b['median_s']:.1f} s vs {b['baseline_s']:.1f} s; {b['requests']} vs "
                         f"{b['baseline_requests']} requests: the script asks for the same pages as hfmon)")
        return [(*baseline_figure, measured_text, faster >= 8 and not b["failed"])]

    measured(out, [baseline_figure], baseline)
    fake_figure = ("the fake's CPU per poll, 20× / 5× (4 = linear, 16 = quadratic)", "≤ 5, no source fails")

    def fake() -> list[Row]:
        by = {r["scale"]: r for r in bench("fakescale.py", "--scales", "5,20")}
        growth = by[20]["fake_cpu_s"] / by[5]["fake_cpu_s"]
        failed = [name for r in by.values() for name in r["failed"]]
        return [(*fake_figure, f"{growth:.1f} ({by[5]['fake_cpu_s']:.2f} s, {by[20]['fake_cpu_s']:.2f} s)"
                               + (f"; failed: {', '.join(failed)}" if failed else ""), growth <= 5 and not failed)]

    measured(out, [fake_figure], fake)
    scale_figure = ("`--once --json` at 20× scale", "≤ 3 s, no source fails")

    def scale() -> list[Row]:
        s = bench("once.py", "--runs", str(big_runs), "--skip-history")["scale"]
        failed = f"; failed: {', '.join(s['failed'])}" if s["failed"] else ""
        return [(*scale_figure, f"{s['median_s']:.2f} s (min {s['min_s']:.2f}){failed}",
                 s["median_s"] <= 3.0 and not s["failed"])]

    measured(out, [scale_figure], scale)
    return out


def load_average() -> str:
    """The 1-minute load average (what else the shared machine was doing)."""
    return f"{os.getloadavg()[0]:.2f}"


def verdict(ok: bool | None) -> str:
    """pass, FAIL, or — when the figure was not measured."""
    return "—" if ok is None else "pass" if ok else "FAIL"


def main() -> None:
    global LIMIT_S
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="paired runs per ratio")
    parser.add_argument("--limit", type=float, default=LIMIT_S, help="seconds each benchmark script may take")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    LIMIT_S = args.limit
    started, load_before = time.perf_counter(), load_average()
    table = rows(args.runs)
    took, load_after = time.perf_counter() - started, load_average()
    if args.json:
        print(json.dumps({"load_before": load_before, "load_after": load_after, "seconds": round(took),
                          "rows": [{"figure": f, "goal": g, "measured": m, "pass": ok} for f, g, m, ok in table]}))
        return
    width = max(len(f) for f, _, _, _ in table)
    print(f"{args.runs} paired runs per ratio; {took:.0f} s; load average {load_before} before, {load_after} after")
    print(f"| {'figure':{width}} | goal | measured | verdict |")
    print(f"|{'-' * (width + 2)}|---|---|---|")
    for figure, goal, value, ok in table:
        print(f"| {figure:{width}} | {goal} | {value} | {verdict(ok)} |")


if __name__ == "__main__":
    main()
