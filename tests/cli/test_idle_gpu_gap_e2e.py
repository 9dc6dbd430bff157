"""End to end: `idle_gpu` counts only the time hfmon watched. Across a gap in polling it is neither raised nor clear
(`flags_unchecked` says why); a stretch watched long enough after a gap raises it, for what was watched."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from hfmon.fakehub import demo_scenario
from tests.cli.test_once_e2e import Served, fake  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e

GPU = ("ada-labs/rag-service", "ada-labs/video-gen", "ada-labs/qwen-prod")  # ada-labs' GPU Spaces and Endpoint
GAP = "not watched Nov 18 08:55 UTC to Nov 18 15:00 UTC"


def poll_at(fake: Callable[..., Served], minutes_before_start: int, *args: str) -> dict[str, Any]:  # noqa: F811
    """`hfmon --once --json --namespace ada-labs` with history on, the demo's clock `minutes_before_start` early
    (hfmon's clock frozen there: each poll is recorded at exactly its fake time, whatever the machine's load)."""
    scenario = demo_scenario(seed=7)
    run = fake(replace(scenario, start=scenario.start - timedelta(minutes=minutes_before_start))).run(
        "--once", "--json", "--namespace", "ada-labs", *args, frozen_clock=True)
    assert run.code == 0, run.stderr
    doc: dict[str, Any] = run.doc()
    return doc


def idle(doc: dict[str, Any]) -> dict[str, str]:
    return {f["subject"]: f["message"] for f in doc["flags"] if f["kind"] == "idle_gpu"}


def test_a_gap_in_polling_leaves_idle_gpu_unchecked(fake: Callable[..., Served]) -> None:  # noqa: F811
    poll_at(fake, 6 * 60 + 5)  # 08:55, then hfmon not running until 15:00
    doc = poll_at(fake, 0)
    # video-gen slept 09:35-10:50, 11:35-12:50 and 13:35-14:50 and has been up 10 min: "unchanged for 6.1 h" was
    # false; what any of them did in those 6 h 5 min is unknown to hfmon
    assert idle(doc) == {}
    assert {f"idle_gpu:{resource} ({GAP})" for resource in GPU} <= set(doc["flags_unchecked"])


def test_a_watched_stretch_after_a_gap_raises_idle_gpu_for_what_was_watched(fake: Callable[..., Served],  # noqa: F811
                                                                            tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[alerts]\nidle_gpu_hours = 0.5\n")
    for minutes in (6 * 60 + 5, 35, 25, 15, 5):  # 08:55, then 14:25, 14:35, 14:45 and 14:55
        poll_at(fake, minutes, "--config", str(config))
    # 15:00: watched without a break since 14:25, 35 min, past the 30-min threshold
    doc = poll_at(fake, 0, "--config", str(config))
    flagged = idle(doc)
    # rag-service and qwen-prod unchanged since 08:55 as recorded, watched for 35 min of it: the flag says 0.6 h
    assert flagged["ada-labs/rag-service"] == "GPU Space ada-labs/rag-service (l4x1) has run unchanged for 0.6 h"
    assert flagged["ada-labs/qwen-prod"].endswith("with no change for 0.6 h")
    assert "ada-labs/video-gen" not in flagged  # woke at 14:50, seen doing it at 14:55: clear
    assert not any(u.startswith("idle_gpu:") for u in doc["flags_unchecked"])
    # an hour's threshold: 35 min watched is too short, the 6 h before are a gap: unchecked, not clear
    config.write_text("[alerts]\nidle_gpu_hours = 1\n")
    doc = poll_at(fake, 0, "--config", str(config))
    assert idle(doc) == {}
    gap = "not watched Nov 18 08:55 UTC to Nov 18 14:25 UTC"
    assert {f"idle_gpu:ada-labs/rag-service ({gap})", f"idle_gpu:ada-labs/qwen-prod ({gap})"} <= set(
        doc["flags_unchecked"])
    assert not any(u.startswith("idle_gpu:ada-labs/video-gen") for u in doc["flags_unchecked"])


def test_the_first_poll_says_nothing_was_watched_before_it_not_since_1970(fake: Callable[..., Served]) -> None:  # noqa: F811
    doc = poll_at(fake, 0)
    first = {u for u in doc["flags_unchecked"] if u.startswith("idle_gpu:")}
    # the gap starts at the epoch: it read "not watched Jan 1 00:00 UTC to Nov 18 15:00 UTC"
    assert first == {f"idle_gpu:{r} (not watched before hfmon's first poll at Nov 18 15:00 UTC)" for r in GPU}
    assert not any("Jan 1" in u for u in doc["flags_unchecked"])
