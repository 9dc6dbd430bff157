"""Drive the real `hfmon --demo` in a real terminal (tmux on a private socket) and read the screen."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.processes import stop_group

HFMON = Path(sys.executable).with_name("hfmon")
pytestmark = [
    pytest.mark.tmux,
    pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install -y tmux)"),
    pytest.mark.skipif(not HFMON.exists(), reason="the hfmon console script is not installed in this venv"),
]


@pytest.fixture
def tmux(tmp_path: Path) -> Iterator[Callable[..., str]]:
    """Run tmux commands on a socket of our own; only that server is killed afterwards."""
    socket = f"hfmon-test-{os.getpid()}"

    def run(*args: str) -> str:
        return subprocess.run(["tmux", "-L", socket, *args], check=True, capture_output=True, text=True,
                              timeout=30).stdout

    yield run
    try:  # each pane runs in a session of its own: its process group is everything started in it
        panes = [int(pid) for pid in run("list-panes", "-a", "-F", "#{pane_pid}").split()]
    except subprocess.CalledProcessError:
        panes = []  # no server left: hfmon quit and its session ended with it
    subprocess.run(["tmux", "-L", socket, "kill-server"], capture_output=True, timeout=30)
    for pane in panes:  # an app that ignores the hang-up tmux sends must not outlive the test
        stop_group(pane)


def wait_for(screen: Callable[[], str], text: str, timeout_s: float = 30.0) -> str:
    """Capture the pane until `text` shows up (the machine may be busy)."""
    deadline = time.monotonic() + timeout_s
    shown = ""
    while time.monotonic() < deadline:
        shown = screen()
        if text in shown:
            return shown
        time.sleep(0.3)
    raise AssertionError(f"{text!r} never appeared; the screen was:\n{shown}")


def test_demo_in_a_real_terminal(tmux: Callable[..., str], tmp_path: Path) -> None:
    env = (f"env TERM=xterm-256color HF_HOME={tmp_path}/hf XDG_CONFIG_HOME={tmp_path}/config "
           f"XDG_DATA_HOME={tmp_path}/data XDG_CACHE_HOME={tmp_path}/cache")
    # 80x24, tmux's default size too, so a detached session is never resized under the app
    tmux("new-session", "-d", "-s", "hfmon", "-x", "80", "-y", "24",
         f"{env} {HFMON} --demo --no-history")  # the demo polls every 5 s by default

    def screen() -> str:
        return tmux("capture-pane", "-p", "-t", "hfmon")

    first = wait_for(screen, "Top spenders")  # under the money per namespace, above the fold at 80x24
    assert "Billed this period" in first and "DEMO" in first and "1 Overview" in first and "Running now" in first
    assert "/h" in wait_for(screen, "credits this period")
    tmux("send-keys", "-t", "hfmon", "4")
    compute = wait_for(screen, "Hardware")
    assert "Spaces" in compute and "Jobs" in compute and "ZeroGPU" in compute
    tmux("send-keys", "-t", "hfmon", "Enter")  # the Spaces table has the keys: its first row's detail
    detail = wait_for(screen, "sleeps after")
    assert "Space " in detail and "hardware" in detail and "Cost" in detail
    tmux("send-keys", "-t", "hfmon", "Escape")
    wait_for(screen, "Hardware")
    tmux("send-keys", "-t", "hfmon", "?")
    wait_for(screen, "hfmon help")
    tmux("send-keys", "-t", "hfmon", "Escape")
    deadline = time.monotonic() + 15
    while "hfmon help" in screen() and time.monotonic() < deadline:
        time.sleep(0.3)
    assert "Hardware" in screen() and "hfmon help" not in screen()
    tmux("send-keys", "-t", "hfmon", "q")
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline:
        try:
            tmux("has-session", "-t", "hfmon")
        except subprocess.CalledProcessError:
            return  # the app exited, and its session with it
        time.sleep(0.3)
    raise AssertionError("hfmon did not quit on q")
