"""Several config profiles watched at once (the multi-profile exporter: one Monitor per profile, one history file per
machine): each profile's alerts are its own. One account above `max_cost_per_hour_usd` and one below must give one
`fired`, then nothing, poll after poll; not a fire/reset pair per interval as the two shared `max_cost_per_hour_usd:
account`."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from hfmon.alerts.engine import FIRED
from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Alerts, Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.scenario import Scenario
from hfmon.monitor import Monitor
from hfmon.store import HistoryStore

RUNNING = Alerts(max_cost_per_hour_usd=Decimal(5))
FAILING = Alerts(source_failing_minutes=Decimal(10))


def watching(profile: str, scenario: Scenario, clock: FrozenClock, history: Path,
             alerts: Alerts = RUNNING) -> tuple[Monitor, FakeHub]:
    """The Monitor the exporter builds for `profile`, on the machine's one history file."""
    hub = FakeHub(scenario, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    store = HistoryStore.open(history)
    return Monitor(Collector(client, clock), clock, Config(alerts=alerts), store, profile), hub


async def test_one_profile_above_the_limit_and_one_below_never_reset_each_other(tmp_path: Path) -> None:
    big = demo_scenario(discrepancies=False)  # at least $10.43/h running
    small = demo_scenario(discrepancies=False, endpoints=1, spaces=1, jobs=0)  # $1.60/h
    clock = FrozenClock(big.start)
    alice, _ = watching("alice", big, clock, tmp_path / "history.sqlite3")
    bob, _ = watching("bob", small, clock, tmp_path / "history.sqlite3")
    events = []
    try:
        for _poll in range(3):
            for name, monitor in (("alice", alice), ("bob", bob)):
                report = await monitor.poll()
                running = report.running_in(None).known
                assert running is not None and (running > 5 if name == "alice" else running < 5)
                events += [(e.account, e.kind, e.rule, e.subject, e.title) for e in monitor.alert_events]
            clock.advance(60)
        assert events == [("alice", FIRED, "max_cost_per_hour_usd", "account", "hfmon alert: running cost now (alice)")]
        [event] = alice.alert_history()
        assert event.document()["account"] == "alice"  # what the hook and the webhook receive names the profile
    finally:
        await alice.aclose()
        await bob.aclose()


async def test_a_source_failing_for_one_profile_is_not_forgotten_when_another_reads_it(tmp_path: Path) -> None:
    from hfmon.fakehub.faults import RouteFault

    scenario = demo_scenario(discrepancies=False)
    clock = FrozenClock(scenario.start)
    alice, alice_hub = watching("alice", scenario, clock, tmp_path / "history.sqlite3", FAILING)
    bob, _ = watching("bob", scenario, clock, tmp_path / "history.sqlite3", FAILING)
    alice_hub.route_faults.append(RouteFault("/api/whoami-v2", status=503))  # alice's whoami never answers
    fired = []
    try:
        for _poll in range(3):  # 0, 6 and 12 minutes: alice's whoami has failed 12 minutes, past the 10 allowed
            for monitor in (alice, bob):
                await monitor.poll()
                fired += [(e.account, e.kind, e.subject, e.title, e.message) for e in monitor.alert_events]
            clock.advance(360)
        # the source named `account` (whoami) is named as such: not read as an account-wide figure
        assert fired == [("alice", FIRED, "account", "hfmon alert: source failing (alice: account)",
                          "source failing (account): 12m, above the limit 10m")]
    finally:
        await alice.aclose()
        await bob.aclose()
