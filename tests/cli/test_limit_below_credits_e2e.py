"""A spending limit below the included credits (audit 7 D8): HF refuses every Inference Providers request once the
limit is reached (402), so what can still be used of the credits is the lesser of what they and the limit leave.
The PRO demo user ada ($2.00 included) with a spending limit, against the loopback fake, without history.

By hand: Nov 24 10:00, limit $1.00: ada has used $1.001152 (the request that crossed the limit overshot it), so
min($2.00, $1.00) - $1.001152 < 0: $0.00 can be used (was "$1.00 left", $2.00 - $1.001152, and `guard
--min-remaining-credits-usd 0.5` said ok). Nov 8 10:00, limit $1.50: used u (about $0.75), $1.50 - u left (was
$2.00 - u, about $1.25: a guard at $1.00 passed)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pytest

from hfmon.fakehub import FakeHub, demo_scenario
from hfmon.fakehub.server import serve
from hfmon.tui.app import HfmonApp
from tests.cli.test_once_e2e import Served
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, text_of

NOV_24 = datetime(2026, 11, 24, 10, tzinfo=UTC)
NOV_8 = datetime(2026, 11, 8, 10, tzinfo=UTC)


@contextmanager
def limited(limit: float, moment: datetime, tmp_path: Path) -> Iterator[Served]:
    """The demo account with ada's spending limit at `limit`, on loopback, frozen at `moment`."""
    hub = FakeHub(demo_scenario(seed=7, spending_limit_usd=limit), now=lambda: moment)
    with serve(hub, port=0) as server:
        yield Served(hub, server.base_url, tmp_path / "data")


def ada_credits(served: Served) -> dict[str, float]:
    credits: dict[str, float] = served.run("--once", "--json", "--no-history", "--namespace", "ada",
                                           frozen_clock=True).doc()["credits"]
    return credits


@pytest.mark.e2e
def test_a_reached_limit_below_the_credits_leaves_none_of_them(tmp_path: Path) -> None:
    with limited(1.0, NOV_24, tmp_path) as served:
        c = ada_credits(served)
        assert (c["included_usd"], c["limit_usd"], c["used_usd"]) == (2.0, 1.0, 1.001152)
        assert (c["remaining_usd"], c["overage_usd"]) == (0.0, 0.0)
        text = " ".join(served.run("--once", "--no-history", "--namespace", "ada", frozen_clock=True).stdout.split())
        assert "ada Inference Providers: $1.00 of $2.00 $0.00 left under its $1.00 spending limit" in text
        guard = served.run("guard", "--no-history", "--namespace", "ada", "--min-remaining-credits-usd", "0.5",
                           frozen_clock=True)
        assert guard.code != 0 and "FAIL    included credits remaining (ada): $0.00, below the minimum $0.50" \
            in guard.stdout, guard.stdout + guard.stderr


@pytest.mark.e2e
def test_a_limit_below_the_credits_not_reached_yet_leaves_what_it_allows(tmp_path: Path) -> None:
    with limited(1.5, NOV_8, tmp_path) as served:
        c = ada_credits(served)
        used = Decimal(str(c["used_usd"]))
        assert Decimal("0.5") < used < Decimal("1.0")
        assert Decimal(str(c["remaining_usd"])) == Decimal("1.5") - used  # the limit's, not $2.00 - used
        guard = served.run("guard", "--no-history", "--namespace", "ada", "--min-remaining-credits-usd", "1",
                           frozen_clock=True)
        assert guard.code != 0 and "included credits remaining (ada)" in guard.stdout, guard.stdout


async def test_the_dashboards_credits_card_says_the_limit_leaves_none() -> None:
    monitor, _ = frozen_demo(NOV_24, history=False, scenario=demo_scenario(seed=7, spending_limit_usd=1.0))
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    async with app.run_test(size=(160, 50)) as pilot:
        await settle(app, pilot)
        card = " ".join(text_of(app, "#credits").split())
        assert "ada $1.00 of $2.00 incl. 50% · $0.00 left under its $1.00 spending limit" in card


NOV_18 = datetime(2026, 11, 18, 15, tzinfo=UTC)


@pytest.mark.e2e
def test_the_text_says_when_the_spending_limit_stops_requests(tmp_path: Path) -> None:
    # audit 8 E11: a $1.90 limit under the $2.00 included, $0.05 left of it: `--once` gave no date at all, while the
    # JSON's limit_hit_at was that night (every request refused with 402 from then)
    with limited(1.9, NOV_18, tmp_path) as served:
        c = ada_credits(served)
        hit = datetime.fromisoformat(c["limit_hit_at"])
        assert NOV_18 < hit < datetime(2026, 12, 1, tzinfo=UTC)
        text = " ".join(served.run("--once", "--no-history", "--namespace", "ada", frozen_clock=True).stdout.split())
        assert (f"spending limit $1.90 reached at {hit:%b} {hit.day} {hit:%H:%M} at this rate: requests refused "
                "from then") in text


@pytest.mark.e2e
def test_the_text_says_a_reached_spending_limit_refuses_requests(tmp_path: Path) -> None:
    with limited(1.0, NOV_24, tmp_path) as served:
        text = " ".join(served.run("--once", "--no-history", "--namespace", "ada", frozen_clock=True).stdout.split())
        assert ("spending limit $1.00 reached: HF refuses its requests until the period ends (Dec 1) or the limit "
                "is raised") in text
