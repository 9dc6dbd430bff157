"""A Space whose grant is unknown changes no alert: whether it costs money now is unknown, so is every rule built on
it (note 14, "not fixed"). In the demo, right after midnight on Dec 1 the statement holds no December line yet for
ada's Spaces: ada/community-gpu (a10g-small, granted, up since Nov 10 12:00) and ada/forgotten-finetune (a10g-large,
paid, up since Nov 3 09:12) may or may not be billed. Polled by the dashboard's Monitor every 5 minutes from Nov 30
23:50 against the fake Hub on the fake's clock, one history file."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from hfmon.alerts.engine import FIRED
from hfmon.alerts.rules import up_too_long
from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import parse_config
from hfmon.exporter.metrics import AccountView, families
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.format import count_total
from hfmon.jsonout import report_document
from hfmon.monitor import Monitor
from hfmon.report import Report
from hfmon.store import HistoryStore

GRANTED, PAID = "space ada/community-gpu", "space ada/forgotten-finetune"
WHY = "no statement line for its hardware was read: whether it is granted, so whether it costs money now, is unknown"
MAYBE = "maybe granted: no statement line"


async def _polls(tmp_path: Path) -> tuple[list[tuple[str, str, str, str]], list[Report]]:
    """Polls at 23:50, 23:55, 00:00 and 00:05: the alert events of each as (time, kind, subject, message), and
    each Report."""
    clock = FrozenClock(datetime(2026, 11, 30, 23, 50, tzinfo=UTC))
    hub = FakeHub(demo_scenario(seed=7), now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    alerts = {"long_running_hours": 72, "long_running": True, "idle_gpu_hours": 0.1}
    monitor = Monitor(Collector(client, clock), clock, parse_config({"alerts": alerts}),
                      HistoryStore.open(tmp_path / "history.sqlite3"))
    events: list[tuple[str, str, str, str]] = []
    reports: list[Report] = []
    try:
        for _ in range(4):
            reports.append(await monitor.poll())
            events += [(f"{clock.now():%H:%M}", e.kind, e.subject, e.message) for e in monitor.alert_events]
            clock.advance(300)
    finally:
        await monitor.aclose()
    return events, reports


async def test_a_space_that_may_be_granted_neither_fires_nor_resets_an_alert(tmp_path: Path) -> None:
    events, reports = await _polls(tmp_path)
    midnight = reports[2]
    granted = next(s for s in midnight.spaces if s.space.id == "ada/community-gpu").cost
    assert (granted.granted, granted.cost_per_hour_usd, granted.billed_now) == (None, None, None)
    # was at 00:00: fired "up at least 20d 11h, above the limit 3d" on the granted Space, reset at 00:05 "not billed
    # now"; and no_sleep_time "runs on a10g-small ($/h unknown) and never sleeps"
    assert [e for e in events if e[2] == GRANTED] == []
    assert [e[:2] for e in events if e[2] == PAID] == [("23:50", FIRED)]  # held at 00:00, not reset
    readings = {r.subject: r for r in up_too_long(midnight, Decimal(72))}
    for subject in (GRANTED, PAID):
        assert (readings[subject].outcome.value, readings[subject].why) == ("unknown", WHY)
    assert readings[GRANTED].figure == "up at least 20d 11h"  # up it is; billed or not is what is unknown
    assert not [f for f in midnight.current_flags if f.subject == "ada/community-gpu"]
    assert {f"no_sleep_time:ada/community-gpu ({MAYBE})", f"idle_gpu:ada/community-gpu ({MAYBE})"} <= set(
        midnight.flags_unchecked)
    # the meter: neither counted as billed nor free; each an unknown part of the $/h
    meter = next(m for m in report_document(midnight)["meter"] if (m["namespace"], m["kind"]) == ("ada", "spaces"))
    assert meter["billed_now"] == 0 and meter["usd_per_hour"]["value"] is None  # was 2, "billed now"
    assert meter["billed_now_unknown"] == meter["usd_per_hour"]["missing"] == [
        "grant:space ada/community-gpu (a10g-small)", "grant:space ada/forgotten-finetune (a10g-large)"]
    assert count_total(midnight.billed_now_count("spaces", "ada")) == "at least 0"
    # the exporter: the count is absent (was 2), never a number that may be wrong; 00:05's is 1
    for report, count in ((midnight, None), (reports[3], 1.0)):
        served = {s.labels["kind"]: s.value for f in families([AccountView("default", report)])
                  if f.name == "hfmon_billed_now_resources" for s in f.samples if s.labels["namespace"] == "ada"}
        assert served.get("spaces") == count
    # 00:05: December's lines are there: granted, $0/h, not billed; the paid one billed again, its alert still firing
    after = {r.subject: r.outcome.value for r in up_too_long(reports[3], Decimal(72))}
    assert (after[GRANTED], after[PAID]) == ("ok", "crossed")
    assert count_total(reports[3].billed_now_count("spaces", "ada")) == "1"
