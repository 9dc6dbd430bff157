"""`hfmon once --json` where users wait: with a month of history at month end, and on a 20× account.

1. History: the fake on loopback (a child process, clock fixed at 2026-11-30T23:00Z, the last hour of the
   period) with N resources; a history file holding 30 days of polls every 60 s, up to the fake's time, for
   those very resources (each
   changes state once an hour, the user's Inference spend grows at every poll). Paired runs of `hfmon once
   --json` with that history against `--no-history` (the history file is copied fresh for every run).
   Goal (issue 15): ≤ 1.15× at 200 and at 1,000 resources. Also printed: the same ratio in CPU time (user + system
   of each run), which others' load on a shared machine stretches much less than the wall time, and in one more
   pair of runs the CPU history adds split by phase (record, load, the Report's extra, close, the rest). hfmon
   runs on the fake's clock, as in the scale part.
2. Scale: `hfmon once --json --no-history` against poll.py's account ×20 (10,000 Spaces, 40,000 repos) on
   loopback, the fake warmed up first (its answers then come from its per-minute caches). Goal: ≤ 3 s.
   hfmon's clock is set to the fake's (MONTH_END when the fake started, moving on from there), whatever the day:
   on the wall clock it would ask the fake for windows of another month or hour than the fake is at.
   With --quiet, each figure also in a realistic variant (not the judged one): one more poll recorded 30 s before, so
   the measured poll changes 1 resource in 100 instead of ~42 % of them (one minute of an account rarely changes more).
Run: .venv/bin/python benchmarks/once.py [--resources 200,1000] [--runs 5] [--skip-scale] [--quiet] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.scenario import Scenario
from hfmon.fakehub.server import serve

MONTH_END = datetime(2026, 11, 30, 23, tzinfo=UTC)
DAYS = 30
HISTORY_GOAL, SCALE_GOAL_S = 1.15, 3.0


def account(resources: int) -> Scenario:
    """`resources` resources: 60 % endpoints, 25 % Spaces, 15 % jobs, over the user and two orgs."""
    endpoints, spaces = resources * 6 // 10, resources // 4
    return demo_scenario(spaces=spaces, endpoints=endpoints, jobs=resources - endpoints - spaces, repos=40,
                         page_size=100, rate_limit_quota=10**9)


def scaled() -> Scenario:
    """poll.py's account (5 namespaces, 500 Spaces, 50 endpoints, 2,000 repos, 40 jobs) ×20."""
    return demo_scenario(orgs=4, spaces=10_000, endpoints=1_000, repos=40_000, jobs=800, page_size=100,
                         rate_limit_quota=10**9)


def serve_forever(kind: str) -> None:
    """Child process: serve the scenario on loopback at MONTH_END, print the base URL, stop when stdin closes."""
    scn = scaled() if kind == "scale" else account(int(kind))
    with serve(FakeHub(scn, now=lambda: MONTH_END), port=0) as server:
        print(server.base_url, flush=True)
        sys.stdin.read()


class Fake:
    """The fake hub in a child process (its CPU does not share hfmon's GIL), on loopback."""

    def __init__(self, kind: str) -> None:
        self.child = subprocess.Popen([sys.executable, __file__, "--serve", kind], stdin=subprocess.PIPE,
                                      stdout=subprocess.PIPE, text=True)
        assert self.child.stdout is not None
        self.base = self.child.stdout.readline().strip()
        assert self.base.startswith("http://127.0.0.1:"), self.base

    def __enter__(self) -> Fake:
        return self

    def cpu_s(self) -> float | None:
        """The fake's CPU seconds so far (user + system, all its threads), from /proc; None where there is none."""
        try:
            fields = Path(f"/proc/{self.child.pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return None
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *exc: object) -> None:
        if self.child.stdin is not None:
            self.child.stdin.close()
        self.child.wait(timeout=30)


def snapshot_of(base: str) -> Any:
    """One poll of the fake, as hfmon sees it."""
    from hfmon.api.hub import HubClient
    from hfmon.api.urls import BaseUrls
    from hfmon.collect import Collector

    holder: list[Any] = []

    async def poll() -> None:
        client = HubClient(FULL_TOKEN, BaseUrls.single(base))
        async with Collector(client, client.clock) as collector:
            holder.append(await collector.poll())

    asyncio.run(poll())
    return holder[0]


