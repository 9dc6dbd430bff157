"""Uptime across a stretch hfmon was not running: a history file with two runs of polls and a gap between them.

Polls every 5 minutes on November 1 (the billing period starts at 00:00): run 1 from 00:00 to 02:00, hfmon off
from 02:00 to 12:00 (a laptop closed), run 2 from 12:00 to NOW, 14:00. Recorded through the store's API, loaded
as `hfmon once` loads it (a `Figures` load) and as the dashboard does (every
row), then evaluated, rendered as `--once --json` and checked by the alert rules.

- alice/llm (Endpoint) is seen running at every poll. Truth: up at least the 2 h since 12:00; whether it ran
  02:00-12:00 is unknown. Period: 4 h seen up of 14 h, 10 h (71.43 %) unwatched: at least 4/14 = 28.57 %.
- alice/nap (Space) runs 00:00-01:00, sleeps from 01:00 through the gap, runs again from 13:00. A Space gives no
  time for a change, so hfmon knows only that it went to sleep between the 00:55 and 01:00 polls and woke between
  12:55 and 13:00: up at least 1 h and at most 1 h 5 min. Period: 55 min + 1 h seen up, 10 min unknown, of 14 h: at
  least 1 h 55 min / 14 h = 13.69 % (before: "exactly 1 h", 14.29 %, the polls' times taken for the changes').
- alice/woke (Space) sleeps all through run 1 and is running at 12:00, the first poll after the gap: it started
  somewhere in the gap, so it is up at least 2 h and at most 12 h (it was seen asleep at 02:00).
- alice/late (Space) is running from 00:00 and goes to sleep at 13:00 (between the 12:55 and 13:00 polls): seen up
  2 h + 55 min, at least 2 h 55 min / 14 h = 20.83 % (its gap lies before its last change: `hfmon once` must still
  read what was recorded across it).
Without the gap (one run of polls all along) llm's figures are exact (100 %, 14 h); the Spaces' are bounds only,
each change having come in the 5 min before the poll that saw it.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from hfmon import format as fmt
from hfmon.alerts.checks import Outcome
from hfmon.alerts.rules import evaluate_rules
from hfmon.config import Alerts, Config
from hfmon.costs import evaluate, history_since
from hfmon.costs.evaluate import history_windows
from hfmon.costs.figures import history_figures
from hfmon.costs.period_uptime import UptimeShare, uptime_pct
from hfmon.costs.resources import EARLIEST
from hfmon.costs.uptime import resource_uptimes
from hfmon.history import PollRun, StateChange, unwatched
from hfmon.jsonout import report_document
from hfmon.models import Snapshot
from hfmon.report import Report
from hfmon.schemas import once_schema
from hfmon.store import HistoryStore
from tests.store.builders import billing, endpoint, namespace, snapshot, space, without_series

DAY = datetime(2026, 11, 1, tzinfo=UTC)  # the period's start (tests.store.builders.PERIOD_START)
NOW = DAY + timedelta(hours=14)
STEP = timedelta(minutes=5)
GAP = (DAY + timedelta(hours=2), DAY + timedelta(hours=12))


def at(hours: float) -> datetime:
    return DAY + timedelta(hours=hours)


def poll(when: datetime) -> Snapshot:
    nap = "RUNNING" if when < at(1) or when >= at(13) else "SLEEPING"
    woke = "RUNNING" if when >= at(12) else "SLEEPING"
    late = "RUNNING" if when < at(13) else "SLEEPING"
    return snapshot(when, namespace("alice", usage=billing("alice", "1.00"),
                                    endpoints=[replace(endpoint("alice", "llm"), updated_at=DAY)],  # up since
                                    spaces=[space("alice/nap", stage=nap), space("alice/woke", stage=woke),
                                            space("alice/late", stage=late)]))


def polls(gap: bool) -> list[datetime]:
    times, when = [], DAY
    while when <= NOW:
        if not (gap and GAP[0] < when < GAP[1]):
            times.append(when)
        when += STEP
    return times


def reports(tmp_path: Path, gap: bool) -> tuple[Report, Report]:
    """The Report at NOW as `hfmon once` reads history, and as the dashboard does."""
    path = tmp_path / "history.sqlite3"
    *earlier, last = polls(gap)
    with HistoryStore.open(path) as store:
        for when in earlier:
            store.record(poll(when))
        snap = poll(last)
        store.record(snap)  # as the Monitor does: the poll is written, then history is read
        since = history_since(snap, NOW)
        once = store.load(since, history_windows(snap, NOW, hourly=False), NOW, figures=history_figures(snap, NOW))
        every = store.load(since, history_windows(snap, NOW), NOW)
    return evaluate(snap, once, Config(), NOW), evaluate(snap, every, Config(), NOW)


@pytest.fixture(scope="module")
def gapped(tmp_path_factory: pytest.TempPathFactory) -> tuple[Report, Report]:
    return reports(tmp_path_factory.mktemp("gapped"), gap=True)


def rows(report: Report) -> dict[str, dict[str, object]]:
    doc = report_document(report)
    jsonschema.validate(doc, once_schema())
    return {r.get("id") or f"{r['namespace']}/{r['name']}": r for r in (*doc["endpoints"], *doc["spaces"])}


def test_the_gap_is_read_from_the_poll_runs(gapped: tuple[Report, Report]) -> None:
    for report in gapped:
        # the last poll of run 1 at 02:00, the first of run 2 at 12:00
        assert report.unwatched[("alice", "endpoint")][-1] == report.unwatched[("alice", "space")][-1] == GAP


def test_period_uptime_across_the_gap_is_a_lower_bound_with_the_unwatched_share(
        gapped: tuple[Report, Report]) -> None:
    once, dashboard = gapped
    for report in gapped:
        llm, nap, woke, late = (rows(report)[k] for k in ("alice/llm", "alice/nap", "alice/woke", "alice/late"))
        # 14 h window, 10 h of it unwatched: 10/14 = 71.43 %; seen up 4 h, 1 h 55 min, 2 h and 2 h 55 min
        for row, up_h in ((llm, 4), (nap, 1 + 55 / 60), (woke, 2), (late, 2 + 55 / 60)):
            assert row["uptime_pct"] is None  # never a plain figure counting the gap as up, nor as down
            assert row["uptime_at_least_pct"] == round(up_h / 14 * 100, 2)
            assert row["uptime_unwatched_pct"] == 71.43
            # the last 24 h reach back before history began (00:00): the same 14 h are seen
            assert row["uptime_24h_pct"] is None and row["uptime_24h_at_least_pct"] == round(up_h / 14 * 100, 2)
    once, dashboard = without_series(once), without_series(dashboard)  # `hfmon once` has no hourly figures
    assert once.endpoints == dashboard.endpoints and once.spaces == dashboard.spaces  # one figure either way
    llm_cost = once.endpoints[0].cost
    assert fmt.percent_at_least(llm_cost.uptime_pct, llm_cost.uptime_at_least_pct) == "≥29%"
    assert fmt.uptime_share(llm_cost.uptime_pct, llm_cost.uptime_at_least_pct, llm_cost.uptime_unwatched_pct,
                            "the period") == "≥29% of the period (hfmon has no history of 71% of it)"


def test_up_without_a_break_counts_from_the_end_of_the_gap(gapped: tuple[Report, Report]) -> None:
    once, dashboard = gapped
    assert resource_uptimes(once) == resource_uptimes(dashboard)
    up = {u.id: u.uptime for u in resource_uptimes(once)}
    assert up["alice/llm"].at_least == timedelta(hours=2) and not up["alice/llm"].exact  # not 14 h
    assert up["alice/llm"].at_most is None  # running at the first state history holds: no upper bound
    nap = up["alice/nap"]  # seen asleep at 12:55, running at 13:00: up since some time in between
    assert (nap.at_least, nap.at_most, nap.exact) == (timedelta(hours=1), timedelta(hours=1, minutes=5), False)
    assert up["alice/woke"].at_least == timedelta(hours=2) and not up["alice/woke"].exact
    assert up["alice/woke"].at_most == timedelta(hours=12)  # asleep at 02:00, the last poll before the gap


def long_running(report: Report, hours: int) -> dict[str, tuple[Outcome, str]]:
    [result] = [r for r in evaluate_rules(report, Alerts(long_running_hours=Decimal(hours)), {})
                if r.rule == "long_running_hours"]
    return {r.subject: (r.outcome, r.message) for r in result.readings}


def test_the_long_running_alert_fires_on_the_watched_stretch_and_is_unknown_across_the_gap(
        gapped: tuple[Report, Report]) -> None:
    once, _ = gapped
    # limit 1 h: llm's 2 h seen since the gap alone are past it
    assert long_running(once, 1)["endpoint alice/llm"][0] is Outcome.CROSSED
    # limit 3 h: 2 h seen, 14 h only if it ran while hfmon was off: unknown, never "holds"
    three = long_running(once, 3)
    assert three["endpoint alice/llm"] == (
        Outcome.UNKNOWN, "Endpoint or Space up without a break (endpoint alice/llm): unknown, hfmon was not running "
                         "for 10h until 2026-11-01 12:00 UTC, so whether it stayed up then is unknown")
    assert three["space alice/woke"][0] is Outcome.UNKNOWN  # at least 2 h, at most 12 h
    assert three["space alice/nap"][0] is Outcome.OK  # 1 h to 1 h 5 min
    # limit 13 h: woke cannot have been up longer than the 12 h since it was seen asleep; llm may have been
    thirteen = long_running(once, 13)
    assert thirteen["space alice/woke"][0] is Outcome.OK
    assert thirteen["endpoint alice/llm"][0] is Outcome.UNKNOWN


def test_one_run_of_polls_all_along_gives_the_exact_figures(tmp_path: Path) -> None:
    once, dashboard = reports(tmp_path, gap=False)
    gaps = once.unwatched[("alice", "endpoint")]
    assert not gaps[1:] and gaps[0][1] == DAY  # only the time before history began
    for report in (once, dashboard):
        llm, nap, woke, late = (rows(report)[k] for k in ("alice/llm", "alice/nap", "alice/woke", "alice/late"))
        assert llm["uptime_pct"] == llm["uptime_at_least_pct"] == 100.0 and llm["uptime_unwatched_pct"] == 0.0
        # each Space change came in the 5 min before the poll that saw it: those 5 min are up or not, unknown.
        # nap: up 00:00-00:55 and 13:00-14:00 at least; woke: from 12:00; late: 00:00-12:55
        for row, up_h, unsure in ((nap, 1 + 55 / 60, 10), (woke, 2, 5), (late, 12 + 55 / 60, 5)):
            assert row["uptime_pct"] is None and row["uptime_at_least_pct"] == round(up_h / 14 * 100, 2)
            assert row["uptime_state_unknown_pct"] == round(unsure / 60 / 14 * 100, 2)
    up = {u.id: u.uptime for u in resource_uptimes(once)}
    assert up["alice/llm"].at_least == timedelta(hours=14) and not up["alice/llm"].exact  # up as history began
    woke = up["alice/woke"]  # seen asleep at 11:55, running at 12:00
    assert (woke.at_least, woke.at_most, woke.exact) == (timedelta(hours=2), timedelta(hours=2, minutes=5), False)
    assert long_running(once, 3)["space alice/woke"][0] is Outcome.OK
    assert long_running(once, 3)["endpoint alice/llm"][0] is Outcome.CROSSED  # 14 h, watched all along


def test_complete_billed_spans_fill_the_gap_and_make_the_share_exact() -> None:
    # a job's own start and finish (or a statement's dense lines) say when it billed, watched or not
    running = [StateChange("endpoint", "alice/llm", DAY, "running", "aws/nvidia-a10g/x1", 2)]
    gaps = unwatched([PollRun(DAY, GAP[0], 300), PollRun(GAP[1], NOW, 300)], EARLIEST, NOW)
    assert gaps == [(EARLIEST, DAY), GAP]
    seen = uptime_pct("endpoint", running, [], None, DAY, NOW, unwatched=gaps)
    assert seen == UptimeShare(None, Decimal("28.57"), Decimal("71.43"))  # 4 h of 14 seen up, 10 h unknown
    # billed 00:00-03:00 and 11:00-14:00: 6 h of 14, the gap's 2 h of them known from the spans
    spans = [(DAY, at(3)), (at(11), NOW)]
    assert uptime_pct("endpoint", running, spans, DAY, DAY, NOW, unwatched=gaps) == UptimeShare(
        Decimal("42.86"), Decimal("42.86"), Decimal(0))
    # spans complete only from 07:00: 02:00-07:00 stays unknown (5 h of 14 = 35.71 %); 11:00-12:00 is known
    assert uptime_pct("endpoint", running, spans, at(7), DAY, NOW, unwatched=gaps) == UptimeShare(
        None, Decimal("35.71"), Decimal("35.71"))
    assert uptime_pct("endpoint", running, [], None, DAY, NOW) == UptimeShare(  # no runs known: as before
        Decimal(100), Decimal(100), Decimal(0))


def test_time_in_a_state_whose_billing_is_undocumented_is_neither_up_nor_down() -> None:
    # llm runs from 00:00, then updates from 12:00 with its replica ready (`bills_unknown`: its cost then is
    # unknown): 12 h of 14 up, 2 h unknown (14.29 %), never counted as down; with no replica ready it bills nothing
    changes = [StateChange("endpoint", "alice/llm", DAY, "running", "aws/nvidia-a10g/x1", 1),
               StateChange("endpoint", "alice/llm", at(12), "updating", "aws/nvidia-a10g/x1", 1)]
    share = uptime_pct("endpoint", changes, [], None, DAY, NOW)
    assert share == UptimeShare(None, Decimal("85.71"), Decimal(0), Decimal("14.29"))
    assert fmt.uptime_share(share.exact, share.at_least, share.unwatched, "the period", share.unsure) == (
        "≥86% of the period (in a state whose billing is undocumented for 14% of it)")
    idle = [changes[0], replace(changes[1], replicas=0)]
    assert uptime_pct("endpoint", idle, [], None, DAY, NOW) == UptimeShare(
        Decimal("85.71"), Decimal("85.71"), Decimal(0), Decimal(0))
    # an unwatched stretch across the update (11:00-13:00) is counted once, as unwatched
    gaps = [(at(11), at(13))]
    assert uptime_pct("endpoint", changes, [], None, DAY, NOW, unwatched=gaps) == UptimeShare(
        None, Decimal("78.57"), Decimal("14.29"), Decimal("7.14"))
