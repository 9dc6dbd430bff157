"""Opening a 30-day history file of the previous schema (v8) for the first time: the one-time upgrade to v9.

The file: once.py's seed (N resources, 30 days of polls every 60 s up to 2026-11-30T23:00Z), without v9's
`listing_runs` and marked v8, which is what v8 wrote for these polls (the fill reads usage points, state changes
and poll_runs only). Measured: `HistoryStore.open` on a fresh copy, which checks the file, migrates and commits in
one transaction, holding the write lock: another hfmon opening meanwhile waits, up to the 30 s busy timeout.
Goal: ≤ 2 s at 1,000 resources (well under the busy timeout).
Run: .venv/bin/python benchmarks/upgrade.py [--resources 1000] [--runs 3]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import once  # noqa: E402

from hfmon.fakehub import FakeHub  # noqa: E402
from hfmon.fakehub.server import serve  # noqa: E402
from hfmon.store import HistoryStore  # noqa: E402

GOAL_S = 2.0


def v8_file(path: Path, resources: int) -> dict[str, int]:
    """Seed `path` as once.py does, then make it the v8 file those polls would have left."""
    scenario = once.account(resources)
    with serve(FakeHub(scenario, now=lambda: scenario.start)) as server:
        snap = once.snapshot_of(server.base_url)
    rows = once.seed_history(path, snap, once.MONTH_END)
    with sqlite3.connect(path) as conn:
        conn.execute("DROP TABLE listing_runs")
        conn.execute("PRAGMA user_version = 8")
    conn.close()
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        seeded, copy = Path(tmp) / "v8.sqlite3", Path(tmp) / "copy.sqlite3"
        rows = v8_file(seeded, args.resources)
        times = []
        for _ in range(args.runs):
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(seeded, copy)
            start = time.perf_counter()
            HistoryStore.open(copy).close()
            times.append(time.perf_counter() - start)
    best = min(times)
    print(f"upgrade of a v8 file, 30 days, {args.resources} resources ({rows['state_changes']:,} state changes, "
          f"{rows['usage_points']:,} usage points): best {best:.2f} s of {args.runs} (all "
          + ", ".join(f"{t:.2f}" for t in times) + f"); goal ≤ {GOAL_S:.0f} s; ratio {best / GOAL_S:.2f} "
          f"(load average {os.getloadavg()[0]:.1f})")


if __name__ == "__main__":
    main()
