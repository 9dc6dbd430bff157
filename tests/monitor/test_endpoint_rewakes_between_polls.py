"""An Endpoint seen `running` at two polls that scaled to zero and woke between them (audit 9 F3, the reverse of
audit 8 E1): its `status.updatedAt` moved past the earlier poll. Polled every 10 min, Nov 18 13:00 -> 15:00,
ada-labs/reranker (gcp nvidia-l4 x1, $0.70/h) runs 13:00-14:02, is scaledToZero 14:02-14:05, initializing
14:05-14:08 and running from 14:08; the 14:10 poll sees `running` (updatedAt 14:08). hfmon counted it running all
through: the 1 h window's Endpoints $5.70 (qwen-prod $5.00004 + 60 min of the reranker $0.70), complete. True, by the
fake's lines for [14:00, 15:00): the reranker billed 57 min ($0.665019), Endpoints $5.665059. The stretch 14:00-14:08
is now between polls: the window's Endpoints part is unknown, the total "at least" and names the reranker."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, billing, demo_scenario
from hfmon.fakehub.scenario import EndpointDef
from hfmon.fakehub.timeline import Interval
from hfmon.jsonout import report_document
from hfmon.monitor import Monitor
from hfmon.store import HistoryStore


def _at(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 18, hour, minute, tzinfo=UTC)


def _rewakes(endpoint: EndpointDef) -> EndpointDef:
    """The reranker running from 13:00, asleep 14:02-14:05, initializing to 14:08, running since."""
    if f"{endpoint.namespace}/{endpoint.name}" != "ada-labs/reranker":
        return endpoint
    kept = [iv for iv in endpoint.timeline if iv.start < _at(13, 0)]
    kept[-1] = replace(kept[-1], end=_at(13, 0))
    hw = kept[-1].hardware
    return replace(endpoint, timeline=(*kept, Interval(_at(13, 0), _at(14, 2), "running", 1, hw),
                                       Interval(_at(14, 2), _at(14, 5), "scaledToZero", 0, hw),
                                       Interval(_at(14, 5), _at(14, 8), "initializing", 1, hw),
                                       Interval(_at(14, 8), None, "running", 1, hw)))


async def test_an_endpoint_that_slept_and_woke_between_two_running_polls_is_not_counted_up_all_through(
        tmp_path: Path) -> None:
    scenario = demo_scenario(seed=7, discrepancies=False)
    scenario = replace(scenario, endpoints=tuple(_rewakes(e) for e in scenario.endpoints))
    clock = FrozenClock(_at(13, 0))
    hub = FakeHub(scenario, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, clock, ["ada-labs"]), clock, Config(), HistoryStore.open(tmp_path / "h.db"))
    states = {}
    try:
        while True:
            report = await monitor.poll()
            states[clock.now()] = next(e["state"] for e in report_document(report)["endpoints"]
                                       if e["name"] == "reranker")
            if clock.now() >= _at(15, 0):
                break
            clock.advance(600)
    finally:
        await monitor.aclose()
    assert (states[_at(14, 0)], states[_at(14, 10)]) == ("running", "running")
    lines = billing.endpoint_lines(scenario, "ada-labs", _at(14, 0), _at(15, 0), _at(15, 0))
    true = {line.label: Decimal(line.total_micro_usd) / 10**6 for line in lines}
    assert true == {"ada-labs/qwen-prod": Decimal("5.00004"), "ada-labs/reranker": Decimal("0.665019")}  # 57 min
    (hour,) = [n["current"] for n in report_document(report)["windows"]["1h"]["namespaces"]
               if n["namespace"] == "ada-labs"]
    assert hour["endpoints_usd"] is None  # was 5.7: 60 min of the reranker, as known
    assert "between_polls:endpoint ada-labs/reranker" in hour["total_usd"]["missing"]
