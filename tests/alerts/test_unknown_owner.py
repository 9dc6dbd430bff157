"""A new hfmon process (a cron `hfmon once`, an exporter restart) on the history file of earlier ones, no profile:
when its whoami fails, whose alerts these are is unknown. It neither fires nor resets, and says so; before, every
alert already firing for the account fired and was delivered again under no account (audit 8, E3)."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from hfmon.alerts.engine import ALERTS_NO_ACCOUNT, FIRED, RESET
from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Alerts, Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.monitor import Monitor
from hfmon.store import HistoryStore

ALERTS = Alerts(max_cost_per_hour_usd=Decimal(1), min_credits_remaining_usd=Decimal("0.5"))


async def one_process(hub: FakeHub, clock: FrozenClock, history: Path,
                      alerts: Alerts = ALERTS) -> tuple[list[tuple[str, str]], list[str]]:
    """One `hfmon once --namespace ada` on the shared history file: the alert events of its poll and its warnings."""
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001, max_retries=0))
    monitor = Monitor(Collector(client, clock, ["ada"]), clock, Config(alerts=alerts), HistoryStore.open(history))
    try:
        await monitor.poll()
        return [(e.kind, e.key) for e in monitor.alert_events], list(monitor.warnings)
    finally:
        await monitor.aclose()


async def test_a_process_whose_whoami_fails_does_not_fire_again_what_the_account_has_firing(tmp_path: Path) -> None:
    clock = FrozenClock(datetime(2026, 11, 18, 15, tzinfo=UTC))
    hub = FakeHub(demo_scenario(seed=7), now=clock.now)
    history = tmp_path / "history.sqlite3"
    fired, warnings = await one_process(hub, clock, history)
    assert sorted(fired) == [(FIRED, "[@ada] max_cost_per_hour_usd:only ada polled"),
                             (FIRED, "[@ada] min_remaining_credits_usd:ada")]
    assert ALERTS_NO_ACCOUNT not in warnings
    clock.advance(600)
    hub.route_faults.append(RouteFault("/api/whoami-v2", status=503))  # every other source answers
    fired, warnings = await one_process(hub, clock, history)
    assert fired == []  # both were firing since 15:00 and nothing crossed: no page a second time
    assert f"{ALERTS_NO_ACCOUNT} (no good answer since Nov 18 15:10 UTC)" in warnings
    hub.route_faults.clear()
    clock.advance(600)
    fired, warnings = await one_process(hub, clock, history)
    assert fired == [] and not [w for w in warnings if w.startswith(ALERTS_NO_ACCOUNT)]  # nothing reset or new


async def test_whoami_failing_for_long_reaches_the_user_though_whose_alerts_they_are_is_unknown(
        tmp_path: Path) -> None:
    # a cron `hfmon once` every 10 minutes, whoami 503 from the start: no profile, no account ever named
    clock = FrozenClock(datetime(2026, 11, 18, 15, tzinfo=UTC))
    hub = FakeHub(demo_scenario(seed=7), now=clock.now)
    history = tmp_path / "history.sqlite3"
    hub.route_faults.append(RouteFault("/api/whoami-v2", status=503))
    alerts = Alerts(source_failing_minutes=Decimal(15), max_cost_per_hour_usd=Decimal(1))
    runs = []
    for _ in range(3):  # 15:00, 15:10, 15:20
        runs.append(await one_process(hub, clock, history, alerts))
        clock.advance(600)
    # was: nothing, ever ("source failing (account)" could not fire without an owner)
    assert [fired for fired, _ in runs] == [[], [], [(FIRED, "source_failing:account")]]  # 20 min > 15 min
    assert all(f"{ALERTS_NO_ACCOUNT} (no good answer since Nov 18 15:00 UTC)" in warnings for _, warnings in runs)
    # whoami answers at 15:30: ada adopts the alert and it resets; max_cost_per_hour_usd fires only now, once
    hub.route_faults.clear()
    fired, warnings = await one_process(hub, clock, history, alerts)
    assert sorted(fired) == [(FIRED, "[@ada] max_cost_per_hour_usd:only ada polled"),
                             (RESET, "[@ada] source_failing:account")]
    assert not [w for w in warnings if w.startswith(ALERTS_NO_ACCOUNT)]
