"""The headless path (`--once --json`) must never import Textual: it costs ~300 ms and a TUI dependency."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

PROBE = """
import contextlib, io, json, sys
from hfmon.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    code = main(["--once", "--json", "--demo", "--no-history"])
heavy = sorted(m for m in sys.modules if m.split(".")[0] in {"textual", "textual_plotext", "plotext", "rich"})
print(json.dumps({"code": code, "heavy": heavy, "doc": json.loads(out.getvalue())["schema_version"]}))
"""


def test_once_json_never_imports_textual() -> None:
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["doc"] == 7
    assert probe["heavy"] == []


def test_importing_the_cli_is_light() -> None:
    code = ("import sys, hfmon.cli; "
            "print(sorted(m for m in sys.modules if m.startswith(('textual', 'httpx2', 'hfmon.report'))))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


def test_advise_json_never_imports_textual() -> None:
    probe_code = PROBE.replace('["--once", "--json", "--demo", "--no-history"]',
                               '["advise", "--json", "--demo", "--no-history"]').replace(
        '["schema_version"]', '["advice_schema_version"]')
    result = subprocess.run([sys.executable, "-c", probe_code], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    probe = json.loads(result.stdout.strip().splitlines()[-1])
    assert probe["doc"] == 1
    assert probe["heavy"] == []


def test_once_imports_only_what_it_prints(tmp_path: Path) -> None:
    """`hfmon once` shows figures only: the advisor, SQLite under --no-history, and the TOML parser when there is
    no config file are never imported (each costs start-up time, goal in benchmarks/startup.py)."""
    probe = PROBE.replace('m.split(".")[0] in {"textual", "textual_plotext", "plotext", "rich"}',
                          'm in {"tomllib", "sqlite3", "hfmon.advice", "hfmon.store", "statistics"}')
    env = {**os.environ, "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path), "XDG_DATA_HOME": str(tmp_path)}
    env.pop("HFMON_CONFIG", None)
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, env=env)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1])["heavy"] == []
