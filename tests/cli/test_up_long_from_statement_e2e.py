"""End to end: "up without a break" (the `long_running_hours` alert and the exporter's
`hfmon_resource_up_at_least_seconds`, one rule in `costs.uptime`) reads the statement where hfmon's own history does
not reach back. On the demo (seed 7) at Nov 18 15:00, hfmon's first poll, the statement has one line still accruing
for ada-labs/internal-dashboard (cpu-upgrade, one replica, startedAt Nov 1 00:00) that billed every minute of its
span, and one for ada/forgotten-finetune (startedAt Nov 3 09:12): they have been up at least 17 d 15 h (423 h =
1,522,800 s) and 15 d 5 h 48 min (1,316,880 s). History alone said 0 s ("already up when hfmon's history began"):
the 72 h alert stayed silent for hfmon's first three days.

A line's minutes are replica-minutes (audit 9 F4): only a line with its span's minutes times the most replicas the
resource can bill at once proves it billed all along. ada-labs/qwen-prod (2 or 3 replicas, max 4) paused for two days
still bills 2 x the minutes it ran, more than the span's minutes: it read "up without a break since Nov 1"."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from hfmon.alerts.checks import Outcome
from hfmon.alerts.rules import up_too_long
from hfmon.exporter.metrics import AccountView, families
from hfmon.fakehub import demo_scenario
from hfmon.fakehub.timeline import Interval
from tests.cli.test_once_e2e import Served, fake
from tests.tui.demo import frozen_demo

pytestmark = pytest.mark.e2e
__all__ = ["fake"]  # the loopback fake hub fixture, shared with test_once_e2e

DASHBOARD_423H = 423 * 3600  # Nov 1 00:00 to Nov 18 15:00
_NOV = lambda day: datetime(2026, 11, day, tzinfo=UTC)  # noqa: E731
FINETUNE = (15 * 24 + 5) * 3600 + 48 * 60  # Nov 3 09:12 to Nov 18 15:00


def test_the_first_poll_fires_the_72h_alert_from_the_statement(fake: Callable[..., Served], tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text("[alerts]\nlong_running_hours = 72\n")
    run = fake().run("--once", "--json", "--config", str(config), frozen_clock=True)
    assert run.code == 0, run.stderr
    # was: no alert at all (history began at this poll: "up at least 0s", unknown)
    assert ("Endpoint or Space up without a break (space ada-labs/internal-dashboard): up at least 17d 15h, above "
            "the limit 3d") in run.stderr
    assert "(space ada/forgotten-finetune): up at least 15d 05h, above the limit 3d" in run.stderr
    # 2 or 3 replicas of at most 4: its line's replica-minutes cannot say it never stopped (history decides)
    assert "(endpoint ada-labs/qwen-prod)" not in run.stderr


def test_a_two_replica_endpoint_paused_for_two_days_is_not_up_since_the_1st(
        fake: Callable[..., Served], tmp_path: Path) -> None:
    # audit 9 F4: qwen-prod runs 2 replicas (max 4), paused Nov 10 00:00 - Nov 12 00:00. Its one line for the period
    # (HF sums the runs) starts Nov 1 00:00 with 2 x 22,500 = 45,000 replica-minutes, more than the 25,380 minutes
    # since Nov 1: it read "up without a break" since then (17 d 15 h, alert) and its uptime 100 %. True: up since
    # Nov 12 00:00 (6 d 15 h = 159 h, under the 200 h limit), uptime (423 h - 48 h) / 423 h = 88.65 %.
    scenario = demo_scenario(seed=7, discrepancies=False)  # the statement bills exactly what ran
    endpoints = []
    for e in scenario.endpoints:
        if e.name == "qwen-prod":
            hw = e.timeline[-1].hardware
            e = replace(e, timeline=(Interval(e.timeline[0].start, _NOV(10), "running", 2, hw),
                                     Interval(_NOV(10), _NOV(12), "paused", 0, hw),
                                     Interval(_NOV(12), None, "running", 2, hw)))
        endpoints.append(e)
    config = tmp_path / "config.toml"
    config.write_text("[alerts]\nlong_running_hours = 200\n")
    run = fake(replace(scenario, endpoints=tuple(endpoints))).run(
        "--once", "--json", "--no-history", "--config", str(config), frozen_clock=True)
    assert run.code == 0, run.stderr
    assert "(endpoint ada-labs/qwen-prod)" not in run.stderr  # was: "up at least 17d 15h, above the limit 8d 08h"
    qwen = next(e for e in run.doc()["endpoints"] if e["name"] == "qwen-prod")
    assert qwen["billed_hours"] == 750.0  # 45,000 replica-minutes, as HF bills them
    # was 100.0: without history, when it was up is unknown (never 100 %)
    assert (qwen["uptime_pct"], qwen["uptime_at_least_pct"]) == (None, None)


def test_the_exporter_serves_the_statements_stretch_and_the_rule_says_where_it_comes_from() -> None:
    async def first_poll() -> tuple[dict[str, float], dict[str, tuple[Outcome, str, str]]]:
        monitor, _ = frozen_demo(scenario=demo_scenario(seed=7))
        try:
            report = await monitor.poll()
        finally:
            monitor.close()
        served = {s.labels["name"]: s.value for f in families([AccountView("default", report)])
                  if f.name == "hfmon_resource_up_at_least_seconds" for s in f.samples}
        readings = {r.subject: (r.outcome, r.figure, r.why) for r in up_too_long(report, Decimal(500))}
        return served, readings

    served, readings = asyncio.run(first_poll())
    assert served["internal-dashboard"] == DASHBOARD_423H  # was 0.0
    assert served["forgotten-finetune"] == FINETUNE
    assert served["qwen-prod"] == 0.0  # 2 or 3 replicas of 4: its line proves nothing, and history just began
    # 423 h is under a 500 h limit, and the line cannot say what came before Nov 1: unknown, never "ok"
    assert readings["space ada-labs/internal-dashboard"] == (
        Outcome.UNKNOWN, "up at least 17d 15h",
        "its statement has billed it without a break since 2026-11-01 00:00 UTC; what came before is unknown")
    # video-gen sleeps and wakes: its lines do not bill every minute of their span, so history alone speaks
    assert served["video-gen"] == 0.0


def test_up_without_a_break_spans_the_periods_rollover() -> None:
    # audit 7 C5: polls every 10 min from Nov 30 23:40. On Dec 1 the statement's new line for internal-dashboard
    # starts at 00:00 (the period's start), so the line alone says 10 min at 00:10, and history began at 23:40: 30 min.
    # It was read at 23:50 as billed without a break since Nov 1 00:00, and history saw it up ever since: up at least
    # Nov 1 00:00 -> Dec 1 00:10 = 30 d 10 min (2,592,600 s), as at 23:50 (30 d less 10 min).
    async def polls() -> list[tuple[dict[str, float], dict[str, tuple[Outcome, str, str]]]]:
        monitor, clock = frozen_demo(at=datetime(2026, 11, 30, 23, 40, tzinfo=UTC), scenario=demo_scenario(seed=7))
        out = []
        try:
            for _ in range(4):  # 23:40, 23:50, 00:00, 00:10
                report = await monitor.poll()
                served = {s.labels["name"]: s.value for f in families([AccountView("default", report)])
                          if f.name == "hfmon_resource_up_at_least_seconds" for s in f.samples}
                out.append((served, {r.subject: (r.outcome, r.figure, r.why)
                                     for r in up_too_long(report, Decimal(72))}))
                clock.at = clock.now() + timedelta(minutes=10)
        finally:
            monitor.close()
        return out

    readings = asyncio.run(polls())
    before, after = readings[1], readings[3]
    assert before[0]["internal-dashboard"] == 30 * 86400 - 600
    assert after[0]["internal-dashboard"] == 30 * 86400 + 600  # was 1,800 (the 30 min since history began)
    # the 72 h alert holds (was unknown, "up at least 30m", until Dec 4)
    assert after[1]["space ada-labs/internal-dashboard"][:2] == (Outcome.CROSSED, "up at least 30d")
    # qwen-prod runs 2 or 3 replicas of at most 4: its lines prove nothing, history says 30 min
    assert after[0]["qwen-prod"] == 1800


def test_history_s_most_replicas_decide_the_kept_bound_as_they_decide_the_statement_s() -> None:
    # internal-dashboard (cpu-upgrade) ran 2 replicas Nov 1 - Nov 5, slept Nov 5 - Nov 7, and runs 1 replica since
    # (requested 2, then 1). hfmon polled Nov 3 (it saw 2 replicas), then not until Nov 15. The period's one line
    # starts Nov 1 with 4 d x 2 + 8 d x 1 = 16 d of replica-minutes, more than the 14 d since Nov 1 but less than
    # 2 x 14 d: the Report's `billed_since` (history's 2 replicas) said nothing, while the bound kept in history
    # (the listing's 1 replica) said "billed without a break since Nov 1": up at least 14 d, a 200 h alert crossed.
    # True: up since Nov 7 00:00, 192 h at Nov 15 00:00 (under 200 h); hfmon did not watch Nov 3 - Nov 15.
    scenario = demo_scenario(seed=7)
    spaces = []
    for s in scenario.spaces:
        if s.id == "ada-labs/internal-dashboard":
            hw = s.timeline[-1].hardware
            s = replace(s, timeline=(Interval(s.timeline[0].start, _NOV(5), "RUNNING", 2, hw, 2),
                                     Interval(_NOV(5), _NOV(7), "SLEEPING", 0, hw, 1),
                                     Interval(_NOV(7), None, "RUNNING", 1, hw, 1)))
        spaces.append(s)

    async def polls() -> list[tuple[float, tuple[Outcome, str, str], datetime | None]]:
        monitor, clock = frozen_demo(at=_NOV(3), scenario=replace(scenario, spaces=tuple(spaces)))
        out = []
        try:
            for at in (_NOV(3), _NOV(3) + timedelta(minutes=10), _NOV(15), _NOV(15) + timedelta(minutes=10)):
                clock.at = at
                report = await monitor.poll()
                served = {s.labels["name"]: s.value for f in families([AccountView("default", report)])
                          if f.name == "hfmon_resource_up_at_least_seconds" for s in f.samples}
                reading = {r.subject: (r.outcome, r.figure, r.why) for r in up_too_long(report, Decimal(200))}
                row = next(s for s in report.spaces if s.space.id == "ada-labs/internal-dashboard")
                out.append((served["internal-dashboard"], reading["space ada-labs/internal-dashboard"],
                            row.cost.billed_since))
        finally:
            monitor.close()
        return out

    readings = asyncio.run(polls())
    assert readings[1][0] == 2 * 86400 + 600  # Nov 3 00:10: its line billed 2 replicas every minute since Nov 1
    last = readings[3]
    assert last[2] is None  # the statement proves no unbroken run: it may have stopped (it did, Nov 5 - Nov 7)
    # was 1,210,200 s, "up at least 14d without a break (billed all along)", CROSSED
    assert last[0] == 600  # what hfmon watched: since its first poll after the gap
    assert last[1][:2] == (Outcome.UNKNOWN, "up at least 10m")
