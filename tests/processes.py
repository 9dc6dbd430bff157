"""Child processes for tests that never outlive the test, whatever the child does with signals."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Any

GRACE_S = 10.0  # how long a child gets to exit after SIGTERM before it is killed


def stop(proc: subprocess.Popen[Any], grace_s: float = GRACE_S) -> None:
    """End `proc` and everything it started (its process group): SIGTERM, a bounded wait, then SIGKILL.

    `proc` must have been started in a session of its own (`start_new_session=True`), so that its group
    holds only it and its descendants.
    """
    if proc.poll() is None:
        _signal_group(proc, signal.SIGTERM)
        try:
            proc.wait(timeout=grace_s)
        except subprocess.TimeoutExpired:
            pass
    # Descendants may ignore SIGTERM or outlive the leader: the group is killed whether or not the leader is gone
    # (a group id stays reserved while any member lives, so this reaches only what the test started).
    _signal_group(proc, signal.SIGKILL)
    proc.wait(timeout=grace_s)
    for stream in (proc.stdin, proc.stdout, proc.stderr):
        if stream is not None:
            stream.close()


def _signal_group(proc: subprocess.Popen[Any], sig: signal.Signals) -> None:
    try:
        os.killpg(proc.pid, sig)
    except ProcessLookupError:
        pass  # nothing left in the group
    except PermissionError:  # macOS refuses a group whose leader is a zombie: signal the leader alone
        if proc.poll() is None:
            proc.send_signal(sig)


@contextmanager
def running(args: Sequence[str], **popen: Any) -> Iterator[subprocess.Popen[Any]]:
    """Start `args` in a new session and stop it (and its descendants) when the block ends, however it ends."""
    proc = subprocess.Popen(args, start_new_session=True, **popen)
    try:
        yield proc
    finally:
        stop(proc)


def stop_group(pgid: int, grace_s: float = GRACE_S) -> None:
    """End a process group this test started but is not the parent of (a tmux pane): SIGTERM, then SIGKILL."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return  # nothing left
        deadline = time.monotonic() + grace_s
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)
