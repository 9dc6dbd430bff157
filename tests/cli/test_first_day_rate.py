"""A new install's first day: history holds no usage total a day old, so the projection's rate starts at usage-v2's
figure asked for 25 h ago (audit 6 B3). It used to start at the period's start: after 1 h a user spending ten times
the period's average read "credits run out Nov 19 16:05" where they ran out that day, and `guard
--max-projected-usd` passed on the period's average."""

from __future__ import annotations

import json
import urllib.request
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from hfmon.fakehub import FULL_TOKEN
from tests.cli.test_once_e2e import Served, fake  # noqa: F401 - the fixture

NOV_1 = datetime(2026, 11, 1, tzinfo=UTC)
DEC_1 = datetime(2026, 12, 1, tzinfo=UTC)


def used_by(served: Served, at: datetime) -> Decimal:
    """ada's Inference Providers spend from Nov 1 to `at`, straight from the fake's usage-v2 (nano-USD)."""
    url = (f"{served.base_url}/api/settings/billing/usage-v2?startDate={int(NOV_1.timestamp())}"
           f"&endDate={int(at.timestamp())}")
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {FULL_TOKEN}"})
    with urllib.request.urlopen(request, timeout=30) as answer:
        body = json.load(answer)
    return Decimal(body["usage"]["inferenceProviders"]["usedNanoUsd"]) / 10**9


@pytest.mark.e2e
def test_the_first_poll_measures_the_last_day_not_the_periods_average(fake: Callable[..., Served]) -> None:  # noqa: F811
    served = fake()
    now = served.hub.now()  # Nov 18 15:00, no history
    day_ago = now - timedelta(hours=25)
    used, used_then = used_by(served, now), used_by(served, day_ago)
    run = served.run("--once", "--json", "--no-history", frozen_clock=True)
    assert run.code == 0, run.stderr
    doc = run.doc()
    ada = doc["credits"]
    assert ada["namespace"] == "ada" and Decimal(str(ada["used_usd"])) == used.quantize(Decimal("0.000001"))
    # the window: from 25 h ago (usage-v2's figure then) to now (no history: the figure read now)
    assert (ada["rate_measured_from"], ada["rate_measured_to"]) == ("2026-11-17T14:00:00Z", "2026-11-18T15:00:00Z")
    rate = (used - used_then) / (Decimal(25) / 24)  # USD a day
    period_average = used / (Decimal(17) + Decimal(15) / 24)  # what it used to measure: Nov 1 00:00 to now
    assert rate > period_average * Decimal("1.2")  # ada's last day runs well above her month so far
    assert ada["projection_rate_usd_per_day"] == pytest.approx(float(rate), abs=2e-6)
    days_left = Decimal((DEC_1 - now).total_seconds()) / 86400
    assert ada["projected_period_usd"] == pytest.approx(float(used + rate * days_left), abs=1e-5)
    # the credits ($2.00) run out when the rest of them is spent at that rate
    out = now + timedelta(days=float((Decimal(2) - used) / rate))
    assert abs(datetime.fromisoformat(ada["exhausts_at"].replace("Z", "+00:00")) - out) < timedelta(seconds=2)
    assert doc["sources"]["billing_day_ago:ada"]["status"] == "ok"
    # guard judges the same projection: a limit between the period's average and the last day's pace fails
    limit = (used + (rate + period_average) / 2 * days_left).quantize(Decimal("0.01"))
    check = served.run("guard", "--namespace", "ada", "--max-projected-usd", str(limit), "--no-history",
                       frozen_clock=True)
    assert check.code == 1, check.stdout + check.stderr
    assert "FAIL" in check.stdout


@pytest.mark.e2e
def test_on_the_periods_first_day_there_is_no_day_ago_to_ask(fake: Callable[..., Served]) -> None:  # noqa: F811
    from dataclasses import replace

    from hfmon.fakehub import demo_scenario

    scenario = demo_scenario(seed=7)
    served = fake(replace(scenario, start=datetime(2026, 11, 1, 20, tzinfo=UTC)))
    run = served.run("--once", "--json", "--no-history", frozen_clock=True)
    doc = run.doc()
    assert "billing_day_ago:ada" not in doc["sources"]  # Oct 31 19:00 is another period: not asked
    assert doc["credits"]["rate_measured_from"] == "2026-11-01T00:00:00Z"
