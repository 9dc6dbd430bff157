"""An account whose Inference Providers period starts on the 15th (usage-v2 names periodStart Nov 15, periodEnd
Dec 15). usage-v2 counts over the window asked: asked from the 1st, its figure is neither the period's nor the
month's (audit 7 D1: on Dec 3 'overage $0.59' where the period's is $13.63). hfmon asks from the period's start:
the credits are the spend since Nov 15, worked out here from the fake's own traffic, not from hfmon."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

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
from hfmon.store import HistoryStore
from hfmon.store import queries as q
from hfmon.store.extract import encode_money, encode_time
from hfmon.usage_period import window_asks

USAGE_V2 = "/api/settings/billing/usage-v2"
NANO = Decimal("1e-9")


def ada_labs_monitor(hub: FakeHub, clock: FrozenClock, path: Path) -> Monitor:
    """A Monitor of ada-labs polling `hub` on `clock`, recording to the history file at `path` (a new process)."""
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    return Monitor(Collector(client, clock, ["ada-labs"]), clock, Config(), HistoryStore.open(path))


def spent_since(hub: FakeHub, start: datetime, now: datetime) -> Decimal:
    """ada's Inference Providers spend from `start` up to and including `now` (what usage/live's event, HF's later
    figure, counts) as the fake's traffic has it, placeholders included."""
    return (Decimal(hub.traffic.totals("ada", start, now + timedelta(seconds=1), now).used_nano_usd)
            * NANO).quantize(Decimal("0.000001"))


@pytest.mark.parametrize(("at", "period_start"), [
    (datetime(2026, 11, 18, 15, tzinfo=UTC), datetime(2026, 11, 15, tzinfo=UTC)),  # after the 15th: Nov 1-14 not in it
    (datetime(2026, 12, 3, 12, tzinfo=UTC), datetime(2026, 11, 15, tzinfo=UTC)),  # before the 15th: Nov 15-30 in it
])
async def test_credits_count_from_the_period_usage_v2_names(at: datetime, period_start: datetime) -> None:
    clock = FrozenClock(at)
    hub = FakeHub(replace(demo_scenario(seed=7), usage_period_day=15), now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, clock), clock, Config(), None)
    try:
        first = report_document(await monitor.poll())
        ada = first["credits"]
        assert ada["namespace"] == "ada"
        used = spent_since(hub, period_start, at)
        assert Decimal(str(ada["used_usd"])) == used
        assert ada["period_start"] == f"{period_start:%Y-%m-%dT%H:%M:%SZ}"
        assert Decimal(str(ada["remaining_usd"])) == max(Decimal(2) - used, Decimal(0))
        assert Decimal(str(ada["overage_usd"])) == max(used - Decimal(2), Decimal(0))
        calendar = spent_since(hub, datetime(at.year, at.month, 1, tzinfo=UTC), at)
        assert used != calendar  # what asking from the 1st read: the scenario tells them apart
        day_ago = (Decimal(hub.traffic.totals("ada", period_start, at - timedelta(hours=25), at).used_nano_usd)
                   * NANO)  # the figure of 25 h ago over the same window start: the rate is their difference
        rate = (used - day_ago) / (Decimal(25) / 24)
        assert abs(Decimal(str(ada["burn_rate_24h_usd_per_day"])) - rate) < Decimal("0.000001")

        hub.requests.clear()  # the next poll asks from the period the last answer named: once, not twice
        clock.advance(60)
        again = report_document(await monitor.poll())
        # the figure of a day ago is kept 30 min; the spend windows are asked of usage-v2 each (audit 8 E2)
        assert hub.requests.count(USAGE_V2) == 1 + len(window_asks(clock.now()))
        assert Decimal(str(again["credits"]["used_usd"])) == spent_since(hub, period_start, clock.now())
    finally:
        await monitor.aclose()


ORG_USAGE_V2 = "/api/organizations/ada-labs/billing/usage-v2"


