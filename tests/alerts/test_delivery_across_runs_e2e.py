"""End to end: a cron `hfmon --once` whose webhook is down when an alert fires (audit 7 C9, in full). The alert is
claimed at the crossing, so no later run fires it again; the retry list lived in the process, and a cron run or a
kill -9 lost it: the receiver never got the page. The history file now keeps what is still to deliver, and the next
run (of any hfmon process on the file) sends it, with the time of its crossing, once."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.alerts.test_delivery import Recorder, server  # noqa: F401 - the receiver fixture
from tests.cli.test_once_e2e import Served, fake  # noqa: F401 - the loopback fake fixture

pytestmark = pytest.mark.e2e
ALERT = "hfmon alert: running cost now"  # the webhook's title
FIRED = "alert: running cost now: at least $10.43/h"  # what the run that fired it says on stderr


def test_an_alert_a_cron_run_could_not_deliver_reaches_the_webhook_on_the_next_run(
        fake: Callable[..., Served], server: tuple[str, type[Recorder]], tmp_path: Path) -> None:  # noqa: F811
    url, handler = server
    handler.statuses = [503, 503, 503]  # down for the first run's three attempts, then up
    config = tmp_path / "config.toml"
    config.write_text(f'[alerts]\nmax_cost_per_hour_usd = 5\nwebhook_url = "{url}"\nwebhook_timeout_s = 5\n')
    served = fake()
    crossing = served.hub.now().strftime("%Y-%m-%dT%H:%M:%SZ")

    first = served.run("--once", "--config", str(config), frozen_clock=True)
    assert FIRED in first.stderr and "alert webhook to 127.0.0.1 failed" in first.stderr, first.stderr
    assert len(handler.bodies) == 3 and "SECRETPART" not in first.stderr

    second = served.run("--once", "--config", str(config), frozen_clock=True)
    assert FIRED not in second.stderr  # not fired again: sent as it fired
    assert len(handler.bodies) == 4, handler.bodies  # was 3: nothing was ever sent again
    assert (handler.bodies[3]["title"], handler.bodies[3]["at"], handler.bodies[3]["kind"]) == (
        ALERT, crossing, "fired")

    served.run("--once", "--config", str(config), frozen_clock=True)
    assert len(handler.bodies) == 4  # delivered once
