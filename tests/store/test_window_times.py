"""The state times summed in SQL (spend windows, uptime): the same durations, and the same Report, as the changes give.

Eight days of polls every 14 minutes of an account whose resources change state at irregular times (one moves
to other hardware, one changes replicas, one is deleted, a job ends): the store's sums are checked against
durations worked out here from the polls themselves, and the Report from them against the Report from the
state changes (the old path), figure by figure.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from hfmon.config import Config
from hfmon.costs import evaluate, history_since
from hfmon.costs.billing_rules import (
    BETWEEN_POLLS_STATE,
    BILLED_BETWEEN_POLLS_STATE,
    MAY_BILL_STATES,
    is_billed,
    moved_hardware,
)
from hfmon.costs.evaluate import HISTORY_BACK, history_windows
from hfmon.costs.figures import history_figures
from hfmon.costs.uptime import resource_uptimes
from hfmon.history import History, StateTime, Window
from hfmon.models import PeriodStatement, Snapshot, UsageLine
from hfmon.store import HistoryStore, db
from tests.store.builders import PERIOD_START, T0, billing, endpoint, job, namespace, snapshot, space, without_series

STEP = timedelta(minutes=14)
POLLS = 8 * 24 * 60 // 14  # eight days
NOW = T0 + POLLS * STEP  # the last poll

Seen = dict[tuple[str, str], tuple[str, str | None, int] | None]  # (kind, key) -> (state, hardware, replicas)


def poll(i: int) -> tuple[Snapshot, Seen]:
    """Poll `i`, and what each resource was in it as the store records it (None: not listed)."""
    up = (i * 7) % 23 < 13  # the endpoint runs in irregular stretches
    size = "x1" if i < POLLS // 2 else "x4"  # moved to larger hardware half way
    replicas = 1 + (i // 40) % 3 if up else 0
    endpoints = [endpoint("alice", "llm", state="running" if up else "scaledToZero", ready=replicas,
                          target=replicas, instance_type="nvidia-t4", size=size)]
    sleeping = (i // 9) % 4 == 0
    spaces = [space("alice/chat", stage="SLEEPING" if sleeping else "RUNNING")]
    if i < POLLS - 200:  # deleted some 47 hours before the end
        spaces.append(space("alice/old", stage="RUNNING", hardware="cpu-upgrade"))
    ended = T0 + (POLLS - 100) * STEP  # the job says it finished at the first poll that sees it ended
    jobs = [job("6721abc", stage="RUNNING", flavor="t4-small") if i < POLLS - 100 else
            job("6721abc", stage="COMPLETED", flavor="t4-small", finished=ended)]
    steady = "t4-small" if i < POLLS // 3 else "a10g-small"  # up all along, moved to other hardware once
    pair = POLLS // 6 <= i < POLLS // 4  # and ran two replicas for a while, days ago
    spaces.append(space("alice/steady", stage="RUNNING", hardware=steady, current=2 if pair else 1))
    at = T0 + i * STEP
    snap = snapshot(at, namespace("alice", usage=billing("alice", f"{i / 100:.2f}"), endpoints=endpoints,
                                  spaces=spaces, jobs=jobs))
    seen: Seen = {
        ("endpoint", "alice/llm"): ("running" if up else "scaledToZero", f"aws/nvidia-t4/{size}", replicas),
        ("space", "alice/chat"): ("SLEEPING" if sleeping else "RUNNING", "t4-small", 0 if sleeping else 1),
        ("space", "alice/old"): ("RUNNING", "cpu-upgrade", 1) if i < POLLS - 200 else ("gone", None, 0),
        ("job", "6721abc"): ("RUNNING", "t4-small", 1) if i < POLLS - 100 else ("COMPLETED", "t4-small", 0),
        ("space", "alice/steady"): ("RUNNING", steady, 2 if pair else 1),
    }
    return snap, seen


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Snapshot, list[tuple[datetime, Seen]]]:
    path = tmp_path_factory.mktemp("times") / "history.sqlite3"
    polls = []
    with HistoryStore.open(path) as store:
        for i in range(POLLS + 1):
            snap, seen = poll(i)
            store.record(snap)
            polls.append((snap.taken_at, seen))
    return path, snap, polls


def expected_micros(polls: list[tuple[datetime, Seen]], key: tuple[str, str], window: Window,
                    now: datetime) -> dict[tuple[str, str | None, int], int]:
    """Microseconds `key` spent in each billed state within `window` (the store sums no other): a state seen at a
    poll lasts until the next poll that sees another one (the last until `now`), worked out from the polls, not
    from the store. A change no time dates (all but the Job's) came between the two polls: from 1 µs past the
    earlier one, the stretch is `between_polls` on the billed side's hardware and replicas (when either side bills),
    or `between_polls_billed` on the fewer replicas when both bill on one hardware (on both hardware when they
    differ: `moved_hardware`)."""
    start, end = window
    out: dict[tuple[str, str | None, int], int] = {}
    runs: list[tuple[datetime, tuple[str, str | None, int]]] = []
    billed, last = MAY_BILL_STATES[key[0]], None
    for at, seen in polls:
        state = seen[key]
        if state is not None and (not runs or runs[-1][1] != state):
            before = runs[-1][1] if runs else None
            side = state if state[0] in billed else before if before and before[0] in billed else None
            both = before is not None and before[1] == state[1] and all(
                is_billed(key[0], s[0]) and s[2] > 0 for s in (before, state))
            if key[0] != "job" and last is not None and both:
                assert before is not None
                runs.append((last + timedelta(microseconds=1),
                             (BILLED_BETWEEN_POLLS_STATE, state[1], min(before[2], state[2]))))
            elif key[0] != "job" and last is not None and before and before[0] in billed and state[0] in billed:
                # both may bill, each on its own hardware (audit 9 F2): priced by no catalog
                runs.append((last + timedelta(microseconds=1),
                             (BETWEEN_POLLS_STATE, moved_hardware(before[1], state[1]), state[2])))
            elif key[0] != "job" and last is not None and side is not None:
                runs.append((last + timedelta(microseconds=1), (BETWEEN_POLLS_STATE, side[1], side[2])))
            runs.append((at, state))
        last = at
    for n, (begin, state) in enumerate(runs):
        stop = runs[n + 1][0] if n + 1 < len(runs) else now
        overlap = min(stop, end) - max(begin, start)
        if overlap > timedelta(0) and state[0] in billed:
            out[state] = out.get(state, 0) + overlap // timedelta(microseconds=1)
    return out


def test_the_sums_are_the_durations_the_polls_show(recorded: tuple[Path, Snapshot, list[tuple[datetime, Seen]]]
                                                   ) -> None:
    path, snap, polls = recorded
    windows = history_windows(snap, NOW)
    with HistoryStore.open(path) as store:
        times = store.load(history_since(snap, NOW), windows, NOW).window_times
    assert times is not None and set(times.windows) == set(windows)
    assert set(times.times) == set(polls[0][1])
    changed_hardware = False
    for key in polls[0][1]:
        for window in windows:
            got = {(t.state, t.hardware, t.replicas): t.micros for t in times.times[key].get(window, ())}
            assert got == expected_micros(polls, key, window, NOW), (key, window)
            changed_hardware |= len({hw for _, hw, _ in got}) > 1
    assert changed_hardware  # the scenario does move hardware inside a window
    day = (NOW - timedelta(hours=24), NOW)
    assert all(t.micros > 0 and isinstance(t, StateTime) for t in times.times[("endpoint", "alice/llm")][day])


def test_the_report_from_the_sums_is_the_report_from_the_changes(
        recorded: tuple[Path, Snapshot, list[tuple[datetime, Seen]]]) -> None:
    path, last, _ = recorded
    snap = with_statement(last)  # read, without a grant: the Spaces' hardware is paid (unread, it might not be)
    with HistoryStore.open(path) as store:
        history = store.load(history_since(snap, NOW), history_windows(snap, NOW), NOW)
    summed = evaluate(snap, history, Config(), NOW)
    spanned = evaluate(snap, replace(history, window_times=None), Config(), NOW)
    assert summed.windows == spanned.windows
    assert summed == spanned
    # the figures compared are real ones: known, not all zero, in windows of every length history covers
    # (known at least: every window holds a change between two polls, whose stretch is unknown)
    known = [w for w in summed.windows
             if not w.current.billed and w.current.part("endpoints", "alice").known is not None]
    assert {w.window for w in known} == {"1h", "24h", "7d"}
    assert all(w.current.part("spaces", "alice").known for w in known if w.window != "1h")
    assert not summed.unpriced
    assert any(w.previous.jobs_usd for w in known)


def test_windows_the_sums_lack_are_computed_from_the_changes(
        recorded: tuple[Path, Snapshot, list[tuple[datetime, Seen]]]) -> None:
    path, snap, _ = recorded
    with HistoryStore.open(path) as store:
        partial = store.load(history_since(snap, NOW), history_windows(snap, NOW)[:2], NOW)
    assert evaluate(snap, partial, Config(), NOW) == evaluate(snap, History(
        usage=partial.usage, changes=partial.changes, poll_runs=partial.poll_runs), Config(), NOW)


def test_a_window_past_now_is_refused(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store, pytest.raises(ValueError, match="end by"):
        store.load(T0, [(T0, T0 + timedelta(hours=2))], T0 + timedelta(hours=1))


def with_statement(snap: Snapshot) -> Snapshot:
    """The last poll with alice's statement: lines of every product her resources ran on, some of them older
    than the rows a `Figures` load reads (so the "minutes vs history" rows come from the store's sums)."""
    half = T0 + POLLS // 2 * STEP

    def line(product: str, label: str, start: datetime, stop: datetime | None, minutes: int) -> UsageLine:
        return UsageLine(product, label, None, Decimal(minutes), Decimal("0.01"), Decimal(minutes) / 100, start,
                         stop, stop is None)

    lines = (line("endpoints/aws/nvidia-t4/x1", "llm", T0, half, 2_000),
             line("endpoints/aws/nvidia-t4/x4", "llm", half, None, 1_500),
             line("spaces/t4-small/minutes", "alice/chat", T0 + timedelta(hours=3), None, 6_000),
             line("spaces/t4-small/minutes", "alice/steady", T0, T0 + POLLS // 3 * STEP, 3_700),
             line("spaces/a10g-small/minutes", "alice/steady", T0 + POLLS // 3 * STEP, None, 7_000),
             line("spaces/cpu-upgrade/minutes", "alice/old", T0, NOW - 200 * STEP, 9_000),
             line("jobs/t4-small/minutes", "6721abc", T0, NOW - 100 * STEP, 10_000))
    statement = PeriodStatement("alice", None, PERIOD_START, PERIOD_START + timedelta(days=30), lines)
    ns = snap.namespaces[0]
    return replace(snap, namespaces=(replace(ns, statement=replace(ns.billing, value=statement)),))


@pytest.mark.parametrize("side_from", [0, 10**9])  # the sums on a second connection in a thread, or on the first
def test_a_figures_load_gives_the_figures_of_a_load_of_every_row(
        recorded: tuple[Path, Snapshot, list[tuple[datetime, Seen]]], side_from: int,
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "SIDE_READ_FROM", side_from)
    path, last, _ = recorded
    snap = with_statement(last)
    since, windows = history_since(snap, NOW), history_windows(snap, NOW)
    with HistoryStore.open(path) as store:
        every = store.load(since, windows, NOW)
        figures = store.load(since, history_windows(snap, NOW, hourly=False), NOW,
                             figures=history_figures(snap, NOW))
    assert len(figures.changes) * 3 < len(every.changes) and len(figures.usage) * 3 < len(every.usage)
    summed = evaluate(snap, figures, Config(), NOW)
    spanned = evaluate(snap, replace(every, window_times=None), Config(), NOW)  # every row, no SQL sums
    assert all(r.cost.hourly_usd == () for r in summed.spaces) and spanned.spaces[0].cost.hourly_usd
    assert without_series(summed) == without_series(spanned)
    assert resource_uptimes(summed) == resource_uptimes(spanned)  # the stretch up is walked over older rows
    # the figures compared are real ones, reaching before the rows the Figures load read
    minutes = {c.item: c for c in summed.crosscheck if c.item.endswith("minutes vs history")}
    assert len(minutes) == 7 and all(c.recomputed_usd for c in minutes.values())
    [credits] = summed.credits
    assert credits.exhausts_at is not None and credits.exhausts_at < NOW - HISTORY_BACK
    steady = next(r for r in summed.spaces if r.space.id == "alice/steady")
    assert steady.cost.uptime_24h_pct == Decimal("100.00")
    [up] = [u for u in resource_uptimes(summed) if u.id == "alice/steady"]
    assert up.uptime.at_least == NOW - T0 and not up.uptime.exact


def test_a_period_hf_began_a_little_after_hfmons_clock_still_reports(
        recorded: tuple[Path, Snapshot, list[tuple[datetime, Seen]]]) -> None:
    """At a rollover hfmon's clock may be a little behind HF's: usage-v2 already says the period began 30 s from
    hfmon's now. The poll must still report, the period's figures unknown before it began (audit 3, finding 11: a
    LookupError traceback, and no output, on every poll of that minute)."""
    path, last, _ = recorded
    ahead = NOW + timedelta(seconds=30)
    alice = replace(last.namespaces[0], billing=replace(last.namespaces[0].billing, value=billing("alice", "0.00", None,
                                                                                                    ahead)))
    snap = replace(last, namespaces=(alice,))
    with HistoryStore.open(path) as store:
        history = store.load(history_since(snap, NOW), history_windows(snap, NOW), NOW)
    report = evaluate(snap, history, Config(), NOW)
    [period] = [w for w in report.windows if w.window == "period"]
    assert (period.current.start, period.current.end) == (NOW, NOW)
    assert (period.previous.endpoints_usd, period.previous.inference_usd) == (None, None)
    day = next(w for w in report.windows if w.window == "24h")
    assert day.current.part("endpoints", "alice").known  # the other windows are as before
