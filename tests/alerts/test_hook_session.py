"""A hook is judged by its exit status, not by its stderr closing, and one that overruns is stopped with every
process it started (audit 3, finding 17f: `sleep 30 & exit 0` was reported hung, and a hung hook's children ran on).
The hooks write the pid of what they leave behind to a file; the test stops it itself if hfmon did not."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from decimal import Decimal as D
from pathlib import Path

from hfmon.alerts.deliver import run_hook
from tests.alerts.test_delivery import one_event
from tests.test_child_processes import alive


def ends(pid: int) -> bool:
    """The process is gone within a few seconds (SIGKILL is delivered, not waited for)."""
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.02)
    return not alive(pid)


def stop(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


async def test_a_hook_that_exits_0_leaving_a_child_on_its_stderr_succeeds_and_the_child_is_stopped(
        tmp_path: Path) -> None:
    pid_file = tmp_path / "child"
    script = f"cat > /dev/null; sleep 30 & echo $! > {pid_file}; echo done >&2; exit 0"
    got = await run_hook(("/bin/sh", "-c", script), one_event().document(), 2.0)
    child = int(pid_file.read_text())
    try:
        assert got is None  # was: "did not finish within 2 s and was stopped" (it waited for stderr to close)
        assert ends(child)  # left holding hfmon's stderr pipe: stopped with the hook's session
    finally:
        stop(child)


async def test_a_failing_hook_with_a_child_still_reports_its_status_and_last_line(tmp_path: Path) -> None:
    pid_file = tmp_path / "child"
    script = f"cat > /dev/null; sleep 30 & echo $! > {pid_file}; echo 'no route to chat' >&2; exit 4"
    got = await run_hook(("/bin/sh", "-c", script), one_event().document(), float(D(2)))
    child = int(pid_file.read_text())
    try:
        assert ends(child)
        assert got is not None and got.endswith("exited with status 4: no route to chat")
    finally:
        stop(child)


async def test_a_hook_that_overruns_is_stopped_with_every_process_it_started(tmp_path: Path) -> None:
    pid_file = tmp_path / "child"
    script = f"sleep 30 & echo $! > {pid_file}; wait"
    # a hang detector, not a measure: before, the call waited 30 s on the pipe the `sleep 30` left open
    got = await asyncio.wait_for(run_hook(("/bin/sh", "-c", script), one_event().document(), 0.5), 20)
    child = int(pid_file.read_text())
    try:
        assert got is not None and got.endswith("did not finish within 0.5 s and was stopped")
        assert ends(child)  # was: the hook killed, its `sleep 30` left running
    finally:
        stop(child)
