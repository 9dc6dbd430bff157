"""What a month of history adds to `hfmon once`, in CPU instructions (callgrind): deterministic where wall and CPU
times on a shared machine are not (once.py's ratios move ±20 % with others' load; instruction counts by well under
1 %).

The account and history are once.py's (N resources, 30 days of polls every 60 s up to MONTH_END, the measured poll
changing ~42 % of them). In one process under callgrind: the poll's snapshot evaluated as `hfmon once` does
(`Monitor._evaluate` with `figures_only`: record, load, Report; without the cyclic garbage collector, as
`hfmon once` runs) on a fresh copy of the history, then without history;
each counted alone (collection only inside `operator.call`, a dump after each), after one untimed round of both
(imports, caches). The sums are read on this connection (no second reader: its instructions would count the same).
Printed: instructions with and without history, the extra, and the extra by phase (record, load, the Report's).
The goal (issue 15) is once.py's wall ratio ≤ 1.15; this is where the time it measures goes.
Run: .venv/bin/python benchmarks/history_instructions.py [--resources 200,1000] [--json]   (needs valgrind)
"""

from __future__ import annotations

import argparse
import gc
import json
import operator
import pickle
import shutil
import subprocess
import sys
import tempfile
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import once

PHASES = ("with_history", "record", "load", "without_history")


def seed(directory: Path, resources: int) -> None:
    """once.py's account and month of history, and the measured poll's snapshot (pickled) in `directory`."""
    from hfmon.fakehub import FakeHub
    from hfmon.fakehub.server import serve

    with serve(FakeHub(once.account(resources), now=lambda: once.MONTH_END), port=0) as server:
        snap = once.replace(once.snapshot_of(server.base_url), taken_at=once.MONTH_END)
    (directory / "snapshot.pickle").write_bytes(pickle.dumps(snap))
    once.seed_history(directory / "seeded.sqlite3", snap, once.MONTH_END)


def child(directory: Path) -> None:
    """Under callgrind: each phase in `operator.call` (counted), the rest not."""
    from hfmon.clock import SystemClock
    from hfmon.config import Config
    from hfmon.costs import history_since
    from hfmon.costs.evaluate import history_windows
    from hfmon.costs.figures import history_figures
    from hfmon.monitor import Monitor
    from hfmon.store import HistoryStore, db

    db.SIDE_READ_FROM = 10**9
    # `hfmon once` runs without the cyclic garbage collector (`cli.main`): counted with it, its collections (which walk
    # every object history and the snapshot hold) landed in whichever phase allocated, a fifth of the Report's figure
    gc.disable()
    snap = pickle.loads((directory / "snapshot.pickle").read_bytes())
    now = once.MONTH_END + timedelta(seconds=1)
    path = directory / "history.sqlite3"

    def fresh() -> HistoryStore:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        shutil.copyfile(directory / "seeded.sqlite3", path)
        return HistoryStore.open(path)

    def monitor(store: HistoryStore | None) -> Monitor:
        # no poll: a stand-in collector (Monitor sets its hook for the period history names)
        made = Monitor(SimpleNamespace(), SystemClock(), Config(), store)  # type: ignore[arg-type]
        made.figures_only = True
        return made

    for counted in (False, True):
        call = operator.call if counted else (lambda f, *a, **k: f(*a, **k))
        with fresh() as store:
            call(monitor(store)._evaluate, snap, now)
        with fresh() as store:  # the same poll, its record and load apart
            call(store.record, snap)
            call(store.load, history_since(snap, now), history_windows(snap, now, hourly=False), now,
                 figures=history_figures(snap, now))
        call(monitor(None)._evaluate, snap, now)


def measure(resources: int) -> dict[str, Any]:
    """Instructions of each phase at `resources` resources."""
    with tempfile.TemporaryDirectory() as home:
        directory = Path(home)
        seed(directory, resources)
        out = directory / "callgrind.out"
        subprocess.run(["valgrind", "--tool=callgrind", "--collect-atstart=no", "--toggle-collect=_operator_call",
                        "--dump-after=_operator_call", f"--callgrind-out-file={out}", sys.executable, __file__,
                        "--child", str(directory)], check=True, capture_output=True, timeout=3600)
        parts = sorted(directory.glob("callgrind.out.*"), key=lambda p: int(p.suffix[1:]))
        counts = [_total(p) for p in parts]
    if len(counts) != len(PHASES):
        raise RuntimeError(f"expected {len(PHASES)} counted phases, callgrind dumped {len(counts)}")
    found = dict(zip(PHASES, counts, strict=True))
    found["extra"] = found["with_history"] - found["without_history"]
    found["report_extra"] = found["extra"] - found["record"] - found["load"]
    return {"resources": resources, **found}


def _total(part: Path) -> int:
    """The instruction count of one callgrind dump."""
    for line in part.read_text().splitlines():
        if line.startswith(("summary:", "totals:")):
            return int(line.split()[1])
    raise RuntimeError(f"no total in {part}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", default="200,1000")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(Path(args.child))
        return
    rows = [measure(int(n)) for n in args.resources.split(",")]
    if args.json:
        print(json.dumps(rows))
        return
    for r in rows:
        print(f"hfmon once's evaluation with {once.DAYS} days of history, {r['resources']} resources: "
              f"{r['with_history'] / 1e6:,.1f} M instructions vs {r['without_history'] / 1e6:,.1f} M without, "
              f"+{r['extra'] / 1e6:,.1f} M (record {r['record'] / 1e6:,.1f}, load {r['load'] / 1e6:,.1f}, the Report's "
              f"{r['report_extra'] / 1e6:,.1f}); once.py's wall ratio is judged (goal ≤ {once.HISTORY_GOAL})")


if __name__ == "__main__":
    main()
