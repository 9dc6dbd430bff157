"""History dates a Job's states at the times its listing gives (`startedAt`, `finishedAt`, `runningSecs`), not at
the poll that saw them, and prices a run it cannot place as unknown.

Polls every 10 minutes from T0 (12:00) to NOW (13:00), all recorded through the store, the Report evaluated on
what it loads (as the dashboard does, every row, and as `hfmon once` does, the store's sums). Jobs on t4-small
($0.40/h in the bundled catalog):

- `short` runs 12:22 -> 12:29 (between the 12:20 and 12:30 polls; first listed COMPLETED at 12:30): 7 min.
- `late` starts 12:45 (first listed RUNNING at 12:50) and runs on: 15 min to 13:00.
- `blind` is listed ended at 12:40 with a start (12:31) and no end or running seconds: what it cost is unknown.
- `nostart` (created 12:41) is listed RUNNING at 12:50 without a start: it ran some time in 12:41 -> 12:50.
1 h window at 13:00: $0.40 x 22 min = $0.146667 with `short` and `late`, unknown with `blind` or `nostart`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hfmon.config import Config
from hfmon.costs import evaluate, history_since
from hfmon.costs.evaluate import history_windows
from hfmon.costs.figures import history_figures
from hfmon.history import StateChange
from hfmon.models import Job, Snapshot
from hfmon.report import Report
from hfmon.store import HistoryStore
from tests.store.builders import T0, billing, minutes, namespace, snapshot

NOW = minutes(60)
T4_PER_HOUR = Decimal("0.40")
SHORT_LISTED = minutes(30)  # the first poll after `short` ran


def job(job_id: str, stage: str, started: datetime | None, finished: datetime | None,
        running_s: int | None) -> Job:
    return Job(job_id, "alice", stage, "t4-small", started or T0, started, finished, running_s)


def listed(at: datetime, unplaced: str, short_listed: datetime = SHORT_LISTED) -> tuple[Job, ...]:
    """The Jobs listing at `at` (only what has been created by then; `short` from `short_listed` on)."""
    out = []
    if at >= short_listed:
        out.append(job("short", "COMPLETED", minutes(22), minutes(29), 7 * 60))
    if at >= minutes(50):
        out.append(job("late", "RUNNING", minutes(45), None, int((at - minutes(45)).total_seconds())))
    if unplaced == "blind" and at >= minutes(40):
        out.append(job("blind", "ERROR", minutes(31), None, None))
    if unplaced == "nostart" and at >= minutes(50):
        out.append(replace(job("nostart", "RUNNING", None, None, None), created_at=minutes(41)))
    return tuple(out)


def poll(at: datetime, unplaced: str = "", used: str = "1.00", short_listed: datetime = SHORT_LISTED) -> Snapshot:
    return snapshot(at, namespace("alice", usage=billing("alice", used), endpoints=[], spaces=[],
                                  jobs=listed(at, unplaced, short_listed)))


def reports(path: Path, unplaced: str = "") -> tuple[list[StateChange], Report, Report]:
    """The changes recorded, and the Report at NOW as the dashboard and as `hfmon once` read history."""
    with HistoryStore.open(path) as store:
        for n in range(7):
            snap = poll(minutes(10 * n), unplaced)
            store.record(snap)
        since = history_since(snap, NOW)
        every = store.load(since, history_windows(snap, NOW), NOW)
        once = store.load(since, history_windows(snap, NOW, hourly=False), NOW, figures=history_figures(snap, NOW))
    return list(every.changes), evaluate(snap, every, Config(), NOW), evaluate(snap, once, Config(), NOW)


def hour(report: Report) -> Decimal | None:
    (window,) = [w for w in report.windows if w.window == "1h"]
    assert window.current.start == T0 and window.current.endpoints_usd == 0  # covered: the other parts are known
    return window.current.jobs_usd


def test_jobs_are_recorded_at_their_own_times_and_priced_over_them(tmp_path: Path) -> None:
    changes, dashboard, once = reports(tmp_path / "history.sqlite3")
    assert [(c.resource, c.at, c.state, c.replicas) for c in changes] == [
        ("short", minutes(22), "RUNNING", 1), ("short", minutes(29), "COMPLETED", 0),
        ("late", minutes(45), "RUNNING", 1)]
    assert hour(dashboard) == hour(once) == (T4_PER_HOUR * 22 / 60).quantize(Decimal("0.000001")) == Decimal("0.146667")
    # the dashboard's last-24-hours meter: the hour to 13:00 holds the same $0.146667
    assert dashboard.meter_hourly()[-1] == Decimal("0.146667")


def test_a_job_run_history_cannot_place_makes_its_window_unknown(tmp_path: Path) -> None:
    changes, dashboard, once = reports(tmp_path / "blind.sqlite3", "blind")
    assert [(c.at, c.state, c.replicas) for c in changes if c.resource == "blind"] == [
        (minutes(31), "RUNNING", 0), (minutes(40), "ERROR", 0)]  # ran from 12:31 until some time up to 12:40
    assert hour(dashboard) is None and hour(once) is None  # unknown, not $0.146667
    changes, dashboard, once = reports(tmp_path / "nostart.sqlite3", "nostart")
    assert [(c.at, c.state, c.replicas) for c in changes if c.resource == "nostart"] == [
        (minutes(41), "RUNNING", 0), (minutes(50), "RUNNING", 1)]  # started some time from 12:41 to 12:50
    assert hour(dashboard) is None and hour(once) is None


def test_a_dashboard_reading_as_it_goes_reads_a_change_dated_before_its_last_read(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        # `short` (12:22 -> 12:29) first listed at 12:50, as the monitor's hourly whole listing finds a Job that
        # no listing of the running ones saw; a usage row at every poll: each load reads up to its poll
        for n in range(7):
            store.record(poll(minutes(10 * n), used=f"{n}.00", short_listed=minutes(50)))
            loaded = store.load(T0 - timedelta(hours=1))  # incremental after the first
    assert [(c.resource, c.at) for c in loaded.changes] == [
        ("short", minutes(22)), ("short", minutes(29)), ("late", minutes(45))]
