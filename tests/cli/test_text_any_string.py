"""`textout` survives any string a Report can hold: escapes without their final `m`, control bytes, long names."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.history import History
from hfmon.textout import render_text
from tests.costs.builders import namespace, snapshot, space

NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)
OURS = re.compile(r"\x1b\[[0-9;]*m")  # the only escapes textout may print: its own colours


@pytest.mark.parametrize("name", [
    "alice/red\x1b[31",  # an escape without its final `m`: textout once raised ValueError here
    "alice/\x1b]0;title\x07x",
    "alice/\x1b",
    "alice/" + "\x1b[" * 50 + "y" * 200,
    "alice/\x00\x07\x9b2J",
])
@pytest.mark.parametrize("color", [False, True])
def test_textout_never_crashes_and_prints_only_its_own_colours(name: str, color: bool) -> None:
    """Names are scrubbed where they are parsed; this is the second line of defence, if one ever is not."""
    report = evaluate(snapshot(namespace("alice", spaces=[space(name)])), History(), Config(), NOW)
    text = render_text(report, color=color)
    visible = OURS.sub("", text).replace("\n", "")
    assert visible.isprintable(), repr(visible)  # no escape, no control byte, no 8-bit CSI
    assert all(len(OURS.sub("", line)) <= 80 for line in text.splitlines())
