"""Cost evaluation throughput: one Report over 90 days of history for 200 resources with hourly transitions.

Account: 200 resources (120 endpoints, 50 Spaces, 30 jobs) in two namespaces, each changing state once an
hour for 90 days (staggered over the hour), with a usage point per namespace every 60 s (the worst case:
spend grows at every poll), and a statement with one line per resource and product this period (as the fake
bills; `--line-per-run` makes it one line per run, ~47k lines, the worst case).
Judged by: ms per evaluate against the poll interval (60 s), and (if hfmon.store is there) the time to load
the same history from a SQLite file.
Run: .venv/bin/python benchmarks/costs.py [--days 90] [--resources 200] [--repeat 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hfmon.config import Config
from hfmon.costs import evaluate, history_since
from hfmon.history import History, StateChange, UsagePoint
from hfmon.models import (
    Account,
    BillingUsage,
    Endpoint,
    InferenceUsage,
    Job,
    NamespaceData,
    Org,
    PeriodStatement,
    Snapshot,
    SourceResult,
    SourceStatus,
    Space,
    StorageListing,
    UsageLine,
)

NOW = datetime(2026, 11, 20, 12, tzinfo=UTC)
PERIOD = (datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC))
NAMESPACES = ("alice", "acme")
D = Decimal


def ok(name: str, value: Any) -> SourceResult[Any]:
    return SourceResult(name, SourceStatus.OK, value, fetched_at=NOW)


def resources(n: int) -> list[tuple[str, str, str]]:
    """(kind, namespace, name) of n resources: 60% endpoints, 25% Spaces, 15% jobs."""
    out = []
    for i in range(n):
        ns = NAMESPACES[i % 2]
        kind = "endpoint" if i < n * 6 // 10 else "space" if i < n * 85 // 100 else "job"
        out.append((kind, ns, f"{ns}/{kind}-{i:04d}" if kind != "endpoint" else f"{kind}-{i:04d}"))
    return out


def key(kind: str, ns: str, name: str) -> str:
    return f"{ns}/{name}" if kind == "endpoint" else name


def build_history(res: list[tuple[str, str, str]], days: int) -> History:
    """Hourly on/off transitions for every resource, and a usage point per namespace per minute."""
    start = NOW - timedelta(days=days)
    on = {"endpoint": ("running", "scaledToZero"), "space": ("RUNNING", "SLEEPING"), "job": ("RUNNING", "COMPLETED")}
    hw = {"endpoint": "aws/nvidia-l4/x1", "space": "t4-small", "job": "a10g-small"}
    changes = []
    for i, (kind, ns, name) in enumerate(res):
        t, up = start + timedelta(seconds=i * 3600 // len(res)), True
        while t < NOW:
            changes.append(StateChange(kind, key(kind, ns, name), t, on[kind][0 if up else 1], hw[kind], int(up)))
            t, up = t + timedelta(hours=1), not up
    changes.sort(key=lambda c: c.at)
    usage = []
    for m in range(days * 24 * 60):
        at = start + timedelta(minutes=m)
        period_start = datetime(at.year, at.month, 1, tzinfo=UTC)
        spent = D((at - period_start) // timedelta(minutes=1)) / 1000
        usage += [UsagePoint(ns, at, period_start, spent, None) for ns in NAMESPACES]
    return History(usage=tuple(usage), changes=tuple(changes))


def build_snapshot(res: list[tuple[str, str, str]], line_per_run: bool = False) -> Snapshot:
    """The current listings and statements: one line per resource (summed runs), or one per run."""
    namespaces = []
    for ns in NAMESPACES:
        mine = [r for r in res if r[1] == ns]
        eps = tuple(Endpoint(ns, name, "running", "aws", "us-east-1", "gpu", "nvidia-l4", "x1", 0, 1, 15, 1, 1,
                             "gpt2", None, None) for kind, _, name in mine if kind == "endpoint")
        spaces = tuple(Space(name, ns, "RUNNING", "t4-small", "t4-small", 3600, 1, 1, True, 0)
                       for kind, _, name in mine if kind == "space")
        jobs = tuple(Job(name, ns, "RUNNING", "a10g-small", None, NOW - timedelta(minutes=30), None, 1800)
                     for kind, _, name in mine if kind == "job")
        lines = []
        product = {"endpoint": "endpoints/aws/nvidia-l4/x1", "space": "spaces/t4-small/minutes",
                   "job": "jobs/a10g-small/minutes"}
        hours = int((NOW - PERIOD[0]) / timedelta(hours=1))
        for kind, _, name in mine:
            if not line_per_run:
                runs = (hours + 1) // 2
                lines.append(UsageLine(product[kind], key(kind, ns, name), None, D(60 * runs), D("0.013333"),
                                       D("0.79998") * runs, PERIOD[0], None, True))
                continue
            for h in range(0, hours, 2):  # one line per run: on every other hour
                begin = PERIOD[0] + timedelta(hours=h)
                lines.append(UsageLine(product[kind], key(kind, ns, name), None, D(60), D("0.013333"),
                                       D("0.79998"), begin, begin + timedelta(hours=1), False))
        usage = BillingUsage(ns, InferenceUsage(D("1.5"), D(2), None, 100, *PERIOD), None)
        namespaces.append(NamespaceData(
            ns, "user" if ns == "alice" else "org", ok(f"billing:{ns}", usage),
            ok(f"statement:{ns}", PeriodStatement(ns, "p", *PERIOD, tuple(lines))), ok(f"job_charges:{ns}", ()),
            ok(f"sessions:{ns}", ()), ok(f"endpoints:{ns}", eps), ok(f"endpoint_catalog:{ns}", ()),
            ok(f"spaces:{ns}", spaces), ok(f"jobs:{ns}", jobs), ok(f"storage:{ns}", StorageListing(()))))
    account = Account("alice", "user", None, is_pro=True, can_pay=True, billing_mode="prepaid",
                      orgs=(Org("acme", "admin", "enterprise"),), token_role="read")
    return Snapshot(NOW, ok("account", account), tuple(namespaces), ok("spaces_hardware", ()),
                    ok("jobs_hardware", ()), ok("router_prices", ()), ok("zero_gpu", None))


def trimmed(history: History, since: datetime) -> History:
    """What HistoryStore.load(since) returns: rows from `since`, plus each series' last row before it."""
    last_change: dict[tuple[str, str], StateChange] = {}
    last_point: dict[str, UsagePoint] = {}
    for c in history.changes:
        if c.at < since:
            last_change[(c.kind, c.resource)] = c
    for p in history.usage:
        if p.at < since:
            last_point[p.namespace] = p
    changes = sorted([*last_change.values(), *(c for c in history.changes if c.at >= since)], key=lambda c: c.at)
    usage = sorted([*last_point.values(), *(p for p in history.usage if p.at >= since)], key=lambda p: p.at)
    return History(usage=tuple(usage), changes=tuple(changes))


