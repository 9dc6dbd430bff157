"""The running sums on the state changes (schema v7) stay what a recount from scratch gives: when polls arrive in
order, late (another process's older poll), twice at one instant, and in a file migrated from v6."""

from __future__ import annotations

import sqlite3
from datetime import timedelta
from pathlib import Path

from hfmon.store import HistoryStore
from hfmon.store.running import rebuild
from hfmon.store.schema import MIGRATIONS, migrate
from tests.store.builders import T0, endpoint, minutes, namespace, snapshot

COLUMNS = "resource_id, at, key_id, until, spent, seq"


def sums(path: Path) -> list[tuple[int, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(f"SELECT {COLUMNS} FROM state_changes ORDER BY resource_id, at").fetchall()
    finally:
        conn.close()


def recounted(path: Path) -> list[tuple[int, ...]]:
    """The sums a recount from scratch gives (on a copy: the file itself is left alone)."""
    copy = path.with_name("copy.sqlite3")
    copy.write_bytes(path.read_bytes())
    conn = sqlite3.connect(copy)
    with conn:
        conn.execute("UPDATE state_changes SET until = NULL, spent = -1, seq = -1")
        rebuild(conn)
    conn.close()
    return sums(copy)


def states(at_minute: float, *running: bool, replicas: int = 1) -> object:
    eps = [endpoint("alice", f"e{i}", state="running" if up else "scaledToZero", ready=replicas if up else 0,
                    target=replicas if up else 0) for i, up in enumerate(running)]
    return snapshot(minutes(at_minute), namespace("alice", endpoints=eps))


def test_sums_kept_while_recording_are_the_sums_recounted(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        for m in range(0, 300, 10):
            store.record(states(m, (m // 30) % 2 == 0, (m // 50) % 3 != 0, replicas=1 + (m // 70) % 2))
        store.record(states(155, False, True))  # late: another process's older poll lands among the changes
        store.record(states(290, True, True, replicas=3))  # twice at one instant: the later write wins
        store.record(states(310, True, False))
    got = sums(path)
    assert got == recounted(path)
    # one worked by hand: e0 seen running minutes 0-20 (its first key, until 1 µs past the 20 min poll), stopped
    # between the 20 and 30 min polls (its `between_polls` key: 10 min less 1 µs), down 30-50, started between 50
    # and 60 (the same `between_polls` key again: 10 min less 1 µs before), running from 60: 20 min and 1 µs before
    e0 = [row for row in got if row[0] == got[0][0]]
    start, minute = e0[0][1], 60 * 10**6
    assert [(row[1], row[4]) for row in e0[:5]] == [
        (start, 0), (start + 20 * minute + 1, 0), (start + 30 * minute, 0), (start + 50 * minute + 1, 10 * minute - 1),
        (start + 60 * minute, 20 * minute + 1)]
    assert [row[5] for row in e0] == list(range(len(e0))) and e0[-1][3] is None


def test_a_v6_file_gets_its_sums_when_migrated(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    conn = sqlite3.connect(path)
    with conn:
        migrate(conn, 0, MIGRATIONS[:6])
        conn.execute("INSERT INTO resources VALUES (1, 'endpoint', 'alice/e', 'alice', 'running', 'x', 1, 0, 0)")
        t = int((T0 - T0.replace(year=1970, month=1, day=1, hour=0, minute=0, second=0, microsecond=0)
                 ).total_seconds()) * 10**6
        hour = int(timedelta(hours=1).total_seconds()) * 10**6
        conn.executemany("INSERT INTO state_changes VALUES (1, ?, ?, 'x', 1)",
                         [(t, "running"), (t + hour, "paused"), (t + 3 * hour, "running"), (t + 4 * hour, "paused")])
    conn.close()
    HistoryStore.open(path).close()
    got = sums(path)
    assert [(until, spent, seq) for _, _, _, until, spent, seq in got] == [
        (t + hour, 0, 0), (t + 3 * hour, 0, 1), (t + 4 * hour, hour, 2), (None, 2 * hour, 3)]
    assert got == recounted(path)


def test_sums_of_polls_changing_many_resources_at_once_are_the_sums_recounted(tmp_path: Path) -> None:
    # one poll's changes are written together: Jobs started and ended between two polls (two changes each, at their
    # own times), Endpoints and Spaces changed between polls (a between-polls stretch and the new state), one on no
    # hardware, resources new in a poll, one deleted, and a late poll of another process among them
    from tests.store.builders import job, space

    def poll(m: float, flip: bool, *, extra: bool = False, late: bool = False) -> object:
        eps = [endpoint("alice", f"e{i}", state="running" if (i % 2 == 0) != flip else "scaledToZero",
                        vendor=None if i == 3 else "aws", instance_type=None if i == 3 else "nvidia-a10g",
                        size=None if i == 3 else "x1") for i in range(6)]
        sps = [space(f"alice/s{i}", "RUNNING" if (i % 2 == 1) != flip else "SLEEPING") for i in range(4 if late else 5)]
        jobs = [job(f"j{i}", "COMPLETED", started=minutes(m - 8 + i), finished=minutes(m - 5 + i))
                for i in range(int(m) // 10)] + ([job("jx", "RUNNING", started=minutes(m - 3))] if extra else [])
        return snapshot(minutes(m), namespace("alice", endpoints=eps, spaces=sps, jobs=jobs))

    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        for m in range(10, 120, 10):
            store.record(poll(m, (m // 20) % 2 == 1, extra=m in (40, 50)))
        store.record(poll(75, True, late=True))  # another process's older poll, after the newer ones
        store.record(poll(120, False))
    got = sums(path)
    assert got == recounted(path)
    by_resource: dict[int, list[tuple[int, ...]]] = {}
    for row in got:
        by_resource.setdefault(row[0], []).append(row)
    assert len(by_resource) == 6 + 5 + 13  # every resource recorded, each in order with its next change's time
    for rows in by_resource.values():
        assert [row[5] for row in rows] == list(range(len(rows)))
        assert [row[3] for row in rows] == [row[1] for row in rows[1:]] + [None]


def test_changes_returning_to_the_latest_state_within_one_write_count_its_time_up_to_them(tmp_path: Path) -> None:
    # running from minute 0, scaled to zero at 10, running again at 20, written together: the second running
    # change's sum is the 10 minutes of the first running one (which lasted until the first of the two)
    from hfmon.store.running import write_changes

    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        store.record(states(0, True))
    conn = sqlite3.connect(path)
    with conn:
        rid, at, state, hardware, replicas = conn.execute(
            "SELECT resource_id, at, state, hardware, replicas FROM state_changes").fetchone()
        minute = 60 * 10**6
        write_changes(conn, [(rid, at + 10 * minute, "scaledToZero", hardware, 0),
                             (rid, at + 20 * minute, state, hardware, replicas)], {rid: at})
    conn.close()
    got = sums(path)
    assert [(row[1] - at, row[3], row[4], row[5]) for row in got] == [
        (0, at + 10 * minute, 0, 0), (10 * minute, at + 20 * minute, 0, 1), (20 * minute, None, 10 * minute, 2)]
    assert got == recounted(path)


def test_sums_of_generated_histories_are_the_sums_recounted(tmp_path: Path) -> None:
    # property-style: varied histories drawn from fixed seeds (deterministic), each compared with the plain recount.
    # Resources flip between states, hardware and replica counts, some polls change most of them at once (each
    # resource's latest change then read as known), some come late (another process's older poll) or twice at one
    # instant (the change before then found by time), resources vanish and come back, Jobs bring their own times
    import random

    from tests.store.builders import job, space

    def poll(rng: random.Random, m: float) -> object:
        eps = [endpoint("alice", f"e{i}", state=rng.choice(("running", "scaledToZero", "paused", "initializing")),
                        ready=rng.choice((0, 1, 2)), target=2, size=rng.choice(("x1", "x2")))
               for i in range(6) if rng.random() > 0.1]
        sps = [space(f"alice/s{i}", rng.choice(("RUNNING", "SLEEPING", "BUILDING")),
                     hardware=rng.choice(("t4-small", "cpu-basic"))) for i in range(4) if rng.random() > 0.1]
        jobs = [job(f"j{i}", rng.choice(("RUNNING", "COMPLETED")), started=minutes(m - rng.uniform(0, 9)),
                    finished=None) for i in range(3) if rng.random() > 0.3]
        return snapshot(minutes(m), namespace("alice", endpoints=eps, spaces=sps, jobs=jobs))

    for seed in range(6):
        rng = random.Random(seed)
        path = tmp_path / f"history-{seed}.sqlite3"
        with HistoryStore.open(path) as store:
            m = 0.0
            for _ in range(25):
                m += rng.choice((0.0, 1.0, 5.0, 10.0))  # 0: twice at one instant
                store.record(poll(rng, m))
                if rng.random() < 0.2:
                    store.record(poll(rng, m - rng.uniform(1, 30)))  # late: an older poll lands among the changes
        got = sums(path)
        assert got == recounted(path), f"seed {seed}"
        assert len({row[0] for row in got}) >= 10
