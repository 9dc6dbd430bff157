"""Two accounts on one machine without config profiles (`hf auth login` switched, or `HF_TOKEN=… hfmon` in another
terminal): one history file, and each account's alerts its own (audit 7 C10). grace's poll, which never read
ada's namespaces, must not say "back to normal" about ada's running cost or ada-labs's unpriced Space."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from hfmon.alerts.engine import FIRED, AlertEvent
from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Alerts, Config
from hfmon.fakehub import FULL_TOKEN, OTHER_USER_TOKEN, FakeHub, demo_scenario
from hfmon.monitor import Monitor
from hfmon.store import HistoryStore
from hfmon.store.alert_state import SqliteAlertState

ALERTS = Alerts(max_cost_per_hour_usd=Decimal(5), unpriced=True)
RUNNING = (FIRED, "hfmon alert: running cost now")
UNPRICED = (FIRED, "hfmon alert: unpriced resource (space ada-labs/video-gen (h100))")


async def one_poll(token: str, hub: FakeHub, clock: FrozenClock, path: Path) -> list[tuple[str, str]]:
    """One hfmon run with `token` (no profile) on the machine's history file: the alerts it fired or reset."""
    client = HubClient(token, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, clock), clock, Config(alerts=ALERTS), HistoryStore.open(path))
    try:
        await monitor.poll()
        return sorted((e.kind, e.title) for e in monitor.alert_events)
    finally:
        await monitor.aclose()


async def test_another_accounts_poll_never_resets_this_accounts_alerts(tmp_path: Path) -> None:
    clock = FrozenClock(datetime(2026, 11, 18, 15, tzinfo=UTC))
    hub = FakeHub(demo_scenario(seed=7), now=clock.now)
    path = tmp_path / "history.sqlite3"
    runs = []
    for token in (FULL_TOKEN, OTHER_USER_TOKEN, OTHER_USER_TOKEN, FULL_TOKEN):
        runs.append(await one_poll(token, hub, clock, path))
        clock.advance(600)
    # ada at least $10.43/h then $14.76/h, video-gen billed and unpriced throughout: fired once, never reset;
    # grace runs nothing: nothing of hers crosses
    assert runs == [[RUNNING, UNPRICED], [], [], []]


async def test_alerts_firing_in_a_file_of_before_stay_firing_for_the_first_account_that_polls(tmp_path: Path) -> None:
    clock = FrozenClock(datetime(2026, 11, 18, 15, tzinfo=UTC))
    hub = FakeHub(demo_scenario(seed=7), now=clock.now)
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:  # what an hfmon before this change left: keys under no account
        state = SqliteAlertState(store)
        for key in ("max_cost_per_hour_usd:account", "unpriced:space ada-labs/video-gen (h100)"):
            rule, subject = key.split(":", 1)
            assert state.claim(key, True, AlertEvent(key, rule, subject, FIRED, clock.now(),
                                                      "fired before", "", "", None, None))
    clock.advance(600)
    assert await one_poll(FULL_TOKEN, hub, clock, path) == []  # still firing: not paged a second time
    clock.advance(600)
    assert await one_poll(OTHER_USER_TOKEN, hub, clock, path) == []  # ada's now: grace's poll leaves them be
    with HistoryStore.open(path) as store:
        assert SqliteAlertState(store).firing() == {"[@ada] max_cost_per_hour_usd:account",
                                                    "[@ada] unpriced:space ada-labs/video-gen (h100)"}