def toggled(snap: Any, minute: int, at: datetime) -> Any:
    """The poll `minute` minutes into the history: each resource flips state once an hour (staggered), the
    user's Inference spend grows by $0.001 a poll."""
    count = sum(len(ns.endpoints.value or ()) + len(ns.spaces.value or ()) + len(ns.jobs.value or ())
                for ns in snap.namespaces) or 1
    index = 0

    def up() -> bool:
        nonlocal index
        offset = index * 60 // count
        index += 1
        return minute >= offset and ((minute - offset) // 60) % 2 == 0

    namespaces = []
    for ns in snap.namespaces:
        eps = tuple(replace(e, state="running" if up() else "scaledToZero") for e in ns.endpoints.value or ())
        sps = tuple(replace(s, stage="RUNNING" if up() else "SLEEPING") for s in ns.spaces.value or ())
        jobs = tuple(replace(j, stage="RUNNING" if up() else "COMPLETED") for j in ns.jobs.value or ())
        billing = ns.billing
        if billing.value is not None and ns.kind == "user":
            inf = billing.value.inference
            used = inf.used_usd * Decimal(minute) / Decimal(DAYS * 1440)
            billing = replace(billing, value=replace(billing.value, inference=replace(inf, used_usd=used)))
        namespaces.append(replace(ns, billing=billing, endpoints=replace(ns.endpoints, value=eps),
                                  spaces=replace(ns.spaces, value=sps), jobs=replace(ns.jobs, value=jobs)))
    return replace(snap, taken_at=at, namespaces=tuple(namespaces))


def quieted(snap: Any, at: datetime, every: int) -> Any:
    """The fake's own poll as if taken at `at`, every `every`-th resource in the other state (up <-> down): the poll
    after it then changes only those, as a quiet minute of an account does (the `--quiet` variant)."""
    index = 0

    def flip(up: bool) -> bool:
        nonlocal index
        index += 1
        return up != (index % every == 0)

    namespaces = []
    for ns in snap.namespaces:
        eps = tuple(replace(e, state="running" if flip(e.state == "running") else "scaledToZero")
                    for e in ns.endpoints.value or ())
        sps = tuple(replace(s, stage="RUNNING" if flip(s.stage == "RUNNING") else "SLEEPING")
                    for s in ns.spaces.value or ())
        jobs = tuple(replace(j, stage="RUNNING" if flip(j.stage == "RUNNING") else "COMPLETED")
                     for j in ns.jobs.value or ())
        namespaces.append(replace(ns, endpoints=replace(ns.endpoints, value=eps),
                                  spaces=replace(ns.spaces, value=sps), jobs=replace(ns.jobs, value=jobs)))
    return replace(snap, taken_at=at, namespaces=tuple(namespaces))


QUIET_EVERY = 100  # the `--quiet` variant: the measured poll changes 1 resource in 100


CYCLE = timedelta(hours=2)  # toggled() repeats every two hours (each resource up one hour, down the next)


def seed_history(path: Path, snap: Any, end: datetime, *, quiet: bool = False) -> dict[str, int]:
    """30 days of polls ending at `end` (when the measured runs start: hfmon reads the wall clock, so history is
    in the past as a user's is, whatever the day): two cycles (4 h) recorded poll by poll, the rest copied from the
    second cycle with shifted times (recording 43,200 polls one by one takes too long for a benchmark). The
    copies keep the second cycle's Inference totals, so the user's spend saws up and back every two hours.
    The measured poll then changes about 42 % of the resources (the judged figure). `quiet`: one more poll 30 s
    before `end`, the fake's own states but for 1 in QUIET_EVERY (`quieted`), so the measured poll changes those
    only."""
    from hfmon.store import HistoryStore
    from hfmon.store.extract import encode_time
    from hfmon.store.running import rebuild

    start = end - timedelta(days=DAYS)
    cycle_min = CYCLE // timedelta(minutes=1)
    with HistoryStore.open(path) as store:
        for minute in range(2 * cycle_min):
            store.record(toggled(snap, minute, start + timedelta(minutes=minute)))
    cycle = CYCLE // timedelta(microseconds=1)
    second = encode_time(start) + cycle
    cycles = timedelta(days=DAYS) // CYCLE
    conn = sqlite3.connect(path)
    with conn:
        # the second cycle's rows in temporary tables: copying from them does not rescan the growing tables
        conn.execute("""CREATE TEMP TABLE cycle_usage AS SELECT * FROM usage_points WHERE at >= ? AND at < ?""",
                     (second, second + cycle))
        conn.execute("""CREATE TEMP TABLE cycle_changes AS SELECT * FROM state_changes WHERE at >= ? AND at < ?""",
                     (second, second + cycle))
        for n in range(2, cycles):
            shift = ((n - 1) * cycle,)
            conn.execute("""INSERT INTO usage_points SELECT namespace, at + ?, period_start, inference_used_usd,
                            jobs_used_usd FROM cycle_usage""", shift)
            conn.execute("""INSERT INTO state_changes (resource_id, at, state, hardware, replicas)
                            SELECT resource_id, at + ?, state, hardware, replicas FROM cycle_changes""", shift)
        conn.execute("UPDATE resources SET changed_at = changed_at + ?1, seen_at = seen_at + ?1",
                     ((cycles - 2) * cycle,))
        rebuild(conn)  # the running sums record() keeps, for the rows copied here
        conn.execute("UPDATE poll_runs SET last_at = ?", (encode_time(end - timedelta(minutes=1)),))
        conn.execute("UPDATE listing_runs SET last_at = ?", (encode_time(end - timedelta(minutes=1)),))  # each listing
    counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("usage_points", "state_changes")}
    conn.close()
    if quiet:
        with HistoryStore.open(path) as store:
            store.record(quieted(snap, end - timedelta(seconds=30), QUIET_EVERY))
    return counts


