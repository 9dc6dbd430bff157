"""A ZeroGPU Space's overage inside a multi-day statement line, in a window, from history's runs of poll totals (note
15, "Noticed": the sparkline's hours and the 7 d / 30 d windows inside such a line read unknown).

chat-demo's line runs Nov 6 10:00 -> Nov 13 16:48: 12 GPU-minutes on Nov 6 ($1.20) then 18 on Nov 13 from 16:30
($1.80), $3.00 at $1 per 10 (hf-api.md 0.5); the statement read at Nov 13 18:00. The 7 d window Nov 6 18:00 -> Nov 13
18:00 holds $1.80 of it: by 18:00 on Nov 6 the line had billed its first $1.20, which the statement alone does not say
(it dates the line's ends only); polls on both sides of 18:00 that read $1.20 do."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hfmon.costs.zero_gpu_windows import OverageLines, overage_in
from hfmon.history import OverageRun
from hfmon.models_billing import UsageLine

PERIOD = datetime(2026, 11, 1, tzinfo=UTC)
READ = datetime(2026, 11, 13, 18, tzinfo=UTC)
CHAT = "ada/chat-demo"
LINE = UsageLine("spaces/zero-a10g/minutes", CHAT, "e" * 24, Decimal(30), Decimal("0.1"), Decimal("3.00"),
                 datetime(2026, 11, 6, 10, tzinfo=UTC), datetime(2026, 11, 13, 16, 48, tzinfo=UTC), False)
WEEK = (datetime(2026, 11, 6, 18, tzinfo=UTC), READ)


def seen(*runs: tuple[datetime, datetime, str]) -> OverageLines:
    return OverageLines(PERIOD, READ, {CHAT: (LINE,)}, polled={CHAT: tuple(
        OverageRun("ada", CHAT, PERIOD, Decimal(total), first, last) for first, last, total in runs)})


def at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, tzinfo=UTC)


def test_without_polls_a_window_starting_inside_the_line_is_unknown() -> None:
    assert overage_in(seen(), CHAT, *WEEK) is None
    assert overage_in(seen(), CHAT, PERIOD, READ) == Decimal("3.00")  # the whole line: known from the statement


def test_polls_that_read_the_same_total_around_the_windows_start_make_it_known() -> None:
    runs = seen((at(6, 16), at(6, 21), "1.20"))  # every poll from 16:00 to 21:00 read $1.20
    assert overage_in(runs, CHAT, *WEEK) == Decimal("1.80")
    assert overage_in(runs, CHAT, at(6, 17), at(6, 20)) == Decimal(0)  # an hour between them: none of it
    assert overage_in(runs, CHAT, at(6, 9), at(6, 17)) == Decimal("1.20")  # from before the line began


def test_polls_that_read_different_totals_around_it_leave_it_unknown() -> None:
    runs = seen((at(6, 10, 5), at(6, 10, 5), "0.50"), (at(6, 21), at(6, 21), "1.20"))
    assert overage_in(runs, CHAT, at(6, 18), READ) is None  # the line grew between the polls at 10:05 and 21:00
    assert overage_in(runs, CHAT, at(6, 10, 5), READ) == Decimal("2.50")  # a window starting at a poll: known


def test_a_poll_total_the_statement_contradicts_is_not_used() -> None:
    """A run reading more than the statement's line now holds (HF revised it since): history's runs are left out."""
    assert overage_in(seen((at(6, 16), at(6, 21), "3.50")), CHAT, *WEEK) is None
