"""The monthly budget when usage-v2 or the statement could not be read: judged on what was read, never skipped."""

from __future__ import annotations

from decimal import Decimal

from hfmon.alerts.checks import Outcome
from hfmon.alerts.rules import budget_pace
from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.history import History
from tests.costs.builders import PERIOD_END, PERIOD_START, D, at, line, missing, namespace, snapshot, statement

NOW = at(16)  # half the 30-day period gone: a $600 budget allows $300 by now


def budget(usd: int) -> dict[str, Decimal]:
    return {"alice": D(usd)}


def test_without_usage_the_statement_alone_is_judged_against_the_budget_pace() -> None:
    spaces = line("spaces/a10g-small/minutes", "alice/demo", "24000", "400")  # $400 of Spaces, usage-v2 unread
    snap = snapshot(namespace("alice", billing=missing("billing:alice"), statement=statement("alice", spaces)))
    r = evaluate(snap, History(), Config(), NOW)
    assert r.credits == () and r.spend[0].period_start == PERIOD_START and r.spend[0].period_end == PERIOD_END
    [reading] = budget_pace(r, budget(600).get)
    # at least $400 (inference unread) is past the $300 the pace allows: crossed, though partial
    assert reading.outcome is Outcome.CROSSED and reading.at_least == D(400) and reading.limit == D(300)
    [under] = budget_pace(r, budget(1000).get)  # $500 allowed: $400 of a partial total says nothing yet
    assert under.outcome is Outcome.UNKNOWN and under.at_least == D(400)


def test_a_namespace_with_neither_usage_nor_statement_is_unknown_not_skipped() -> None:
    snap = snapshot(namespace("alice", billing=missing("billing:alice"), statement=missing("statement:alice")))
    r = evaluate(snap, History(), Config(), NOW)
    assert r.spend == ()
    [reading] = budget_pace(r, budget(600).get)
    assert reading.outcome is Outcome.UNKNOWN and reading.subject == "alice" and reading.at_least is None