def timed(cmd: list[str], env: dict[str, str], before: Any = None) -> tuple[float, float]:
    """Wall time and CPU time (user + system, its threads included) of one run (after `before()`, untimed). The CPU
    time is the steadier figure on a shared machine: others' load stretches the wall time, much less the CPU."""
    if before is not None:
        before()
    cpu = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(cmd, env=env, capture_output=True, check=False, timeout=300)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - cpu.ru_utime) + (after.ru_stime - cpu.ru_stime)


def compiled() -> None:
    """hfmon's modules compiled to bytecode, as an install leaves them (PYTHONDONTWRITEBYTECODE, set here, would
    otherwise have every run compile the store's modules from source, which only the runs with history import)."""
    import hfmon

    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(hfmon.__file__).parent)], check=True,
                   capture_output=True)


def history_figure(resources: int, runs: int, *, quiet: bool = False) -> dict[str, Any]:
    """Paired runs with and without a month of history; the median of the per-pair ratios."""
    compiled()
    with tempfile.TemporaryDirectory() as home, Fake(str(resources)) as fake:
        env = {**os.environ, "HF_HOME": home, "XDG_DATA_HOME": home, "XDG_CONFIG_HOME": home,
               "HF_ENDPOINT": fake.base, "HF_TOKEN": FULL_TOKEN, "HFMON_ENDPOINTS_URL": f"{fake.base}/v2",
               "HFMON_ROUTER_URL": fake.base}
        os.environ["XDG_DATA_HOME"] = home
        from hfmon.store import default_path

        target = default_path()
        target.parent.mkdir(parents=True, exist_ok=True)
        seeded = Path(home) / "seeded.sqlite3"
        # hfmon on the fake's clock (MONTH_END when it started, moving on), its history up to then, on any day
        behind = (datetime.now(UTC) - MONTH_END).total_seconds()
        rows = seed_history(seeded, snapshot_of(fake.base), MONTH_END, quiet=quiet)

        def fresh() -> None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{target}{suffix}").unlink(missing_ok=True)
            shutil.copyfile(seeded, target)
            # at rest on disk, as a user's history file is: else the run's checkpoint (its fsync of the database
            # file) also writes out the whole fresh copy, which no user's run pays
            with target.open("rb+") as copy:
                os.fsync(copy.fileno())

        hfmon = hfmon_behind(behind, "once", "--json")
        fresh()
        subprocess.run(hfmon, env=env, capture_output=True, check=False, timeout=300)  # warm up
        subprocess.run([*hfmon, "--no-history"], env=env, capture_output=True, check=False, timeout=300)
        with_history, without = [], []
        loads = [os.getloadavg()[0]]
        for _ in range(runs):
            with_history.append(timed(hfmon, env, fresh))
            without.append(timed([*hfmon, "--no-history"], env))
            loads.append(os.getloadavg()[0])
        fresh()
        split = history_phases(env, behind, history=True)
        split_without = history_phases(env, behind, history=False)
    ratios = sorted(a[0] / b[0] for a, b in zip(with_history, without, strict=True))
    cpu_ratios = sorted(a[1] / b[1] for a, b in zip(with_history, without, strict=True))
    return {"resources": resources, "quiet": quiet, "ratio": statistics.median(ratios),
            "with_s": statistics.median(w for w, _ in with_history),
            "without_s": statistics.median(w for w, _ in without), "ratios": ratios,
            "cpu_ratio": statistics.median(cpu_ratios), "cpu_ratios": cpu_ratios,
            "with_cpu_s": statistics.median(c for _, c in with_history),
            "without_cpu_s": statistics.median(c for _, c in without), "load": os.getloadavg()[0],
            "loads": (min(loads), max(loads)), "phases": extra_phases(split, split_without), **rows}


