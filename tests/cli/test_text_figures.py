"""The `--once` text summary: each figure says what it is (no "runs out" in the past, no unpriced $0). Pure."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.history import History, UsagePoint
from hfmon.textout import money, render_text
from tests.costs.builders import PERIOD_START, billing, flavor, line, namespace, snapshot, space, statement

D = Decimal
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def credits_line(text: str, ns: str) -> list[str]:
    lines = text.splitlines()
    i = next(n for n, s in enumerate(lines) if s.startswith(f"Credits   {ns} Inference Providers:"))
    return lines[i:i + 2]


def test_credits_not_yet_used_up_say_when_they_run_out() -> None:
    r = evaluate(snapshot(namespace("alice", billing=billing("alice", used="1.9", included="2"))), History(),
                 Config(), NOW)
    first, second = credits_line(render_text(r), "alice")
    assert "$0.10 left" in first
    assert "runs out Nov 20 " in second or "runs out Nov 21 " in second  # 0.1 at 0.1/day: about a day from now


def test_credits_already_used_up_do_not_say_they_run_out_later() -> None:
    r = evaluate(snapshot(namespace("alice", billing=billing("alice", used="3", included="2"))), History(),
                 Config(), NOW)
    first, second = credits_line(render_text(r), "alice")
    assert "overage $1.00" in first
    assert "runs out" not in second
    assert "ran out" in second


def test_an_unpriced_resource_billed_now_is_not_left_out_silently() -> None:
    spaces = (space("alice/gpu", hardware="h100"), space("alice/t4", hardware="t4-small"),
              space("alice/idle", stage="SLEEPING", hardware="t4-small"))
    stmt = statement("alice", line("spaces/h100/minutes", "alice/gpu", "60", "4.5", unit="0.075"))
    snap = snapshot(namespace("alice", billing=billing("alice"), spaces=spaces, statement=stmt),
                    spaces_hw=(flavor("t4-small", "0.006667", gpu=True),))
    text = render_text(evaluate(snap, History(), Config(), NOW))
    running = next(s for s in text.splitlines() if s.startswith("Running"))
    assert "at least $0.40/h" in running  # $0.40/h is only what is priced
    assert "not in it: 1 unpriced" in text.splitlines()[text.splitlines().index(running) + 1]
    assert "2 Spaces" in running  # the h100 one bills too
    assert "Spaces  3 · 2 billed now" in text
    gpu = next(s for s in text.splitlines() if s.startswith("  alice/gpu"))
    assert "unpriced" in gpu and "$4.50" in gpu  # what HF billed is known even without a price


def test_text_rounds_cents_half_up_like_the_tui() -> None:
    assert money(D("0.125")) == "$0.13"
    assert money(D("2.345")) == "$2.35"
    assert money(D("-0.125")) == "-$0.13"


def test_the_burn_rate_shown_is_the_one_the_projection_uses() -> None:
    # $1.50 by Nov 20 12:00 (0.0775/day on average) but $0.30 in the last day: projected 1.5 + 0.3 x 10.5 days.
    history = History(usage=(UsagePoint("alice", datetime(2026, 11, 19, 12, tzinfo=UTC), PERIOD_START, D("1.2"),
                                        None),))
    r = evaluate(snapshot(namespace("alice", billing=billing("alice", used="1.5", included="20"))), history,
                 Config(), NOW)
    _, second = credits_line(render_text(r), "alice")
    assert "burn $0.30/day recent" in second and "projected $4.65" in second
    no_history = evaluate(snapshot(namespace("alice", billing=billing("alice", used="1.5", included="20"))),
                          History(), Config(), NOW)
    _, second = credits_line(render_text(no_history), "alice")
    assert "burn $0.08/day avg" in second and "projected $2.31" in second  # 1.5 + 1.5 / 19.5 x 10.5
