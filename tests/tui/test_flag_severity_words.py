"""A flag's severity reads the same on every screen, in one casing: `CRIT`, `WARN`, `INFO` (the Overview's Flags
panel wrote "WARN" beside "info"; `hfmon --once` wrote a "!" for all three, an info as loud as a warning).
The demo (seed 7) at Nov 18 15:00, on the dashboard under Pilot and through the real `python -m hfmon --once`."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

from hfmon.fakehub import demo_scenario
from hfmon.report import Severity
from hfmon.tui.app import HfmonApp
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, text_of

WORDS = {Severity.CRITICAL: "CRIT", Severity.WARNING: "WARN", Severity.INFO: "INFO"}
HFMON = [sys.executable, str(Path(__file__).parents[1] / "on_fake_clock.py")]


async def test_the_flags_panel_writes_each_severity_in_capitals() -> None:
    monitor, _ = frozen_demo(history=False, scenario=demo_scenario(seed=7))
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    try:
        async with app.run_test(size=(200, 50)) as pilot:
            await settle(app, pilot)
            report = app.report
            assert report is not None
            severities = Counter(f.severity for f in report.flags)
            assert severities[Severity.INFO] and severities[Severity.WARNING]  # the demo has both
            lines = text_of(app, "#flags").splitlines()
            marks = Counter(line.split()[0] for line in lines if line.strip())
            assert "info" not in marks  # was "info" beside "WARN" and "CRIT"
            assert {WORDS[s]: n for s, n in severities.items()} == {w: marks[w] for w in WORDS.values() if marks[w]}
    finally:
        await monitor.aclose()


def test_once_writes_the_severity_the_dashboard_writes(tmp_path: Path) -> None:
    scenario = demo_scenario(seed=7)
    env = {k: v for k, v in os.environ.items() if k not in ("HF_TOKEN", "HFMON_CONFIG")}
    env.update({"NO_COLOR": "1", "HFMON_DATA_DIR": str(tmp_path / "data"), "XDG_CONFIG_HOME": str(tmp_path / "c"),
                "XDG_STATE_HOME": str(tmp_path / "s"), "HFMON_TEST_FAKE_NOW": scenario.start.isoformat(),
                "HFMON_TEST_FAKE_FROZEN": "1"})
    text = subprocess.run([*HFMON, "--demo", "--once", "--no-history"], env=env, capture_output=True, text=True,
                          timeout=120, stdin=subprocess.DEVNULL).stdout
    doc = subprocess.run([*HFMON, "--demo", "--once", "--json", "--no-history"], env=env, capture_output=True,
                         text=True, timeout=120, stdin=subprocess.DEVNULL).stdout
    flags = text[text.index("Flags"):].splitlines()[1:]
    marks = Counter(m.group(1) for line in flags if (m := re.match(r"  (CRIT|WARN|INFO) \S", line)))
    said = Counter(WORDS[Severity(s)] for s in re.findall(r'"severity": "(\w+)"', doc))
    assert marks == said and marks["INFO"] and marks["WARN"]  # every flag, each with its severity's word