def failed_sources(document: bytes) -> list[str]:
    """The sources a `--once --json` document says did not answer (no_access is an answer); ["no document"] when
    the output is not one."""
    try:
        sources = json.loads(document)["sources"]
    except (ValueError, KeyError, TypeError):
        return ["no document"]
    return [name for name, s in sources.items() if s["status"] not in ("ok", "no_access")]


ON_FAKES_CLOCK = """
import sys
from datetime import UTC, datetime, timedelta
import hfmon.clock
behind = timedelta(seconds=float(sys.argv.pop(1)))
hfmon.clock.SystemClock.now = lambda self: datetime.now(UTC) - behind
"""
"""Prepended to a `python -c` run of hfmon: its clock (the one place it reads the time) `argv[1]` seconds behind
the wall clock."""


def hfmon_behind(seconds: float, *args: str) -> list[str]:
    """The command running `hfmon ARGS` as the hfmon program does (its main() with sys.argv: a one-shot run goes
    without the cyclic collector), its clock `seconds` behind the wall clock: on a fake's clock."""
    return [sys.executable, "-c", ON_FAKES_CLOCK + "from hfmon.cli import main\nsys.exit(main())\n", str(seconds),
            *args]


def scale_figure(runs: int) -> dict[str, Any]:
    """Median wall time of `hfmon once --json --no-history` on the 20× account, the fake warmed up, and the sources
    that failed in any run (a fast run that timed out on half the listings is not the figure). hfmon's modules are
    compiled to bytecode first, as an install leaves them (the history part does the same)."""
    compiled()
    with tempfile.TemporaryDirectory() as home, Fake("scale") as fake:
        env = {**os.environ, "HF_HOME": home, "XDG_DATA_HOME": home, "XDG_CONFIG_HOME": home,
               "HF_ENDPOINT": fake.base, "HF_TOKEN": FULL_TOKEN, "HFMON_ENDPOINTS_URL": f"{fake.base}/v2",
               "HFMON_ROUTER_URL": fake.base}
        behind = (datetime.now(UTC) - MONTH_END).total_seconds()  # hfmon at the fake's time, moving on
        cmd = hfmon_behind(behind, "once", "--json", "--no-history")
        subprocess.run(cmd, env=env, capture_output=True, check=False, timeout=300)
        times, cpu, fake_cpu, failed = [], [], [], set()
        loads = [os.getloadavg()[0]]
        for _ in range(runs):
            before, fake_before = children_cpu(), fake.cpu_s()
            started = time.perf_counter()
            done = subprocess.run(cmd, env=env, capture_output=True, check=False, timeout=300)
            times.append(time.perf_counter() - started)
            cpu.append(children_cpu() - before)  # hfmon's own CPU: the fake is a child still running, not counted
            fake_after = fake.cpu_s()
            if fake_before is not None and fake_after is not None:
                fake_cpu.append(fake_after - fake_before)  # what the fake spent serving that very poll
            failed.update(failed_sources(done.stdout))
            loads.append(os.getloadavg()[0])
        split = phases(env, behind)
    return {"median_s": statistics.median(times), "min_s": min(times), "cpu_s": statistics.median(cpu),
            "fake_cpu_s": statistics.median(fake_cpu) if fake_cpu else None, "runs": runs, "failed": sorted(failed),
            "load": os.getloadavg()[0], "loads": (min(loads), max(loads)), "phases": split}