@pytest.mark.parametrize("at", [datetime(2026, 11, 18, 15, tzinfo=UTC), datetime(2026, 12, 3, 12, tzinfo=UTC)])
async def test_an_org_whose_usage_names_no_period_counts_from_the_one_its_live_event_names(at: datetime) -> None:
    """ada-labs' usage-v2 omits periodStart/periodEnd (real payloads may, hf-api.md 0.5); its usage/live event, read
    in the same poll, names Nov 15 - Dec 15 (audit 8 E6: on Dec 3 '$0.94 of $10.00 · $9.06 left, period ends Jan 1',
    the spend since Dec 1, where $6.84 is used and $3.16 left until Dec 15)."""
    clock = FrozenClock(at)
    hub = FakeHub(replace(demo_scenario(seed=7), usage_period_day=15), now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, clock), clock, Config(), None)
    period_start = datetime(2026, 11, 15, tzinfo=UTC)

    def org_spend(now: datetime) -> Decimal:
        return (Decimal(hub.traffic.totals("ada-labs", period_start, now + timedelta(seconds=1), now).used_nano_usd)
                * NANO).quantize(Decimal("0.000001"))

    try:
        first = report_document(await monitor.poll())
        org = next(c for c in first["org_credits"] if c["namespace"] == "ada-labs")
        used = org_spend(at)
        assert Decimal(str(org["used_usd"])) == used
        assert (org["period_start"], org["period_end"]) == ("2026-11-15T00:00:00Z", "2026-12-15T00:00:00Z")
        assert Decimal(str(org["remaining_usd"])) == max(Decimal(10) - used, Decimal(0))
        month = (Decimal(hub.traffic.totals("ada-labs", datetime(at.year, at.month, 1, tzinfo=UTC),
                                            at + timedelta(seconds=1), at).used_nano_usd) * NANO)
        assert used != month.quantize(Decimal("0.000001"))  # what asking from the 1st read

        hub.requests.clear()  # the next poll asks from the period the last live event named: once, not twice
        clock.advance(60)
        again = report_document(await monitor.poll())
        assert hub.requests.count(ORG_USAGE_V2) == 1 + len(window_asks(clock.now()))  # and each spend window
        org = next(c for c in again["org_credits"] if c["namespace"] == "ada-labs")
        assert Decimal(str(org["used_usd"])) == org_spend(clock.now())
    finally:
        await monitor.aclose()


LIVE = "*/usage/live*"


async def test_a_cron_run_whose_live_stream_fails_takes_the_period_history_names(tmp_path: Path) -> None:
    """ada-labs' usage-v2 names no period; a cron run (a new process: no earlier poll in memory) whose usage/live
    answers 503 took usage-v2's window, the calendar month, for the credits' period (audit 9 F6: on Dec 3 12:00
    '$0.94 of $10.00 · $9.06 left, period ends Jan 1', guard at $5 OK, and a point labelled Dec 1 recorded between
    points labelled Nov 15 that read in the 1 h window as $6.85 of spend). The run an hour before wrote the Nov 15
    period into history: the period is that one, the credits are the spend since Nov 15 ($6.84, $3.16 left)."""
    at = datetime(2026, 12, 3, 12, tzinfo=UTC)
    clock = FrozenClock(at - timedelta(hours=1))
    hub = FakeHub(replace(demo_scenario(seed=7), usage_period_day=15), now=clock.now)
    period_start = datetime(2026, 11, 15, tzinfo=UTC)

    def run() -> Monitor:  # a new process on the same history file
        return ada_labs_monitor(hub, clock, tmp_path / "h.db")

    monitor = run()
    try:
        await monitor.poll()  # 11:00, everything answering: the live event names Nov 15 - Dec 15
    finally:
        await monitor.aclose()
    clock.advance(3600)
    hub.route_faults.append(RouteFault(LIVE, status=503))
    monitor = run()
    try:
        report = report_document(await monitor.poll())
        org = next(c for c in report["org_credits"] if c["namespace"] == "ada-labs")
        used = (Decimal(hub.traffic.totals("ada-labs", period_start, at + timedelta(seconds=1), at).used_nano_usd)
                * NANO).quantize(Decimal("0.000001"))
        assert (org["period_start"], org["period_end"]) == ("2026-11-15T00:00:00Z", "2026-12-15T00:00:00Z")
        assert Decimal(str(org["used_usd"])) == used == Decimal("6.839387")
        assert Decimal(str(org["remaining_usd"])) == Decimal(10) - used
        store = monitor.store
        assert store is not None
        labels = {p.period_start for p in store.load(at - timedelta(days=1)).usage if p.namespace == "ada-labs"}
        assert labels == {period_start}  # no point labelled Dec 1
    finally:
        await monitor.aclose()