def time_load(history: History) -> None:
    """Time HistoryStore.load over the same history in a temporary SQLite file, if hfmon.store exists."""
    import importlib.util
    import sqlite3

    if importlib.util.find_spec("hfmon.store") is None:
        print("hfmon.store not available: load time not measured")
        return

    with tempfile.TemporaryDirectory() as tmp:
        try:
            load_from_sqlite(history, Path(tmp) / "history.sqlite3")
        except (sqlite3.Error, AttributeError) as exc:  # the store's private queries moved on
            print(f"SQLite load not measured: bulk-loading through the store's queries failed ({exc})")


def load_from_sqlite(history: History, path: Path) -> None:
    """Bulk-load `history` into a store file with the store's own queries, then time HistoryStore.load."""
    import sqlite3

    from hfmon.store import HistoryStore
    from hfmon.store import queries as q
    from hfmon.store.extract import encode_money, encode_time
    from hfmon.store.running import rebuild

    with HistoryStore.open(path, retention_days=400) as store:
        conn: sqlite3.Connection = store._conn  # bulk-load through the store's own queries
        conn.execute("BEGIN")
        conn.executemany(q.INSERT_USAGE, [(p.namespace, encode_time(p.at), encode_time(p.period_start),
                                           encode_money(p.inference_used_usd), None) for p in history.usage])
        ids: dict[tuple[str, str], int] = {}
        for c in history.changes:
            if (c.kind, c.resource) not in ids:
                row = conn.execute(q.NEW_RESOURCE, (c.kind, c.resource, c.resource.split("/")[0], c.state,
                                                    c.hardware, c.replicas, encode_time(c.at),
                                                    encode_time(c.at))).fetchone()
                ids[(c.kind, c.resource)] = row[0]
        conn.executemany(q.INSERT_CHANGE, [(ids[(c.kind, c.resource)], encode_time(c.at), c.state,
                                            c.hardware, c.replicas, None) for c in history.changes])
        rebuild(conn)  # the keys and running sums record() keeps
        conn.execute("COMMIT")
    size = path.stat().st_size
    with HistoryStore.open(path, retention_days=400) as store:
        t0 = time.perf_counter()
        loaded = store.load(NOW - timedelta(days=90))
        load_ms = (time.perf_counter() - t0) * 1000
    print(f"SQLite file: {size / 1e6:.1f} MB; load(90 days): {load_ms:.0f} ms "
          f"({len(loaded.usage):,} usage points, {len(loaded.changes):,} state changes)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--days", type=int, default=90)
    parser.add_argument("--resources", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--no-store", action="store_true", help="skip the SQLite load timing")
    parser.add_argument("--line-per-run", action="store_true",
                        help="one statement line per run (~47k lines) instead of one per resource and product")
    args = parser.parse_args()
    res = resources(args.resources)
    t0 = time.perf_counter()
    history = build_history(res, args.days)
    snapshot = build_snapshot(res, args.line_per_run)
    print(f"history: {len(history.changes):,} state changes, {len(history.usage):,} usage points "
          f"(built in {time.perf_counter() - t0:.1f} s); statement lines: "
          f"{sum(len(n.statement.value.lines) for n in snapshot.namespaces if n.statement.value):,}")
    config = Config()
    evaluate(snapshot, History(), config, NOW)  # warm the bundled catalog
    times = []
    for _ in range(args.repeat):
        t0 = time.perf_counter()
        report = evaluate(snapshot, history, config, NOW)
        times.append((time.perf_counter() - t0) * 1000)
    t0 = time.perf_counter()
    evaluate(snapshot, History(), config, NOW)
    bare = (time.perf_counter() - t0) * 1000
    since = history_since(snapshot, NOW)
    window = trimmed(history, since)
    t0 = time.perf_counter()
    same = evaluate(snapshot, window, config, NOW)
    windowed = (time.perf_counter() - t0) * 1000
    med = statistics.median(times)
    print(f"evaluate with history: median {med:.0f} ms, min {min(times):.0f} ms over {args.repeat} runs; "
          f"without history: {bare:.0f} ms")
    print(f"evaluate with history from history_since() ({since:%Y-%m-%d %H:%M}, the period start): "
          f"{windowed:.0f} ms for {len(window.changes):,} changes + {len(window.usage):,} points; "
          f"same Report: {same == report}")
    print(f"ratio to a 60 s poll interval: {med / 60000:.2%}; rows: {len(report.endpoints)} endpoints, "
          f"{len(report.spaces)} Spaces, {len(report.jobs)} jobs, {len(report.crosscheck)} cross-checks, "
          f"{len(report.flags)} flags")
    if not args.no_store:
        time_load(history)


if __name__ == "__main__":
    main()
