"""A `Figures` load (what `hfmon once` reads) on history older than the period and thinned by retention: the
Report has the figures the state changes themselves give.

Nine and a half days of polls every 14 minutes, from late October into November: the running sums must leave out
what was recorded before the rows a load from the period's start holds, and must still count the time of changes
retention deleted only where it belongs (before every window).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from hfmon.config import Config
from hfmon.costs import evaluate, history_since
from hfmon.costs.evaluate import history_windows
from hfmon.costs.figures import history_figures
from hfmon.costs.uptime import resource_uptimes
from hfmon.models import PeriodStatement, Snapshot, UsageLine
from hfmon.store import HistoryStore, db
from tests.store.builders import PERIOD_START, billing, namespace, snapshot, space, without_series

START = datetime(2026, 10, 25, tzinfo=UTC)
STEP = timedelta(minutes=14)
POLLS = int((datetime(2026, 11, 3, 12, tzinfo=UTC) - START) / STEP)
NOW = START + POLLS * STEP
OCTOBER = datetime(2026, 10, 1, tzinfo=UTC)


def day(d: int, hour: int = 0) -> datetime:
    return datetime(2026, 10, 1, tzinfo=UTC) + timedelta(days=d - 1, hours=hour)


def polled(moment: datetime) -> datetime:
    """The first poll at or after `moment`: when history saw a change made then."""
    return START - (START - moment) // STEP * STEP


def poll(i: int) -> Snapshot:
    at = START + i * STEP
    # up a day, asleep until the period's sixth hour, then up: retention deletes its first run
    slow = "RUNNING" if at < day(26) or at >= day(32, 6) else "SLEEPING"
    # two replicas, then one, asleep from before the period to its second day: older than a load from the period
    pair = ("RUNNING", 2) if day(29) <= at < day(30) else ("RUNNING", 1) if day(30) <= at < day(31) or \
        at >= day(33) else ("SLEEPING", 0)
    spaces = [space("alice/slow", stage=slow, hardware="t4-small"),
              space("alice/pair", stage=pair[0], hardware="t4-small", current=pair[1] or None)]
    # the period changes inside the loaded stretch, and for two hours usage-v2 answers with the old one again
    period = OCTOBER if at < PERIOD_START or day(33) <= at < day(33, 2) else PERIOD_START
    return snapshot(at, namespace("alice", usage=billing("alice", f"{i / 100:.2f}", period_start=period),
                                  spaces=spaces))


def with_statement(snap: Snapshot) -> Snapshot:
    """Lines that started before the changes a load from the period's start holds of their Spaces."""
    def line(label: str, start: datetime, minutes: int) -> UsageLine:
        return UsageLine("spaces/t4-small/minutes", label, None, Decimal(minutes), Decimal("0.01"),
                         Decimal(minutes) / 100, start, None, True)

    statement = PeriodStatement("alice", None, PERIOD_START, PERIOD_START + timedelta(days=30),
                                (line("alice/slow", day(25, 12), 4_000), line("alice/pair", day(29), 2_500)))
    ns = snap.namespaces[0]
    return replace(snap, namespaces=(replace(ns, statement=replace(ns.billing, value=statement)),))


@pytest.mark.parametrize("side_from", [0, 10**9])  # the sums on a second connection in a thread, or on the first
def test_older_and_pruned_history_gives_the_figures_the_changes_give(tmp_path: Path, side_from: int,
                                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(db, "SIDE_READ_FROM", side_from)
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        for i in range(POLLS + 1):
            store.record(poll(i))
    snap = with_statement(poll(POLLS))
    since, windows = history_since(snap, NOW), history_windows(snap, NOW)
    with HistoryStore.open(path, retention_days=6) as store:  # deletes what is older than Oct 28 12:00
        every = store.load(since, windows, NOW)
        figures = store.load(since, history_windows(snap, NOW, hourly=False), NOW,
                             figures=history_figures(snap, NOW))
    assert since == PERIOD_START and min(c.at for c in every.changes) == polled(day(26))  # slow's first run is gone
    spanned = evaluate(snap, replace(every, window_times=None), Config(), NOW)  # from the changes alone
    assert without_series(evaluate(snap, every, Config(), NOW)) == without_series(spanned)
    summed = evaluate(snap, figures, Config(), NOW)
    assert all(r.cost.hourly_usd == () for r in summed.spaces) and spanned.spaces[0].cost.hourly_usd
    assert without_series(summed) == without_series(spanned)
    assert resource_uptimes(summed) == resource_uptimes(spanned)
    # real figures: each Space's minutes seen since the changes the load holds, its period uptime, the window spend
    minutes = {c.item: c.note for c in summed.crosscheck if c.item.endswith("minutes vs history")}
    # slow's line starts Oct 25 12:00, before what retention kept (Oct 28 12:00): no history watched all its span
    # (audit 7 C7: the pruned time read as down, a drift against HF's right bill)
    assert list(minutes) == ["space alice/pair t4-small minutes vs history"]
    hours_up = {"alice/pair": (NOW - polled(day(33))) / timedelta(minutes=1)}
    for key, up in hours_up.items():
        note = minutes[f"space {key} t4-small minutes vs history"]
        assert f"history shows {Decimal(up).quantize(Decimal('0.1')).normalize():f} min" in note, note
    pair = next(r for r in summed.spaces if r.space.id == "alice/pair")
    assert pair.cost.uptime_pct is not None and pair.cost.uptime_pct > 0
    assert {w.window for w in summed.windows if w.current.spaces_usd} >= {"1h", "24h"}
