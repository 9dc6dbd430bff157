"""The exporter is a headless front end: it never imports Textual."""

from __future__ import annotations

import subprocess
import sys

PROBE = """
import sys
import hfmon.exporter.command, hfmon.exporter.serve, hfmon.exporter.metrics
print(sorted(m for m in sys.modules if m.split(".")[0] in {"textual", "textual_plotext", "plotext", "rich"}))
"""


def test_the_exporter_never_imports_textual() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_exporter_has_its_own_help() -> None:
    result = subprocess.run([sys.executable, "-m", "hfmon", "exporter", "--help"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    for flag in ("--port", "--host", "--interval", "--demo", "--namespace", "--config"):
        assert flag in result.stdout
    assert "exit codes" in result.stdout
