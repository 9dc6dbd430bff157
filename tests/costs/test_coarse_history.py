"""History sampled hours apart cannot see a Space that sleeps and wakes in between: no history verdict then."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hfmon.advice.idle import watched
from hfmon.config import Tolerance
from hfmon.costs.observed import history_rows
from hfmon.costs.statement_lines import PricedLine
from hfmon.history import POLL_RUN_BREAK, History, PollRun, StateChange
from hfmon.models import UsageLine
from hfmon.report import CheckStatus, Price, PriceSource

START, NOW = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 11, 2, tzinfo=UTC)


def line() -> PricedLine:
    """A day of a t4-small Space billed 300 minutes (it woke several times between polls)."""
    usage = UsageLine("spaces/t4-small/minutes", "alice/app", None, Decimal(300), Decimal("0.006667"),
                      Decimal("2.0001"), START, None, True)
    return PricedLine("alice", "spaces", "t4-small", "alice/app", usage, Price(Decimal("0.40002"), PriceSource.LIVE),
                      Decimal("2.0001"))


def sleeping(kind: str, key: str) -> tuple[StateChange, ...]:
    """History saw the Space asleep at every poll."""
    return (StateChange("space", "alice/app", START, "SLEEPING", "t4-small", 1),)


def polled_every(gap_s: float) -> History:
    """Poll runs as the store keeps them for polls `gap_s` apart from START to NOW."""
    if gap_s > POLL_RUN_BREAK.total_seconds():  # every poll is a run of its own
        return History(poll_runs=(PollRun(START, START, 0), PollRun(NOW, NOW, 0)))
    return History(poll_runs=(PollRun(START, NOW, gap_s),))


def test_hourly_polls_give_no_history_verdict() -> None:
    rows = history_rows([line()], sleeping, polled_every(3600).poll_gap_s, NOW, Tolerance())
    assert rows == []


def test_no_stored_poll_times_give_no_history_verdict() -> None:
    assert history_rows([line()], sleeping, History().poll_gap_s, NOW, Tolerance()) == []


def test_minute_polls_that_never_saw_it_run_are_drift() -> None:
    [row] = history_rows([line()], sleeping, polled_every(60).poll_gap_s, NOW, Tolerance())
    assert row.status is CheckStatus.DRIFT


def listed_every_minute(listing: tuple[str, str]) -> History:
    """Polls a minute apart all day that listed only `listing` (namespace, kind) fresh."""
    return History(poll_runs=(PollRun(START, NOW, 60),), listing_runs={listing: (PollRun(START, NOW, 60),)})


def test_minute_polls_of_other_namespaces_give_no_history_verdict() -> None:
    # polls a minute apart all day, but only of bob (`--namespace bob`), or of alice with her Spaces listing failing:
    # nothing watched alice's Space, so its billed 300 min are not compared with "never seen running"
    for listed in (("bob", "space"), ("alice", "endpoint")):
        assert history_rows([line()], sleeping, listed_every_minute(listed).poll_gap_s, NOW, Tolerance()) == []
    [row] = history_rows([line()], sleeping, listed_every_minute(("alice", "space")).poll_gap_s, NOW, Tolerance())
    assert row.status is CheckStatus.DRIFT


def test_the_advisor_counts_only_polls_that_listed_the_resource_as_watched() -> None:
    changes = sleeping("space", "alice/app")
    assert watched(listed_every_minute(("bob", "space")), changes, NOW, 7, ("alice", "space")) is None
    window = watched(listed_every_minute(("alice", "space")), changes, NOW, 7, ("alice", "space"))
    assert window is not None and (window.start, window.end) == (START, NOW)
