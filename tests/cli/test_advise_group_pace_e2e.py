"""End to end: `hfmon advise` says which pace a resource group's "breaks around" rests on (audit 6 B9, in part).
The demo (seed 7) at Nov 18 15:00: ada-labs/research has spent $242.27 of its $261.00 total limit in 423 h, the
month's average $13.75/day (242.27 / 423 x 24); at that pace it breaks around Nov 19 23:42 UTC. It really spends
~$55/day and crosses the limit near Nov 18 23:20: hfmon keeps no history of a group's spend to measure that, so the
line now says the time comes from the month's average, never as if it were the current pace."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from tests.cli.test_once_e2e import Served, fake

pytestmark = pytest.mark.e2e
__all__ = ["fake"]  # the loopback fake hub fixture, shared with test_once_e2e


def test_a_groups_break_time_says_it_is_the_months_average(fake: Callable[..., Served]) -> None:
    served = fake()
    text = " ".join(served.run("advise", "--no-history", "--namespace", "ada-labs", frozen_clock=True).stdout.split())
    assert ("resource group research total limit of $261.00: $242.27 spent, $412.37 by the period's end; breaks "
            "around Nov 19 23:42 UTC (at the month's average so far, $13.75/day; hfmon keeps no history of a "
            "group's spend to measure a recent pace, which may be faster)") in text
    doc = served.run("advise", "--json", "--no-history", "--namespace", "ada-labs", frozen_clock=True).doc()
    [pace] = [w for w in doc["pace"] if w["budget"] == "resource group research total limit"]
    assert pace["rate_basis"].startswith("at the month's average so far, $13.75/day")
