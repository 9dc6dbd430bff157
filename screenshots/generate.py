"""Render hfmon's screens to SVG and PNG: `python screenshots/generate.py [names...]`.

The data is the real `--demo` pipeline (fake Hub → collect → history → evaluate) with the clock frozen at the
scenario's start, after polls at earlier moments so the burn-down chart has history.
"""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from hfmon.fakehub import FULL_TOKEN  # noqa: E402
from hfmon.monitor import Monitor  # noqa: E402
from hfmon.proxy.demo_traffic import DemoTraffic  # noqa: E402
from hfmon.tui.app import HfmonApp  # noqa: E402
from hfmon.tui.bindings import SCREENS  # noqa: E402
from tests.tui.demo import frozen_demo, warm  # noqa: E402

Shot = tuple[str, tuple[int, int], str, list[str]]  # name, size, theme, keys to press first

SHOTS: list[Shot] = [
    *[(f"{i}-{sid}", (120, 36), "hfmon-dark", [str(i)]) for i, (sid, _) in enumerate(SCREENS, start=1)],
    ("light-overview", (120, 36), "hfmon-light", ["1"]),
    ("light-endpoints", (120, 36), "hfmon-light", ["3"]),
    ("80x24-overview", (80, 24), "hfmon-dark", ["1"]),
    ("80x24-compute", (80, 24), "hfmon-dark", ["4"]),
    ("80x24-endpoints", (80, 24), "hfmon-dark", ["3"]),
    ("80x24-crosscheck", (80, 24), "hfmon-dark", ["6"]),
    ("help", (100, 32), "hfmon-dark", ["question_mark"]),
    ("200x50-overview", (200, 50), "hfmon-dark", ["1"]),
    ("detail-endpoint", (120, 36), "hfmon-dark", ["3", "enter"]),
    ("80x24-advisor", (80, 24), "hfmon-dark", ["7"]),
]


async def demo_source() -> Monitor:
    """The demo Monitor, frozen, with 17 days of history behind it and, as `--demo` has, requests through a real
    `hfmon proxy` in its ledger over the last day (so the per-model views are filled)."""
    monitor, clock = frozen_demo()
    await warm(monitor, clock, days=17.5, step_h=12)
    assert monitor.store is not None
    end = clock.now()
    traffic = DemoTraffic(monitor.collector.client.fake, FULL_TOKEN, monitor.store.path, clock, gap_s=(1e9, 1e9))
    traffic.start()
    try:
        for minutes_ago in range(24 * 60, 0, -20):  # a request every 20 minutes over the last day
            clock.at = end - timedelta(minutes=minutes_ago)
            traffic.send_one()
    finally:
        traffic.stop()
        clock.at = end
    return monitor


async def shoot(source: Monitor, name: str, size: tuple[int, int], theme: str, keys: list[str]) -> Path:
    """Save one screen as SVG (spaces preserved so every renderer keeps columns aligned)."""
    app = HfmonApp(source, interval_s=60, demo=True, theme=theme, tick_s=3600)
    async with app.run_test(size=size) as pilot:
        await pilot.pause()
        for key in keys:
            await pilot.press(key)
            await pilot.pause()
        await pilot.pause()
        svg = app.export_screenshot(title=f"hfmon · {name}")
    path = HERE / f"{name}.svg"
    path.write_text(svg.replace("<svg ", '<svg xml:space="preserve" ', 1), encoding="utf-8")
    return path


def to_png(svg: Path) -> Path | None:
    """Convert with rsvg-convert when it is installed."""
    if shutil.which("rsvg-convert") is None:
        print("rsvg-convert missing (apt-get install -y librsvg2-bin): SVG only", file=sys.stderr)
        return None
    png = svg.with_suffix(".png")
    subprocess.run(["rsvg-convert", "-o", str(png), str(svg)], check=True)
    return png


async def main(names: list[str]) -> None:
    """Render the chosen shots (all by default)."""
    source = await demo_source()
    try:
        for name, size, theme, keys in SHOTS:
            if names and name not in names:
                continue
            svg = await shoot(source, name, size, theme, keys)
            png = to_png(svg)
            print(svg.name, png.name if png else "")
    finally:
        await source.aclose()  # also removes the throwaway history directory


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
