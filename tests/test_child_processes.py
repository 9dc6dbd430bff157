"""The tests' process helper leaves nothing running, even a child that ignores every polite signal."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.processes import running, stop

STUBBORN = """
import signal, subprocess, sys, time
for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
    signal.signal(sig, signal.SIG_IGN)
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(3600)"])  # inherits SIG_IGN
print(grandchild.pid, flush=True)
time.sleep(3600)
"""


def alive(pid: int) -> bool:
    """Whether `pid` is a process that has not exited (a zombie has exited)."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state not in ("Z", "X")


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads /proc")
def test_a_child_ignoring_sigint_and_sigterm_is_killed_with_its_grandchild() -> None:
    proc = subprocess.Popen([sys.executable, "-c", STUBBORN], stdout=subprocess.PIPE, text=True,
                            start_new_session=True)
    try:
        assert proc.stdout is not None
        grandchild = int(proc.stdout.readline())
        proc.send_signal(signal.SIGINT)  # ignored, as a hung server would
        assert proc.poll() is None
    finally:
        stop(proc, grace_s=0.5)
    assert proc.returncode == -signal.SIGKILL
    for _ in range(500):  # SIGKILL takes effect when the kernel next runs it: allow up to 5 s on a busy machine
        if not alive(grandchild):
            break
        time.sleep(0.01)
    assert not alive(grandchild)


def test_running_stops_the_child_when_the_test_fails_inside_the_block() -> None:
    with pytest.raises(AssertionError), running([sys.executable, "-c", "import time; time.sleep(3600)"]) as proc:
        raise AssertionError("a failing test")
    assert proc.returncode is not None
