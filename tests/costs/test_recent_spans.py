"""The detail view's timeline: the most recent states, priced by the same rule as every span (`rated_spans`)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from hfmon.costs.timeline import StateSpan, rated_spans, recent_rated_spans
from hfmon.history import StateChange

T0 = datetime(2026, 11, 1, tzinfo=UTC)


def price(hardware: str | None) -> Decimal | None:
    return Decimal("0.80") if hardware == "t4-small" else None


def changes() -> list[StateChange]:
    states = ["RUNNING", "SLEEPING", "RUNNING", "RUNNING", "PAUSED", "RUNNING"]
    hardware = ["t4-small", "t4-small", "t4-small", "a100-large", "t4-small", "t4-small"]
    out = [StateChange("space", "a/b", T0 + timedelta(hours=h), s, hw, 1)
           for h, (s, hw) in enumerate(zip(states, hardware, strict=True))]
    # a change at the same instant as the next one: a state that lasted no time, left out
    out.insert(2, StateChange("space", "a/b", T0 + timedelta(hours=2), "BUILDING", "t4-small", 1))
    return out


def test_the_recent_states_are_the_last_of_every_state_priced_alike() -> None:
    start, end = T0 + timedelta(minutes=30), T0 + timedelta(hours=7)
    recent = recent_rated_spans("space", changes(), price, start, end, 3)
    assert recent[0] == 6  # RUNNING (from 00:30), SLEEPING, RUNNING, RUNNING on a100, PAUSED, RUNNING
    assert recent[1] == rated_spans("space", changes(), price, start, end)[-3:]
    # worked by hand: 03:00 RUNNING on a100 (no price: unknown), 04:00 PAUSED ($0), 05:00-07:00 RUNNING $0.80
    assert recent[1] == (
        StateSpan("RUNNING", "a100-large", 1, T0 + timedelta(hours=3), T0 + timedelta(hours=4), None),
        StateSpan("PAUSED", "t4-small", 1, T0 + timedelta(hours=4), T0 + timedelta(hours=5), Decimal(0)),
        StateSpan("RUNNING", "t4-small", 1, T0 + timedelta(hours=5), end, Decimal("0.80")))


def test_asking_for_more_states_than_there_are_gives_them_all_and_none_gives_none() -> None:
    start, end = T0, T0 + timedelta(hours=7)
    every = rated_spans("space", changes(), price, start, end)
    assert recent_rated_spans("space", changes(), price, start, end, 50) == (len(every), every)
    assert recent_rated_spans("space", changes(), price, start, end, 0) == (len(every), ())
    assert recent_rated_spans("space", [], price, start, end, 12) == (0, ())
