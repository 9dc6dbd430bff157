"""The "minutes vs history" cross-check on Spaces that sleep and wake, from history a Monitor wrote by polling every
10 min from Nov 30 23:00 to Dec 2 01:00 (audit 9 F10). A Space dates none of its changes, so each wake and each
sleep a poll sees is recorded with a stretch between the two polls that billed for an unknown part. The check counted
those stretches as 0 minutes: an exact statement read as drift ("space ada-labs/vision-demo a10g-small: billed 443
min, history shows 380 min (poll lag allows 60)", Δ $1.05). History's minutes are a range (the billed states at
least, the stretches between polls at most more): a statement inside it is ok, one that bills beyond it still drift."""

from __future__ import annotations

import re
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
from hfmon.fakehub.scenario import Discrepancy
from hfmon.jsonout import report_document
from hfmon.monitor import Monitor
from hfmon.store import HistoryStore

START, END = datetime(2026, 11, 30, 23, tzinfo=UTC), datetime(2026, 12, 2, 1, tzinfo=UTC)
PERIOD = datetime(2026, 12, 1, tzinfo=UTC)
EXTRA_MIN = 200  # minutes whisper-api's statement bills that never ran
WATCHED = ("ada", "ada-labs")  # the two sleepy Spaces' namespaces; northwind adds requests, none of the rows checked
RANGE = re.compile(r"history shows ([\d.]+) min and up to ([\d.]+) min more between polls")


async def test_a_space_that_sleeps_is_checked_against_the_range_history_saw(tmp_path: Path) -> None:
    exact = demo_scenario(seed=7, discrepancies=False)
    scenario = replace(exact, discrepancies=(Discrepancy("minutes", "ada/whisper-api", EXTRA_MIN),))
    clock = FrozenClock(START)
    hub = FakeHub(scenario, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, clock, list(WATCHED)), clock, Config(), HistoryStore.open(tmp_path / "h.db"))
    try:
        while True:
            report = await monitor.poll()
            if clock.now() >= END:
                break
            clock.advance(600)
    finally:
        await monitor.aclose()
    rows = {row["item"]: row for row in report_document(report)["crosscheck"]}
    for namespace, space, hardware, extra in (("ada-labs", "vision-demo", "a10g-small", 0),
                                              ("ada", "whisper-api", "t4-small", EXTRA_MIN)):
        # What is true: the minutes the fake's timeline bills since Dec 1 (its exact statement line).
        (line,) = [line for line in billing.space_lines(exact, namespace, PERIOD, END, END)
                   if line.label == f"{namespace}/{space}"]
        ran = Decimal(line.quantity)
        row = rows[f"space {namespace}/{space} {hardware} minutes vs history"]
        assert row["note"].startswith(f"billed {ran + extra} min, ")
        found = RANGE.search(row["note"])
        assert found is not None, row["note"]
        seen, between = Decimal(found[1]), Decimal(found[2])
        assert seen < ran <= seen + between  # what ran lies in the range history saw (was: "history shows" the floor)
        if extra:  # billed beyond the most history allows: drift, valued from the range's top
            assert row["status"] == "drift"
            assert Decimal(str(row["recomputed_usd"])) < Decimal(str(row["billed_usd"]))
        else:  # was drift, Δ $1.05 (443 vs 380 min): exact, so nothing to explain
            assert (row["status"], row["delta_usd"]) == ("ok", 0.0)
    assert ran == 372  # whisper-api, as audit 9 counted from the timeline (vision-demo 443)