PHASES = """
import json, time
import hfmon.jsonout, hfmon.monitor
marks = {}
def timed(name, function):
    def wrapper(*args, **kwargs):
        marks.setdefault(name + "_from", time.process_time())
        try:
            return function(*args, **kwargs)
        finally:
            marks[name + "_to"] = time.process_time()
    return wrapper
hfmon.monitor.Monitor._evaluate = timed("evaluate", hfmon.monitor.Monitor._evaluate)
hfmon.jsonout.report_document = timed("document", hfmon.jsonout.report_document)
hfmon.jsonout.write_document = timed("write", hfmon.jsonout.write_document)
from hfmon.cli import main
sys.argv = ["hfmon", "once", "--json", "--no-history"]  # after ON_FAKES_CLOCK took its own
code = main()  # as the hfmon program runs it (without the cyclic garbage collector)
print(json.dumps({"poll_to": marks["evaluate_from"], **marks, "main_to": time.process_time()}), file=sys.stderr)
sys.exit(code)
"""


def phases(env: dict[str, str], behind: float) -> dict[str, float]:
    """One more (untimed) run, in which hfmon's CPU is split at the end of the poll, the Report, the JSON document
    and its writing (each phase's process CPU up to its end, less the previous phase's)."""
    done = subprocess.run([sys.executable, "-c", ON_FAKES_CLOCK + PHASES, str(behind)], env=env, capture_output=True,
                          text=True, check=False, timeout=300)
    marks = json.loads(done.stderr.strip().splitlines()[-1])
    return {"poll": marks["poll_to"], "evaluate": marks["evaluate_to"] - marks["evaluate_from"],
            "document": marks["document_to"] - marks["document_from"],
            "write": marks["write_to"] - marks["write_from"], "rest": marks["main_to"] - marks["poll_to"]
            - (marks["evaluate_to"] - marks["evaluate_from"]) - (marks["document_to"] - marks["document_from"])
            - (marks["write_to"] - marks["write_from"])}


HISTORY_PHASES = """
import json, sys, time
import hfmon.monitor
marks = {}
def timed(owner, attribute, name):
    function = getattr(owner, attribute)
    def wrapper(*args, **kwargs):
        started = time.process_time()
        try:
            return function(*args, **kwargs)
        finally:
            marks[name] = marks.get(name, 0.0) + time.process_time() - started
    setattr(owner, attribute, wrapper)
timed(hfmon.monitor.Monitor, "_evaluate", "evaluate")
if "--no-history" not in sys.argv:
    import hfmon.store.db
    store = hfmon.store.db.HistoryStore
    timed(store, "record", "record")
    timed(store, "load", "load")
    timed(store, "close", "close")
from hfmon.cli import main
sys.argv = ["hfmon", "once", "--json", *sys.argv[1:]]
code = main()
print(json.dumps({**marks, "process": time.process_time()}), file=sys.stderr)
sys.exit(code)
"""


