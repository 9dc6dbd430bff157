"""State timelines: minute-aligned intervals of (state, replicas, hardware), built from repeating cycles."""

from __future__ import annotations

import bisect
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta


@dataclass(frozen=True)
class Interval:
    """One stretch of a resource's life in one state; `end` None means it lasts forever."""

    start: datetime
    end: datetime | None
    state: str
    replicas: int  # the replicas billed: a Space's current ones, an Endpoint's target ones
    hardware: str
    other: int | None = None  # a Space's requested replicas while scaling; an Endpoint's ready ones (None: same)


@dataclass(frozen=True)
class Step:
    """One step of a cycle: a state held for `minutes` (0 = forever, only as the last step)."""

    state: str
    minutes: int
    replicas: int = 1
    hardware: str = ""
    other: int | None = None  # see Interval.other


def build(created: datetime, steps: Sequence[Step], *, anchor: datetime, anchor_step: int,
          anchor_into_min: int, horizon: datetime, hardware: str, prefix: Sequence[Step] = ()) -> tuple[
        Interval, ...]:
    """Repeat `steps` so that at `anchor` the resource is `anchor_into_min` minutes into step `anchor_step`.

    The cycle is laid back to `created` (after the one-off `prefix` steps that follow creation) and forward
    to `horizon`; the last interval is open-ended. A step whose `minutes` is 0 lasts forever.
    """
    out: list[Interval] = []
    t = created
    for st in prefix:
        out.append(Interval(t, t + timedelta(minutes=st.minutes), st.state, st.replicas, st.hardware or hardware,
                            st.other))
        t += timedelta(minutes=st.minutes)
    cycle_len = sum(s.minutes for s in steps)
    offset = sum(s.minutes for s in steps[:anchor_step]) + anchor_into_min
    cycle_start = anchor - timedelta(minutes=offset)
    if cycle_len > 0:
        while cycle_start > t:
            cycle_start -= timedelta(minutes=cycle_len)
    # each step's length and fields worked out once: a cycle repeats for months, thousands of intervals
    laps = [(None if st.minutes == 0 else timedelta(minutes=st.minutes), st.state, st.replicas,
             st.hardware or hardware, st.other) for st in steps]
    i, cur = 0, cycle_start
    while cur < horizon:
        length, state, replicas, hw, other = laps[i % len(laps)]
        end: datetime | None = None if length is None else cur + length
        if end is None or end > t:
            out.append(Interval(cur if cur > t else t, end, state, replicas, hw, other))
        if end is None:
            return tuple(out)
        cur = end
        i += 1
    last = out[-1]
    out[-1] = Interval(last.start, None, last.state, last.replicas, last.hardware, last.other)
    return tuple(out)


def fixed(created: datetime, steps: Sequence[Step], hardware: str) -> tuple[Interval, ...]:
    """A one-off sequence of steps from `created`; the last step lasts forever."""
    out: list[Interval] = []
    t = created
    for n, st in enumerate(steps):
        end = None if n == len(steps) - 1 or st.minutes == 0 else t + timedelta(minutes=st.minutes)
        out.append(Interval(t, end, st.state, st.replicas, st.hardware or hardware, st.other))
        if end is None:
            break
        t = end
    return tuple(out)


def at(timeline: Sequence[Interval], moment: datetime) -> Interval | None:
    """The interval in effect at `moment`, or None before the resource existed."""
    i = bisect.bisect_right(timeline, moment, key=lambda iv: iv.start) - 1
    if i < 0:
        return None
    iv = timeline[i]
    return iv if iv.end is None or moment < iv.end else None


def clipped(timeline: Sequence[Interval], lo: datetime, hi: datetime) -> Iterator[Interval]:
    """The intervals overlapping [lo, hi), clipped to it (an interval still open at `hi` keeps end=None)."""
    for iv in timeline:
        if iv.start >= hi:
            break
        if iv.end is not None and iv.end <= lo:
            continue
        end = iv.end if iv.end is not None and iv.end <= hi else None
        yield Interval(max(iv.start, lo), end, iv.state, iv.replicas, iv.hardware, iv.other)
