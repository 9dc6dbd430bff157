"""End to end: the JSON's 24 h burn rate is never a shorter span's rate under the 24 h name (audit 5 #17).

The demo account (seed 7), `hfmon --once --json --namespace ada` with history, polled every 10 minutes from Nov 18
14:00 to 15:00 (hfmon's clock pinned to the fake's). November began 17 days before, so the trailing 24 h reach back
past history's start: no usage total from 24 h ago exists. usage-v2's total for ada read $1.80169178 at 14:00 and
$1.85204799 at 15:00 (placeholders included, which settle lower). Before: `burn_rate_24h_usd_per_day` was that hour
x 24 = $0.05035621 x 24 = $1.208549/day, against $0.14/day over the real trailing 24 h. Without history a day old it
is measured from usage-v2's figure of 25 h ago (asked for Nov 1 → Nov 17 14:00 at 15:00: $1.70752918), as the
projection's rate is: ($1.85204799 - $1.70752918) / (25/24) = $0.138738/day; were that figure unread, it would be null
and `burn_rate_24h_why` would say history is shorter than 24 h (tests/costs/test_credits.py). The period's first 4 h
stay the projection's rule (tests/cli/test_credits_first_hour_e2e.py).
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from hfmon.fakehub import FakeHub, demo_scenario
from hfmon.fakehub.server import serve
from hfmon.schemas import once_schema
from tests.cli.test_once_e2e import Served

pytestmark = pytest.mark.e2e


def test_an_hour_of_history_measures_the_24h_rate_from_usage_v2s_figure_of_a_day_ago(tmp_path: Path) -> None:
    scenario = demo_scenario(seed=7)
    clock = [scenario.start - timedelta(hours=1)]
    hub = FakeHub(scenario, now=lambda: clock[0])
    with serve(hub, port=0) as server:
        served = Served(hub, server.base_url, tmp_path / "data")
        for minutes in range(0, 61, 10):
            clock[0] = scenario.start - timedelta(minutes=60 - minutes)
            run = served.run("--once", "--json", "--namespace", "ada", frozen_clock=True)
            assert run.code in (0, 1), run.stderr
    doc = run.doc()
    jsonschema.validate(doc, once_schema())
    c = doc["credits"][0] if isinstance(doc["credits"], list) else doc["credits"]
    assert Decimal(str(c["used_usd"])) == Decimal("1.852048")  # 1.85204799 to the micro-dollar
    assert c["burn_rate_24h_usd_per_day"] == 0.138738  # was 1.208549: one hour of placeholders x 24
    assert c["burn_rate_24h_why"] is None and c["rate_measured_from"] == "2026-11-17T14:00:00Z"
    assert c["burn_rate_usd_per_day"] is not None  # the period's own rate is measured as before
