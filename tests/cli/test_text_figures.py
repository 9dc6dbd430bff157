"""The `--once` text summary: each figure says what it is (no "runs out" in the past, no unpriced $0). Pure."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.errors import Failure
from hfmon.history import History, UsagePoint
from hfmon.models import SourceResult, SourceStatus
from hfmon.textout import money, render_text
from tests.costs.builders import PERIOD_START, billing, flavor, line, namespace, snapshot, space, statement

D = Decimal
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def credits_line(text: str, ns: str) -> list[str]:
    """The credits block of a namespace: its first line and the indented lines under it."""
    lines = text.splitlines()
    i = next(n for n, s in enumerate(lines) if s.startswith(f"Credits   {ns} Inference Providers:"))
    end = next(n for n in range(i + 1, len(lines)) if not lines[n].startswith("          "))
    return lines[i:end]


def test_credits_not_yet_used_up_say_when_they_run_out() -> None:
    r = evaluate(snapshot(namespace("alice", billing=billing("alice", used="1.9", included="2"))), History(),
                 Config(), NOW)
    block = credits_line(render_text(r), "alice")
    assert "$0.10 left" in block[0]
    # 19.5 days into the period: $1.90 / 19.5 = $0.0974/day; $0.10 more takes 1.03 days
    assert any("credits run out at Nov 21 12:" in line for line in block), block
    assert any("period ends in 10.5 days (Dec 1)" in line for line in block)  # the period's, said as such
    assert not any("days left" in line for line in block)


def test_credits_already_used_up_do_not_say_they_run_out_later() -> None:
    r = evaluate(snapshot(namespace("alice", billing=billing("alice", used="3", included="2"))), History(),
                 Config(), NOW)
    block = credits_line(render_text(r), "alice")
    assert "overage $1.00" in block[0]
    assert not any("run out at" in line for line in block)
    # $3 over 19.5 days: $0.1538/day, all of it overage now
    # no history saw when they ran out: hfmon says they are used up, not that they ran out now
    assert any("credits used up" in line and "overage $1.00 so far, +$0.15/day" in line for line in block), block
    assert not any("ran out" in line for line in block)


def test_an_unpriced_resource_billed_now_is_not_left_out_silently() -> None:
    spaces = (space("alice/gpu", hardware="h100"), space("alice/t4", hardware="t4-small"),
              space("alice/idle", stage="SLEEPING", hardware="t4-small"))
    stmt = statement("alice", line("spaces/h100/minutes", "alice/gpu", "60", "4.5", unit="0.075"),
                     line("spaces/t4-small/minutes", "alice/t4", "60", "0.4", unit="0.006667"))  # not granted
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


def test_the_burn_rate_shown_is_the_one_the_projection_uses_with_its_window() -> None:
    # $1.50 by Nov 20 12:00 (0.0775/day on average) but $0.30 in the last day: projected 1.5 + 0.3 x 10.5 days.
    history = History(usage=(UsagePoint("alice", datetime(2026, 11, 19, 12, tzinfo=UTC), PERIOD_START, D("1.2"),
                                        None),))
    r = evaluate(snapshot(namespace("alice", billing=billing("alice", used="1.5", included="20"))), history,
                 Config(), NOW)
    text = "\n".join(credits_line(render_text(r), "alice"))
    assert "projected $4.65" in text
    assert "at $0.30/day over Nov 19 12:00–Nov 20 12:00 (incl. unsettled spend)" in text
    no_history = evaluate(snapshot(namespace("alice", billing=billing("alice", used="1.5", included="20"))),
                          History(), Config(), NOW)
    text = "\n".join(credits_line(render_text(no_history), "alice"))
    assert "projected $2.31" in text  # 1.5 + 1.5 / 19.5 x 10.5
    assert "at $0.08/day over Nov 1 00:00–Nov 20 12:00 (incl. unsettled spend)" in text
    assert "pending: unknown" in text  # without history, how much may still settle is not known: never "0"


def test_a_falling_figure_says_why() -> None:
    at = [datetime(2026, 11, 20, 11, m, tzinfo=UTC) for m in (0, 20, 40)]
    history = History(usage=tuple(UsagePoint("alice", t, PERIOD_START, D(v), None)
                                  for t, v in zip(at, ("2.00", "2.02", "2.04"), strict=True)))
    r = evaluate(snapshot(namespace("alice", billing=billing("alice", used="2.03", included="20"))), history,
                 Config(), NOW)
    text = "\n".join(credits_line(render_text(r), "alice"))
    assert "used fell $0.01 since Nov 20 11:40 (HF settled requests lower)" in text
    assert "$0.01 of the last 30 min is provisional" in text


def test_a_long_billed_line_wraps_and_never_cuts_a_money_figure() -> None:
    from tests.tui.builder import build_report

    text = render_text(build_report())
    lines = text.splitlines()
    assert all(len(x) <= 80 for x in lines)
    i = next(n for n, x in enumerate(lines) if x.startswith("Billed    acme: $2,639.62 this period"))
    block = " · ".join(x.strip() for x in lines[i:i + 2])
    # every product of acme's period, whole: 1614 + 816 + 150 + 37.50 + 22.12 (+ 0 other, not shown)
    for part in ("endpoints $1,614.00", "Spaces $816.00", "jobs $150.00", "storage $37.50", "inference $22.12"):
        assert part in block
    assert not any(x.endswith("…") and "$" in x.rsplit(" ", 1)[-1] for x in lines)
    inference = next(n for n, x in enumerate(lines) if x.startswith("Inference "))
    split = " ".join(lines[inference:inference + 2])
    assert "by provider: together $9.80" in split and "fireworks-ai $6.12" in split


def test_what_to_do_about_a_source_is_wrapped_never_cut() -> None:
    hint = ("org billing is readable only by an org admin on an org with billing enabled; a fine-grained token "
            "also needs billing read on the org")
    denied = SourceResult("billing:acme", SourceStatus.NO_ACCESS, None, None, "HTTP 403", hint, 403,
                          Failure.NO_ACCESS)
    r = evaluate(snapshot(namespace("alice"), namespace("acme", "org", billing=denied)), History(), Config(), NOW)
    lines = render_text(r).splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("    → org billing"))
    block = [lines[start]] + [line for line in lines[start + 1:] if line.startswith("      ")]
    assert len(block) == 2 and all(len(line) <= 80 for line in block), block
    assert " ".join(line[6:] for line in block) == hint  # every word of the advice, none cut


def test_the_inference_line_adds_up_when_some_providers_are_not_named() -> None:
    providers = (("together", 10, "4.00"), ("groq", 5, "2.50"), ("novita", 4, "1.25"), ("cerebras", 2, "0.20"),
                 ("featherless-ai", 1, "0.05"))
    r = evaluate(snapshot(namespace("alice", billing=billing("alice", used="8", providers=providers))), History(),
                 Config(), NOW)
    lines = render_text(r).splitlines()
    i = next(n for n, x in enumerate(lines) if x.startswith("Inference "))
    block = " · ".join(x.strip() for x in lines[i:i + 2])
    # the split said as one (audit 9 F8): "22 requests · together $4.00" read as a second total, "in all $4.00"
    assert "Inference $8.00 · 22 requests · by provider: together $4.00" in block
    # the three largest by name, then the other two as one sum: 0.20 + 0.05; 4 + 2.5 + 1.25 + 0.25 = 8
    for part in ("together $4.00", "groq $2.50", "novita $1.25", "2 more $0.25"):
        assert part in block, block
    assert "cerebras" not in block


def test_a_seven_figure_bill_is_printed_whole_at_80_columns() -> None:
    # audit 5 #19: "$2,291,56…" read as "$2,291.56"; the hardware and name columns give way, never the figure
    spaces = (space("alice/a-space-with-a-rather-long-name", hardware="a10g-largex4"),
              space("alice/small", hardware="t4-small"))
    stmt = statement("alice",
                     line("spaces/a10g-largex4/minutes", "alice/a-space-with-a-rather-long-name", "13750000",
                          "2291559.99", unit="0.166667"),
                     line("spaces/t4-small/minutes", "alice/small", "60", "0.40", unit="0.006667"))
    snap = snapshot(namespace("alice", billing=billing("alice"), spaces=spaces, statement=stmt),
                    spaces_hw=(flavor("a10g-largex4", "0.166667", gpu=True), flavor("t4-small", "0.006667", gpu=True)))
    lines = render_text(evaluate(snap, History(), Config(), NOW)).splitlines()
    assert all(len(x) <= 80 for x in lines), [x for x in lines if len(x) > 80]
    big = next(x for x in lines if x.startswith("  alice/a-space"))
    assert big.endswith("$2,291,559.99") and "a10g-" in big, big
    small = next(x for x in lines if x.startswith("  alice/small"))
    assert small.endswith("$0.40") and "t4-small" in small, small  # a row of ordinary width keeps its columns


def test_a_long_org_name_never_cuts_the_credits_the_orgs_or_an_invoice() -> None:
    """Real org names run to 40 characters: the lines that end in a figure move it whole to the next line."""
    org = "google-research-datasets-and-models-2026"  # 40 characters
    alice = namespace("alice", billing=billing("alice", used="1.9", included="2"))
    acme = namespace(org, kind="org", billing=billing(org, used="6.570792", included="10"))
    text = render_text(evaluate(snapshot(alice, acme), History(), Config(), NOW))
    lines = text.splitlines()
    assert all(len(x) <= 80 for x in lines) and not any("…" in x for x in lines), text
    block = " ".join(credits_line(text, org))
    # $10.00 - $6.570792 = $3.429208 left
    assert "$6.57 of $10.00" in block and "$3.43 left" in block, block
    assert "projected $" in block


def test_an_org_past_its_credits_shows_its_overage_whole() -> None:
    org = "google-research-datasets-and-models-2026"
    acme = namespace(org, kind="org", billing=billing(org, used="1234.56", included="10"))
    block = " ".join(credits_line(render_text(evaluate(snapshot(acme), History(), Config(), NOW)), org))
    assert "$1,234.56 of $10.00" in block and "overage $1,224.56" in block, block  # 1,234.56 - 10


def test_the_sources_flags_were_not_checked_against_and_a_totals_missing_parts_are_never_cut() -> None:
    """audit 7 D6: 'not checked: …, resource_group_usage:ad…' lost which namespace; each name is now whole."""
    orgs = [f"research-lab-number-{i}-with-a-long-name" for i in range(3)]  # billing and statement unread
    snap = snapshot(namespace("alice", billing=billing("alice", used="1.9", included="2")),
                    *(namespace(org, kind="org") for org in orgs))
    report = evaluate(snap, History(), Config(), NOW)
    text = render_text(report)
    lines = text.splitlines()
    assert all(len(x) <= 80 for x in lines) and not any("…" in x for x in lines), text
    assert len(report.flags_unchecked) > 3
    flat = " ".join(text.split())
    for name in report.flags_unchecked:  # every source named whole, once the lines are joined
        assert name in flat, name
    for org in orgs:
        assert f"billing:{org}" in flat
