"""A real `hfmon exporter` process for end-to-end tests: started on a free port, scraped, always stopped."""

from __future__ import annotations

import queue
import re
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

from prometheus_client.parser import text_string_to_metric_families

from tests.processes import running

HFMON = [sys.executable, str(Path(__file__).parents[1] / "on_fake_clock.py")]  # `python -m hfmon` on the fake's clock
SERVING = re.compile(r"serving http://127\.0\.0\.1:(\d+)/metrics")
Labels = frozenset[tuple[str, str]]


@dataclass
class ExporterProcess:
    """A running exporter: its port, and everything it wrote on stderr so far."""

    proc: subprocess.Popen[str]
    port: int
    stderr: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The /metrics page."""
        with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/metrics", timeout=10) as resp:
            body: bytes = resp.read()
            return body.decode()

    def metrics(self) -> dict[str, dict[Labels, float]]:
        """The /metrics page parsed by prometheus_client: sample name → {labels: value}."""
        out: dict[str, dict[Labels, float]] = {}
        for family in text_string_to_metric_families(self.text()):
            for sample in family.samples:
                out.setdefault(sample.name, {})[frozenset(sample.labels.items())] = sample.value
        return out

    def after_polls(self, n: int, timeout_s: float = 60) -> dict[str, dict[Labels, float]]:
        """The metrics once every account has finished `n` polls (bounded wait)."""
        deadline = time.monotonic() + timeout_s
        while True:
            metrics = self.metrics()
            polls = metrics.get("hfmon_polls_total", {})
            if polls and min(polls.values()) >= n:
                return metrics
            assert self.proc.poll() is None, f"the exporter exited: {''.join(self.stderr)}"
            assert time.monotonic() < deadline, f"no {n} polls within {timeout_s} s: {''.join(self.stderr)}"
            time.sleep(0.2)


def _pump(stream: IO[str], lines: queue.Queue[str], keep: list[str]) -> None:
    try:
        for line in stream:
            keep.append(line)
            lines.put(line)
    except (OSError, ValueError):  # the stream was closed when the process was stopped
        pass


@contextmanager
def exporter(*args: str, env: Mapping[str, str], timeout_s: float = 60) -> Iterator[ExporterProcess]:
    """`hfmon exporter --port 0 ARGS` in its own session; stopped (SIGTERM, then SIGKILL) when the block ends."""
    with running([*HFMON, "exporter", "--port", "0", *args], env=dict(env), stdin=subprocess.DEVNULL,
                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True) as proc:
        assert proc.stderr is not None
        lines: queue.Queue[str] = queue.Queue()
        keep: list[str] = []
        threading.Thread(target=_pump, args=(proc.stderr, lines, keep), daemon=True).start()
        deadline = time.monotonic() + timeout_s
        port = None
        while port is None:
            try:
                line = lines.get(timeout=max(0.1, deadline - time.monotonic()))
            except queue.Empty:
                raise AssertionError(f"the exporter did not start within {timeout_s} s: {''.join(keep)}") from None
            found = SERVING.search(line)
            port = int(found.group(1)) if found else None
            assert proc.poll() is None or port is not None, f"the exporter exited: {''.join(keep)}"
        yield ExporterProcess(proc, port, keep)