def history_phases(env: dict[str, str], behind: float, *, history: bool) -> dict[str, float]:
    """One more (untimed) run of `hfmon once --json`, with or without history, in which hfmon's CPU (every thread's:
    the store's background threads count where they run) is split: record(), load(), the rest of `_evaluate` (the
    Report), close(), and the whole process."""
    done = subprocess.run([sys.executable, "-c", ON_FAKES_CLOCK + HISTORY_PHASES, str(behind),
                           *([] if history else ["--no-history"])], env=env,
                          capture_output=True, text=True, check=False, timeout=300)
    marks: dict[str, float] = json.loads(done.stderr.strip().splitlines()[-1])
    marks["evaluate"] -= marks.get("record", 0.0) + marks.get("load", 0.0)
    return marks


def extra_phases(with_history: dict[str, float], without: dict[str, float]) -> dict[str, float]:
    """What history adds, by phase (CPU seconds): record(), load(), the Report's extra, close(), and the rest of
    the process's extra (the store's imports and opening during the poll, the background checkpoint's share)."""
    extra = {"record": with_history.get("record", 0.0), "load": with_history.get("load", 0.0),
             "report": with_history["evaluate"] - without["evaluate"], "close": with_history.get("close", 0.0)}
    extra["rest"] = with_history["process"] - without["process"] - sum(extra.values())
    return extra


def children_cpu() -> float:
    """User + system CPU seconds of this process's finished (waited-for) children."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--resources", default="200,1000")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--skip-scale", action="store_true")
    parser.add_argument("--skip-history", action="store_true")
    parser.add_argument("--quiet", action="store_true",
                        help="also the realistic variant: the measured poll changes 1 resource in 100 (not judged)")
    parser.add_argument("--json", action="store_true")
    parser.add_argument("--serve", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        serve_forever(args.serve)
        return
    out: dict[str, Any] = {"history": [], "scale": None}
    if not args.skip_history:
        out["history"] = [history_figure(int(n), args.runs, quiet=quiet) for n in args.resources.split(",")
                          for quiet in ((False, True) if args.quiet else (False,))]
    if not args.skip_scale:
        out["scale"] = scale_figure(args.runs)
    if args.json:
        print(json.dumps(out))
        return
    for h in out["history"]:
        poll = (f"the poll changes 1 resource in {QUIET_EVERY}, not judged" if h["quiet"]
                else "the poll changes ~42 % of the resources, judged")
        print(f"--once with {DAYS} days of history, {h['resources']} resources ({poll}; {h['usage_points']:,} usage "
              "points, "
              f"{h['state_changes']:,} state changes): {h['with_s'] * 1000:.0f} ms vs {h['without_s'] * 1000:.0f} ms "
              f"without; paired ratio {h['ratio']:.2f} (goal ≤ {HISTORY_GOAL}; pairs {min(h['ratios']):.2f}-"
              f"{max(h['ratios']):.2f}, load average {h['loads'][0]:.1f}-{h['loads'][1]:.1f}); CPU "
              f"{h['with_cpu_s'] * 1000:.0f} ms vs {h['without_cpu_s'] * 1000:.0f} ms, paired ratio "
              f"{h['cpu_ratio']:.2f} (pairs {min(h['cpu_ratios']):.2f}-{max(h['cpu_ratios']):.2f})")
        print("  the CPU history adds, by phase in one more pair of runs (ms): " + ", ".join(
            f"{k} {v * 1000:.0f}" for k, v in h["phases"].items()))
    if out["scale"]:
        s = out["scale"]
        print(f"--once --json at 20× (10,000 Spaces): median {s['median_s']:.2f} s, min {s['min_s']:.2f} s, "
              f"hfmon's CPU {s['cpu_s']:.2f} s median, the fake's CPU for the same poll "
              + ("unknown (no /proc)" if s["fake_cpu_s"] is None else f"{s['fake_cpu_s']:.2f} s median")
              + f" (goal ≤ {SCALE_GOAL_S:.0f} s wall, every source answering; load average "
              f"{s['loads'][0]:.1f}-{s['loads'][1]:.1f})"
              + (f"; failed sources: {', '.join(s['failed'])}" if s["failed"] else "; every source answered"))
        print("  hfmon's CPU by phase in one more run (s): " + ", ".join(f"{k} {v:.2f}" for k, v in
                                                                        s["phases"].items()))


if __name__ == "__main__":
    main()
