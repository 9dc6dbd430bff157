"""A spend window's Inference Providers part is usage-v2's own figure for that window (audit 8 E2).

The Monitor polls the demo account (seed 7) every 10 min from 12:50 to 15:00, the fake's clock and hfmon's the same.
usage-v2's total of ada-labs read at 14:00 was $6.555202580, $0.01 of it the placeholder of a request of 13:58-14:00
that settled at about $0.0014 (hf-api.md 3.6); read at 15:00, $6.570792. The rise, $0.015589, was the last hour's
inference, given as exact. usage-v2 asked for 14:00 -> 15:00 answers $0.024194300 (the fake's traffic: $0.0141943
settled and one request of the last 2 min at its $0.01 placeholder, pending as the period's own): $0.024194.
The 24 h window, which history does not cover (polls since 12:50 only), has its inference all the same: $0.401899.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.format import missing_note
from hfmon.jsonout import report_document
from hfmon.report import Report
from hfmon.usage_period import window_asks
from tests.monitor.test_windows_between_polls import LABS, hour, polls_to_three

NANO = Decimal("1e-9")
HOUR_ASKED = Decimal("0.024194")  # usage-v2 asked for 14:00 -> 15:00
HISTORY_RISE = Decimal("6.570792") - Decimal("6.555203")  # the totals read at 15:00 and 14:00: what was shown


def window(report: Report, name: str, namespace: str) -> dict[str, Any]:
    (row,) = [n["current"] for n in report_document(report)["windows"][name]["namespaces"]
              if n["namespace"] == namespace]
    return dict(row)


async def test_the_last_hours_inference_is_what_usage_v2_says_of_that_hour(tmp_path: Path) -> None:
    scenario = demo_scenario(seed=7)
    fake = FakeHub(scenario, now=lambda: scenario.start)  # the truth, by the fake's own traffic
    hour_start, period_start = scenario.start - timedelta(hours=1), datetime(2026, 11, 1, tzinfo=UTC)
    assert fake.traffic.totals(LABS, hour_start, scenario.start, scenario.start).used_nano_usd * NANO == \
        Decimal("0.024194300")
    at_14 = FakeHub(scenario, now=lambda: hour_start).traffic.totals(LABS, period_start, hour_start, hour_start)
    assert at_14.placeholder_nano_usd > 0  # the reading at the window's start held a placeholder

    report = await polls_to_three(tmp_path, 10)
    labs = hour(report, LABS)
    assert Decimal(str(labs["inference_usd"])) == HOUR_ASKED != HISTORY_RISE  # was $0.015589, 36 % low
    assert not [m for m in labs["total_usd"]["missing"] if "settled" in m or "usage" in m]
    assert Decimal(str(window(report, "24h", LABS)["inference_usd"])) == Decimal("0.401899")  # was unknown
    assert Decimal(str(hour(report, LABS, "previous")["inference_usd"])) == Decimal("0.020992")  # was $0.021432

    # the dashboard's window table shows the same figure: `test_windows_between_polls`, the same polls


async def test_a_window_usage_v2_did_not_answer_for_is_unknown_never_the_last_polls(tmp_path: Path) -> None:
    """ada-labs' usage-v2 answers 503 from the 15:00 poll on: its windows' inference is unknown and says why, never
    the 14:50 poll's answer (for the hour to 14:50) nor a rise of history's totals; ada's stands."""
    def fail(hub: FakeHub) -> None:
        hub.route_faults.append(RouteFault("/api/organizations/ada-labs/billing/usage-v2", status=503))

    report = await polls_to_three(tmp_path, 10, before_last=fail)
    labs = hour(report, LABS)
    assert labs["inference_usd"] is None
    assert f"usage_windows:{LABS}" in labs["total_usd"]["missing"]
    (whole,) = [w for w in report.windows if w.window == "1h" and w.namespace == LABS]
    assert "usage per window unread (ada-labs)" in missing_note(whole.current.total_usd(LABS), 2)
    assert Decimal(str(hour(report, "ada")["inference_usd"])) == Decimal("0.050356")


async def test_a_poll_for_a_front_end_that_shows_no_window_asks_usage_v2_for_none() -> None:
    """The exporter, the text summary, guard, check and advise show no spend window (`Collector.spend_windows`):
    their polls ask usage-v2 for the period (and a day ago) only, not the 16 window requests of ada and ada-labs."""
    scenario = demo_scenario(seed=7)
    clock = FrozenClock(scenario.start)
    hub = FakeHub(scenario, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    collector = Collector(client, clock, ["ada", LABS])
    collector.spend_windows = False
    spared = await collector.poll()
    assert all(ns.usage_windows is None for ns in spared.namespaces)
    assert hub.requests.count("/api/organizations/ada-labs/billing/usage-v2") == 2  # the period, and a day ago
    hub.requests.clear()
    clock.advance(60)
    collector.spend_windows = True
    shown = await collector.poll(spared)
    assert hub.requests.count("/api/organizations/ada-labs/billing/usage-v2") == 1 + len(window_asks(clock.now()))
    (labs,) = [ns for ns in shown.namespaces if ns.namespace == LABS]
    assert labs.usage_windows is not None and labs.usage_windows.value is not None
    assert [(u.start, u.end) for u in labs.usage_windows.value] == list(window_asks(clock.now()))