async def test_a_live_stream_failing_into_the_next_period_takes_the_period_after_the_one_history_names(
        tmp_path: Path) -> None:
    """ada-labs' usage-v2 names no period and its usage/live fails from Dec 14 23:00 on, on every run (a proxy that
    buffers the stream). History's last usage point names Nov 15 - Dec 15, which has ended by the Dec 16 12:00 run:
    the credits were unknown from Dec 15 on ("names no billing period", note 15) until the stream answered again. The
    period after it begins where it ends: Dec 15 - Jan 15, whose spend the fake's traffic gives; the 1st's window
    (before F6: the figure shown) is not it."""
    clock = FrozenClock(datetime(2026, 12, 14, 22, tzinfo=UTC))
    hub = FakeHub(replace(demo_scenario(seed=7), usage_period_day=15), now=clock.now)

    def run() -> Monitor:  # a new process on the same history file
        return ada_labs_monitor(hub, clock, tmp_path / "h.db")

    monitor = run()
    try:
        await monitor.poll()  # Dec 14 22:00, everything answering: the live event names Nov 15 - Dec 15
    finally:
        await monitor.aclose()
    hub.route_faults.append(RouteFault(LIVE, status=503))
    at = datetime(2026, 12, 16, 12, tzinfo=UTC)
    for moment in (datetime(2026, 12, 14, 23, tzinfo=UTC), at):
        clock.at = moment
        monitor = run()
        try:
            report = report_document(await monitor.poll())
        finally:
            await monitor.aclose()
    (org,) = [c for c in report["org_credits"] if c["namespace"] == "ada-labs"] or [report["sources"]]
    period_start = datetime(2026, 12, 15, tzinfo=UTC)
    used = (Decimal(hub.traffic.totals("ada-labs", period_start, at + timedelta(seconds=1), at).used_nano_usd)
            * NANO).quantize(Decimal("0.000001"))
    assert (org["period_start"], org["period_end"]) == ("2026-12-15T00:00:00Z", "2027-01-15T00:00:00Z")
    assert Decimal(str(org["used_usd"])) == used > 0
    assert Decimal(str(org["remaining_usd"])) == max(Decimal(10) - used, Decimal(0))
    month = (Decimal(hub.traffic.totals("ada-labs", datetime(2026, 12, 1, tzinfo=UTC), at + timedelta(seconds=1),
                                        at).used_nano_usd) * NANO).quantize(Decimal("0.000001"))
    assert used != month  # the calendar month's figure, shown before F6
    assert report["sources"]["billing:ada-labs"]["status"] == "ok"


async def test_with_the_live_stream_failing_and_no_history_the_credits_are_unknown_and_say_why(tmp_path: Path) -> None:
    """The same run with nothing that names the period (a first run, or no history): the credits are unknown and
    say why, never the calendar month's figure; no usage point is recorded from a guessed period."""
    at = datetime(2026, 12, 3, 12, tzinfo=UTC)
    clock = FrozenClock(at)
    hub = FakeHub(replace(demo_scenario(seed=7), usage_period_day=15), now=clock.now)
    hub.route_faults.append(RouteFault(LIVE, status=503))
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    store = HistoryStore.open(tmp_path / "h.db")
    monitor = Monitor(Collector(client, clock, ["ada-labs"]), clock, Config(), store)
    try:
        report = report_document(await monitor.poll())
        assert [c for c in report["org_credits"] if c["namespace"] == "ada-labs"] == []
        billing = report["sources"]["billing:ada-labs"]
        assert billing["status"] == "error"
        assert "names no billing period" in billing["error"] and "503" in billing["error"]
        assert [p for p in store.load(at - timedelta(days=1)).usage if p.namespace == "ada-labs"] == []
    finally:
        await monitor.aclose()


