"""A change between two polls at a time no source gives, with both sides billing, spent at least the lower side's rate
over the stretch: the window's "at least" counts it, and still names the stretch (`between_polls:`).

The Monitor polls ada-labs every 15 min from 08:45 to 10:00 on Nov 18 (the demo, seed 7); the window is the last hour,
09:00 -> 10:00. qwen-prod (aws a100 x1, $2.50/h a replica) runs 2 replicas, then 3 from 09:40; HF is taken not to
move `status.updatedAt` when an Endpoint scales (its listing here keeps it at the Endpoint's creation), so the poll
at 09:30 saw 2 replicas, the one at 09:45 saw 3, and when it scaled no source says. By hand:
- 09:00 -> 09:30: 2 x $2.50 x 0.5 h = $2.50; 09:45 -> 10:00: 3 x $2.50 x 0.25 h = $1.875;
- 09:30 -> 09:45: 2 replicas at least, both sides billing: 2 x $2.50 x 0.25 h = $1.25 (was $0);
- reranker (gcp l4 x1, $0.70/h): scaledToZero at 09:00, running at 09:15 from 09:12 (its `updatedAt`) to 10:00: 48 min
  = $0.56; it was `initializing` (billed: 6 min by the fake's lines) before 09:12, from when no source says (audit 8
  E1), so its stretch from 09:00 is between polls too.
ada-labs's Endpoints: at least $6.185 (was at least $4.935), missing `between_polls:endpoint ada-labs/qwen-prod` and
`…/reranker`. What it truly cost: qwen-prod 2 x 2.50 x 40/60 + 3 x 2.50 x 20/60 = $5.833333, above the $5.625 counted
for it; the reranker's 54 min, above its 48."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.jsonout import report_document
from hfmon.monitor import Monitor
from hfmon.report import Report
from hfmon.schemas import once_schema
from hfmon.store import HistoryStore
from tests.tui.builder import FakeSource
from tests.tui.test_app import app_for, settle, table

LABS = "ada-labs"
QWEN = "endpoint ada-labs/qwen-prod"
ENDPOINTS_AT_LEAST = Decimal("2.50") + Decimal("1.25") + Decimal("1.875") + Decimal("0.56")


def _updated_at_kept(body: Any) -> Any:
    """HF not moving an Endpoint's `updatedAt` when it scales: qwen-prod's stays at its creation."""
    for endpoint in body["items"] if isinstance(body, dict) else body:
        if endpoint["name"] == "qwen-prod":
            endpoint["status"]["updatedAt"] = endpoint["status"]["createdAt"]
    return body


async def _polls_to_ten(tmp_path: Path) -> Report:
    scenario = demo_scenario(seed=7)
    end = scenario.start - timedelta(hours=5)  # Nov 18 10:00
    clock = FrozenClock(end - timedelta(minutes=75))
    hub = FakeHub(scenario, now=clock.now)
    hub.route_faults.append(RouteFault(f"/v2/endpoint/{LABS}", edit=_updated_at_kept))
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, clock, [LABS]), clock, Config(), HistoryStore.open(tmp_path / "h.db"))
    try:
        while True:
            report = await monitor.poll()
            if clock.now() >= end:
                return report
            clock.advance(15 * 60)
    finally:
        await monitor.aclose()


async def test_a_scaling_between_polls_counts_the_fewer_replicas_over_the_stretch(tmp_path: Path) -> None:
    report = await _polls_to_ten(tmp_path)
    (whole,) = [w for w in report.windows if w.window == "1h" and w.namespace == LABS]
    part = whole.current.part("endpoints", LABS)
    assert part.known == ENDPOINTS_AT_LEAST == Decimal("6.185")  # was 4.935
    assert part.missing == (f"between_polls:{QWEN}", "between_polls:endpoint ada-labs/reranker")  # "at least", why
    doc = report_document(report)
    jsonschema.validate(doc, once_schema())
    (row,) = [n["current"] for n in doc["windows"]["1h"]["namespaces"] if n["namespace"] == LABS]
    assert (row["start"], row["end"]) == ("2026-11-18T09:00:00Z", "2026-11-18T10:00:00Z")
    assert row["endpoints_usd"] is None and f"between_polls:{QWEN}" in row["total_usd"]["missing"]
    others = sum((Decimal(str(row[k] or 0)) for k in ("inference_usd", "jobs_usd")), Decimal(0))
    spaces = whole.current.part("spaces", LABS).known
    assert Decimal(str(row["total_usd"]["at_least"])) == others + spaces + ENDPOINTS_AT_LEAST

    app = app_for(FakeSource(lambda now, tick: report))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("w")  # this period -> the last hour
        await pilot.pause()
        assert app.window == "1h"
        assert table(app, "spend").get_cell(LABS, "endpoints").cell.plain == "at least $6.19"  # was $4.94
