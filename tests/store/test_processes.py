"""Several hfmon processes at once, and a process killed mid-write: nothing committed is lost or damaged."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from hfmon.costs.billing_rules import BETWEEN_POLLS_STATES
from hfmon.store import HistoryStore
from tests.processes import stop
from tests.store.builders import T0

ROOT = Path(__file__).resolve().parents[2]


Writer = Callable[..., "subprocess.Popen[str]"]


@pytest.fixture
def writer() -> Iterator[Writer]:
    """Starts `tests.store.writer` processes; each is stopped (killed if need be) when the test ends."""
    started: list[subprocess.Popen[str]] = []

    def start(path: Path, name: str, first: int, last: int, resources: int,
              go: Path | None = None) -> subprocess.Popen[str]:
        """Record snapshots first..last of namespace `name` in a child process."""
        args = [sys.executable, "-m", "tests.store.writer", str(path), name, str(first), str(last), str(resources)]
        if go is not None:
            args.append(str(go))
        proc = subprocess.Popen(args, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                start_new_session=True)
        started.append(proc)
        return proc

    yield start
    for proc in started:
        stop(proc)


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def recorded(path: Path, name: str) -> tuple[list[int], dict[int, int]]:
    """The snapshot numbers whose usage point is stored, and how many endpoint rows each snapshot stored."""
    with HistoryStore.open(path) as store:
        history = store.load(T0.replace(year=2000))
    usage = [int(p.inference_used_usd) for p in history.usage if p.namespace == name]
    per_snapshot: dict[int, int] = {}
    for change in history.changes:
        if change.resource.startswith(f"{name}/") and change.state not in BETWEEN_POLLS_STATES:  # a poll's own row
            per_snapshot[change.replicas] = per_snapshot.get(change.replicas, 0) + 1
    return usage, per_snapshot


def test_two_writer_processes_at_once_lose_nothing(tmp_path: Path, writer: Writer) -> None:
    path, go = tmp_path / "history.sqlite3", tmp_path / "go"
    count, resources = 150, 40
    children = [writer(path, name, 1, count, resources, go) for name in ("alpha", "beta")]
    go.touch()
    for child in children:
        out, err = child.communicate(timeout=240)
        assert child.returncode == 0, err
        assert out.split() == [str(i) for i in range(1, count + 1)]
    assert integrity(path) == "ok"
    for name in ("alpha", "beta"):
        usage, per_snapshot = recorded(path, name)
        assert usage == list(range(1, count + 1))
        assert per_snapshot == {i: resources for i in range(1, count + 1)}


def test_six_processes_creating_the_file_together_all_succeed(tmp_path: Path, writer: Writer) -> None:
    path, go = tmp_path / "history.sqlite3", tmp_path / "go"
    names = [f"ns{k}" for k in range(6)]
    children = [writer(path, name, 1, 3, 5, go) for name in names]
    go.touch()
    for child in children:
        _, err = child.communicate(timeout=240)
        assert child.returncode == 0, err
    assert integrity(path) == "ok"
    for name in names:
        assert recorded(path, name) == ([1, 2, 3], {1: 5, 2: 5, 3: 5})


def test_two_processes_watching_the_same_account_store_each_change_once(tmp_path: Path, writer: Writer) -> None:
    path, go = tmp_path / "history.sqlite3", tmp_path / "go"
    count, resources = 120, 40
    children = [writer(path, "alpha", 1, count, resources, go) for _ in range(2)]
    go.touch()
    for child in children:
        _, err = child.communicate(timeout=240)
        assert child.returncode == 0, err
    assert integrity(path) == "ok"
    usage, per_snapshot = recorded(path, "alpha")
    assert usage == list(range(1, count + 1))
    assert per_snapshot == {i: resources for i in range(1, count + 1)}


def test_kill_9_mid_write_keeps_every_committed_record(tmp_path: Path, writer: Writer) -> None:
    path, resources, first = tmp_path / "history.sqlite3", 200, 1
    for round_ in range(3):
        child = writer(path, "alpha", first, 10**6, resources)
        assert child.stdout is not None
        confirmed = first - 1
        while confirmed < first + 20 + 7 * round_:  # let it commit a few records, then kill it mid-loop
            line = child.stdout.readline()
            assert line, child.stderr.read() if child.stderr else ""
            confirmed = int(line)
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=30)
        confirmed = max([confirmed, *map(int, child.stdout.read().split())])  # printed before the kill
        assert child.returncode == -signal.SIGKILL
        assert integrity(path) == "ok"
        usage, per_snapshot = recorded(path, "alpha")
        # Everything confirmed is there; at most the one record in flight got committed unconfirmed;
        # and each record is all or nothing.
        assert usage[:confirmed] == list(range(1, confirmed + 1))
        assert len(usage) - confirmed in (0, 1)
        assert per_snapshot == {i: resources for i in usage}
        first = len(usage) + 1
