"""A poll that straddles midnight on the 1st: its requests are answered on both sides, its Report is dated after
midnight. Judged at the poll's start, November's org figures read as December's ('ada-labs $11.10 of $10.00 ·
overage $1.10', group research '286.6% over limit'), then every poll for a day said 'used fell $11.08 (HF settled
requests lower)' though nothing fell (audit 7 C11). One moment per poll: the periods are judged at the Snapshot's
`taken_at`, which is the Report's now."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.jsonout import report_document
from hfmon.monitor import Monitor
from hfmon.store import HistoryStore

MIDNIGHT = datetime(2026, 12, 1, tzinfo=UTC)


class Ticking(FrozenClock):
    """A clock that moves on 1 ms each time it is read: a poll's requests are answered at later moments."""

    def now(self) -> datetime:
        moment = super().now()
        self.advance(0.001)
        return moment


async def test_a_poll_across_midnight_shows_no_november_figure_as_decembers(tmp_path: Path) -> None:
    clock = Ticking(datetime(2026, 11, 30, 23, 50, tzinfo=UTC))
    hub = FakeHub(demo_scenario(seed=7), now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, clock), clock, Config(), HistoryStore.open(tmp_path / "history.sqlite3"))
    try:
        await monitor.poll()
        clock.at = MIDNIGHT - timedelta(milliseconds=50)  # the poll begins 50 ms before midnight
        straddling = await monitor.poll()
        assert straddling.generated_at >= MIDNIGHT
        doc = report_document(straddling)
        for row in doc["org_credits"]:  # December's figure, or unknown: never November's $11.10 as December's
            assert row["used_usd"] is None or row["used_usd"] < 1, row
        for group in straddling.resource_groups or ():
            assert group.period is None or group.period >= MIDNIGHT

        for minutes in (10, 20):  # nothing fell: December began at $0 and rose
            clock.at = MIDNIGHT + timedelta(minutes=minutes)
            later = report_document(await monitor.poll())
            for row in [*later["org_credits"], later["credits"]]:
                assert not row["fell_usd"], row
    finally:
        await monitor.aclose()
