"""The fault matrix's harness: the fake Hugging Face on loopback with per-route faults, and ways to run hfmon
against it (the real command in a subprocess, or the dashboard's data path in-process for Pilot)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hfmon.fakehub import FULL_TOKEN, FakeHub
from hfmon.fakehub.faults import RouteFault
from hfmon.monitor import Monitor, build_monitor
from hfmon.tui.app import HfmonApp
from tests.cli.test_once_e2e import Run as OnceRun

HFMON = [sys.executable, str(Path(__file__).parents[1] / "on_fake_clock.py")]  # `python -m hfmon` on the fake's clock
OTHER_TOKEN = "hf_" + "Zq7" * 11 + "x"  # token-shaped, not ours: must be masked too


class Run(OnceRun):
    """One finished `hfmon` process, with its JSON's sources at hand."""

    def sources(self) -> dict[str, dict[str, Any]]:
        sources: dict[str, dict[str, Any]] = self.doc()["sources"]
        return sources


@dataclass
class Served:
    """A fake hub on loopback and a way to run hfmon against it."""

    hub: FakeHub
    base_url: str
    home: Path

    def env(self, token: str | None = FULL_TOKEN, **extra: str) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "NO_COLOR", "HFMON_CONFIG")}
        env.update({"HF_ENDPOINT": self.base_url, "HFMON_ENDPOINTS_URL": f"{self.base_url}/v2",
                    "HFMON_ROUTER_URL": self.base_url, "HFMON_DATA_DIR": str(self.home / "data"),
                    "XDG_CONFIG_HOME": str(self.home / "config"), "XDG_STATE_HOME": str(self.home / "state"),
                    "HFMON_TEST_FAKE_NOW": self.hub.now().isoformat(), **extra})
        if token is not None:
            env["HF_TOKEN"] = token
        return env

    def fault(self, path: str, **kw: Any) -> RouteFault:
        fault = RouteFault(path, **kw)
        self.hub.route_faults.append(fault)
        return fault

    def run(self, *args: str, token: str | None = FULL_TOKEN, timeout: float = 60, **env: str) -> Run:
        start = time.monotonic()
        done = subprocess.run([*HFMON, *args], env=self.env(token, **env), capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)
        return Run(done.returncode, done.stdout, done.stderr, time.monotonic() - start)


def no_secret(run: Run, *secrets: str) -> None:
    for secret in (FULL_TOKEN, *secrets):
        assert secret not in run.stdout and secret not in run.stderr


def edit_items(path: str, change: Callable[[dict[str, Any]], None], *, key: str | None = None) -> Callable[[Any], Any]:
    """A JSON edit applying `change` to the first object of a listing (or of `body[key]`)."""

    def edit(body: Any) -> Any:
        items = body[key] if key else body
        change(items[0])
        return body

    return edit


@contextmanager
def dashboard_monitor(served: Served, monkeypatch: pytest.MonkeyPatch, *, history: bool = False) -> Iterator[Monitor]:
    """The real data path of `hfmon` (not --demo) pointed at the loopback fake."""
    for key, value in served.env().items():
        monkeypatch.setenv(key, value)
    monitor = build_monitor(demo=False, history=history)
    try:
        yield monitor
    finally:
        monitor.close()


async def settled(app: HfmonApp, pilot: Any) -> None:
    """Wait (on the test's own terms, not a clock) until the first poll has been applied."""
    for _ in range(400):
        await pilot.pause(0.05)
        if app.report is not None and not app.polling:
            return
    raise AssertionError("the first poll never arrived")