def _record_guessed(path: Path, hub: FakeHub) -> None:
    """The point an older hfmon recorded at Dec 3 12:00 with the live stream failing: the spend since Dec 1 (usage-v2's
    window, the calendar month), labelled Dec 1."""
    at, dec_1 = datetime(2026, 12, 3, 12, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    row = ("ada-labs", encode_time(at), encode_time(dec_1),
           encode_money(Decimal(hub.traffic.totals("ada-labs", dec_1, at, at).used_nano_usd) * NANO), None)
    with HistoryStore.open(path) as store:
        store.transaction(lambda conn: conn.execute(q.INSERT_USAGE, row))


async def _cron_runs(path: Path, guessed: bool) -> dict[str, Any]:
    """`hfmon once` every 10 min from 11:10 to 12:30 on Dec 3 on one history file (periods on the 15th, ada-labs's
    usage-v2 naming none, its live event Nov 15 - Dec 15); `guessed`: the file also holds the point an older hfmon
    recorded at 12:00 when the live stream failed, labelled Dec 1 with the spend since Dec 1. The 12:30 run's
    ada-labs 1 h window and credits."""
    clock = FrozenClock(datetime(2026, 12, 3, 11, 10, tzinfo=UTC))
    hub = FakeHub(replace(demo_scenario(seed=7), usage_period_day=15), now=clock.now)
    document: dict[str, Any] = {}
    while clock.now() <= datetime(2026, 12, 3, 12, 30, tzinfo=UTC):
        if guessed and clock.now() == datetime(2026, 12, 3, 12, 10, tzinfo=UTC):
            _record_guessed(path, hub)
        client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                           governor=Governor(backoff_base_s=0.001))
        monitor = Monitor(Collector(client, clock, ["ada-labs"]), clock, Config(), HistoryStore.open(path))
        monitor.figures_only = True  # as `hfmon once` reads history
        monitor.collector.spend_windows = False  # the 1 h window from history's totals, as `hfmon once`'s text has it
        try:
            document = report_document(await monitor.poll())
        finally:
            await monitor.aclose()
        clock.advance(600)
    window = next(w for w in document["windows"]["1h"]["namespaces"] if w["namespace"] == "ada-labs")["current"]
    org = next(c for c in document["org_credits"] if c["namespace"] == "ada-labs")
    return {"inference_1h": window["inference_usd"], **{k: org[k] for k in (
        "used_usd", "provisional_usd", "projection_rate_usd_per_day", "projected_period_usd", "exhausts_at")}}


async def test_a_point_recorded_from_a_guessed_period_is_no_restart_nor_spend(tmp_path: Path) -> None:
    """A history file holding a point an older hfmon recorded from a guessed period (audit 9 F6: '12:00 Dec 1
    $0.9375' between '11:50 Nov 15 $6.8372' and '12:10 Nov 15 $6.8421') read it as a restart and the next point as a
    $5.90 rise: the 1 h window $6.85 of inference (true $0.02), $5.91 'pending', the rate $0.05/day (true $0.37) and
    no run-out date, guard at a $10 projection OK. The point is now left out: every figure is the clean file's."""
    clean = await _cron_runs(tmp_path / "clean.db", guessed=False)
    poisoned = await _cron_runs(tmp_path / "guessed.db", guessed=True)
    assert poisoned == clean, (poisoned, clean)
    assert 0 < Decimal(str(clean["inference_1h"])) < Decimal("0.05")
    assert Decimal(str(clean["projected_period_usd"])) > 10 and clean["exhausts_at"] is not None
