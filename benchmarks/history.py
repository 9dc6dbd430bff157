"""History store: database growth per day, insert throughput, and loading 90 days.

Account: 200 resources (120 endpoints, 50 Spaces, 30 jobs in two namespaces), each changing state once an
hour (staggered over the hour), polled every 60 s. Inference usage of `alice` grows at every poll (the worst
case); `acme`'s stays flat (only the hourly keep-alive point is stored).
Judged by: bytes per day × 90 (the file size at the retention limit) and record() time / poll interval.
Run: .venv/bin/python benchmarks/history.py [--days 90] [--resources 200]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hfmon.models import (
    BillingUsage,
    Endpoint,
    InferenceUsage,
    Job,
    NamespaceData,
    Snapshot,
    SourceResult,
    SourceStatus,
    Space,
)
from hfmon.store import HistoryStore, db
from hfmon.store.extract import encode_time
from hfmon.store.running import rebuild

START = datetime(2026, 8, 1, tzinfo=UTC)
POLL = timedelta(seconds=60)
NAMESPACES = ("alice", "acme")


def ok(name: str, value: Any) -> SourceResult[Any]:
    return SourceResult(name, SourceStatus.OK, value, fetched_at=START)


def failed(name: str) -> SourceResult[Any]:
    return SourceResult(name, SourceStatus.ERROR, error="not polled in this benchmark")


class Account:
    """The simulated account: which resource is in which state at a given poll."""

    def __init__(self, resources: int) -> None:
        n_endpoints, n_spaces = resources * 3 // 5, resources // 4
        self.resources = [("endpoint", i) for i in range(n_endpoints)] + [("space", i) for i in range(n_spaces)]
        self.resources += [("job", i) for i in range(resources - n_endpoints - n_spaces)]

    def phase(self, index: int, minute: int) -> int:
        """How many times resource `index` has changed by `minute` (each changes once an hour, staggered)."""
        offset = index * 60 // len(self.resources)
        return (minute - offset) // 60 + 1 if minute >= offset else 0

    def snapshot(self, minute: int) -> Snapshot:
        """The poll at `minute`: every resource, each in its current state."""
        per_ns: dict[str, dict[str, list[Any]]] = {ns: {"endpoint": [], "space": [], "job": []} for ns in NAMESPACES}
        for index in range(len(self.resources)):
            kind, number = self.resources[index]
            ns, up = NAMESPACES[index % 2], self.phase(index, minute) % 2 == 1
            per_ns[ns][kind].append(_resource(kind, ns, number, up))
        at = START + minute * POLL
        namespaces = tuple(_namespace(ns, minute, per_ns[ns]) for ns in NAMESPACES)
        return Snapshot(at, failed("account"), namespaces, failed("spaces_hardware"), failed("jobs_hardware"),
                        failed("router_prices"), failed("zero_gpu"))


def _resource(kind: str, ns: str, number: int, up: bool) -> Any:
    if kind == "endpoint":
        state, ready = ("running", 1) if up else ("scaledToZero", 0)
        return Endpoint(ns, f"endpoint-{number}", state, "aws", "us-east-1", "gpu", "nvidia-a10g", "x1", 0, 1, 15,
                        ready, ready, "org/model", None, None)
    if kind == "space":
        return Space(f"{ns}/space-{number}", ns, "RUNNING" if up else "SLEEPING", "t4-small", "t4-small", 3600,
                     1, 1 if up else 0, False, None)
    return Job(f"job{number:06d}{ns}", ns, "RUNNING" if up else "SCHEDULING", "a10g-small", None, None, None, None)


def _namespace(ns: str, minute: int, resources: dict[str, list[Any]]) -> NamespaceData:
    used = Decimal(minute) / 1000 if ns == "alice" else Decimal("12.5")
    period = START.replace(day=1)
    billing = BillingUsage(ns, InferenceUsage(used, Decimal(2), None, minute, period, period + timedelta(days=31)),
                           None)
    return NamespaceData(ns, "user", ok(f"billing:{ns}", billing), failed("statement"), failed("job_charges"),
                         failed("sessions"), ok(f"endpoints:{ns}", tuple(resources["endpoint"])),
                         failed("endpoint_catalog"), ok(f"spaces:{ns}", tuple(resources["space"])),
                         ok(f"jobs:{ns}", tuple(resources["job"])), failed("storage"))


def table_rows(path: Path) -> dict[str, int]:
    conn = sqlite3.connect(path)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        counts = {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in ("usage_points", "state_changes")}
        pages, page_size = (conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_count", "page_size"))
        counts["bytes"] = pages * page_size
        return counts
    finally:
        conn.close()


def extend(path: Path, days: int) -> None:
    """Grow a 2-day history to `days` days by repeating its second (steady-state) day."""
    day = 24 * 3600 * 10**6  # microseconds, as the store keeps times
    second = encode_time(START) + day
    conn = sqlite3.connect(path)
    with conn:
        for n in range(2, days):
            window = ((n - 1) * day, second, second + day)
            conn.execute("""INSERT INTO usage_points SELECT namespace, at + ?, period_start, inference_used_usd,
                            jobs_used_usd FROM usage_points WHERE at >= ? AND at < ?""", window)
            conn.execute("""INSERT INTO state_changes (resource_id, at, state, hardware, replicas)
                            SELECT resource_id, at + ?, state, hardware, replicas
                            FROM state_changes WHERE at >= ? AND at < ?""", window)
        conn.execute("UPDATE resources SET changed_at = changed_at + ?1, seen_at = seen_at + ?1", ((days - 2) * day,))
        rebuild(conn)  # the running sums record() keeps, for the rows copied here
    conn.close()


def main() -> None:
    """Simulate, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--resources", type=int, default=200)
    args = parser.parse_args()
    account = Account(args.resources)
    per_day = 24 * 60
    with tempfile.TemporaryDirectory() as tmp:
        full = Path(tmp) / "full.sqlite3"
        assert db.SYNCHRONOUS == "NORMAL"
        # 1. Two days of real polls (every resource in every snapshot): growth per day and record() time.
        timings, marks = [], []
        with HistoryStore.open(full) as store:
            for minute in range(2 * per_day):
                snap = account.snapshot(minute)
                t = time.perf_counter()
                store.record(snap)
                timings.append(time.perf_counter() - t)
                if minute + 1 in (per_day, 2 * per_day):
                    marks.append(table_rows(full))
        day = {k: marks[1][k] - marks[0][k] for k in marks[0]}
        # 2. A burst where all resources change at every record: rows per second.
        with HistoryStore.open(Path(tmp) / "burst.sqlite3") as store:
            snaps = [account.snapshot(m * 60) for m in range(200)]
            t = time.perf_counter()
            for snap in snaps:
                store.record(snap)
            burst = time.perf_counter() - t
        db.SYNCHRONOUS = "FULL"  # 3. for comparison: the fsync per commit that NORMAL avoids
        with HistoryStore.open(Path(tmp) / "full-sync.sqlite3") as store:
            fsynced = []
            for minute in range(300):
                snap = account.snapshot(minute)
                t = time.perf_counter()
                store.record(snap)
                fsynced.append(time.perf_counter() - t)
        db.SYNCHRONOUS = "NORMAL"
        # 4. The retention window. Recording 90 days of polls one by one takes ~10 minutes here, and the
        #    scenario repeats every day, so day 2's rows are copied forward with shifted times instead.
        window = Path(tmp) / "window.sqlite3"
        shutil.copyfile(full, window)
        extend(window, args.days)
        end = START + args.days * per_day * POLL
        t = time.perf_counter()
        store = HistoryStore.open(window)
        opened = time.perf_counter() - t
        loads = {}
        windows = ((f"the last {args.days} days", end - timedelta(days=args.days)),
                   ("the last 30 days (a billing period)", end - timedelta(days=30)),
                   ("the last 24 hours", end - timedelta(days=1)))
        for label, since in windows:
            t = time.perf_counter()
            history = store.load(since)
            loads[label] = (time.perf_counter() - t, len(history.usage), len(history.changes))
        store.close()
        size = table_rows(window)
        t = time.perf_counter()  # the daily prune once the window is full: one day's rows go
        HistoryStore.open(window, retention_days=args.days - 1).close()
        pruned = time.perf_counter() - t

    ms = sorted(x * 1000 for x in timings)
    print(f"machine: {os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end (shared with other work)")
    print(f"account: {args.resources} resources changing hourly, 2 namespaces, poll every {POLL.seconds} s")
    print(f"growth per day: {day['usage_points']} usage rows + {day['state_changes']} state-change rows, "
          f"{day['bytes'] / 1024:.0f} KiB/day")
    print(f"record() of a {args.resources}-resource poll: median {statistics.median(ms):.2f} ms, "
          f"p95 {ms[int(len(ms) * 0.95)]:.2f} ms, max {ms[-1]:.1f} ms "
          f"(= {statistics.median(ms) / 1000 / POLL.seconds:.1e} of the poll interval)")
    print(f"  same with synchronous=FULL (fsync per commit): median {statistics.median(fsynced) * 1000:.2f} ms, "
          f"max {max(fsynced) * 1000:.1f} ms")
    rows = len(snaps) * (args.resources + len(NAMESPACES))
    print(f"insert throughput (every resource changed each record): {len(snaps) / burst:.0f} records/s, "
          f"{rows / burst:,.0f} rows/s")
    print(f"{args.days} days on file: {size['usage_points']:,} usage rows, "
          f"{size['state_changes']:,} state-change rows, "
          f"{size['bytes'] / 2**20:.1f} MiB")
    print(f"open (incl. retention prune): {opened * 1000:.0f} ms with nothing to prune, "
          f"{pruned * 1000:.0f} ms when a day's rows go")
    for label, (seconds, usage, changes) in loads.items():
        print(f"load {label}: {seconds * 1000:.0f} ms ({usage:,} usage points, {changes:,} state changes)")
    print(f"ratio: bytes/day × {args.days} = {day['bytes'] * args.days / 2**20:.1f} MiB projected "
          f"vs {size['bytes'] / 2**20:.1f} MiB measured")


if __name__ == "__main__":
    main()
