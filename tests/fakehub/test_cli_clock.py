"""`hfmon fake-hub`'s clock: anchored at the wall clock's now by default, pinned with --at-scenario-start."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta

from hfmon.fakehub.cli import add_arguments, build_hub
from hfmon.fakehub.demo import START
from tests.fakehub.conftest import HUB, get_json

WALL = datetime(2027, 3, 9, 10, 42, 17, tzinfo=UTC)  # any instant: passed in, never read from the machine


def flags(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_arguments(parser)
    return parser.parse_args(list(argv))


def test_the_clock_starts_at_now_and_the_scenario_moves_with_it() -> None:
    hub = build_hub(flags(), wall=lambda: WALL)
    assert hub.scenario.start == datetime(2027, 3, 9, 10, 42, tzinfo=UTC)  # moved by whole minutes
    assert WALL <= hub.now() < WALL + timedelta(seconds=30)  # speed 1: it runs with the wall clock
    # The l4x1 job was created 37 min before the start instant and scheduled for 2 min: it has run 35 min.
    jobs = get_json(hub, f"{HUB}/api/jobs/ada")
    running = [j for j in jobs if j["status"]["stage"] == "RUNNING"]
    assert [j["startedAt"] for j in running] == ["2027-03-09T10:07:00.000Z"]
    statement = get_json(hub, f"{HUB}/api/settings/billing/usage")["period"]
    assert statement["periodStart"] == "2027-03-01T00:00:00.000Z"  # the calendar month of now


def test_at_scenario_start_pins_the_clock_to_the_fixed_instant() -> None:
    hub = build_hub(flags("--at-scenario-start", "--speed", "60"), wall=lambda: WALL)
    assert hub.scenario.start == START
    assert START <= hub.now() < START + timedelta(minutes=30)
    jobs = get_json(hub, f"{HUB}/api/jobs/ada")
    assert [j["startedAt"] for j in jobs if j["status"]["stage"] == "RUNNING"] == ["2026-11-18T14:25:00.000Z"]
