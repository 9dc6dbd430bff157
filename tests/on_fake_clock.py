"""`python -m hfmon` for end-to-end tests, with hfmon's clock on the fake hub's: HFMON_TEST_FAKE_NOW (an ISO time)
is the fake's time when the process starts. By default hfmon's clock runs on from there, whatever the date; with
HFMON_TEST_FAKE_FROZEN=1 it stays at that time, so a test asserting a duration or a minute stamp does not depend on
how long the process took to start on a loaded machine. Without HFMON_TEST_FAKE_NOW, hfmon would ask a fake frozen on
its scenario's day for the windows of the wall clock's month, which a fake set in another month refuses. hfmon
itself reads the wall clock (`hfmon.clock`, the one place it reads the time)."""

import os
from datetime import UTC, datetime

import hfmon.clock
from hfmon.cli import main

FAKE_NOW = "HFMON_TEST_FAKE_NOW"
"""The environment variable a test sets to the fake's time."""
FAKE_FROZEN = "HFMON_TEST_FAKE_FROZEN"
"""Set to 1 to pin hfmon's clock to FAKE_NOW instead of letting it run on with the wall clock."""

if __name__ == "__main__":
    fake_now = os.environ.pop(FAKE_NOW, None)
    frozen = os.environ.pop(FAKE_FROZEN, "") == "1"
    if fake_now:
        start = datetime.fromisoformat(fake_now)
        if frozen:
            hfmon.clock.SystemClock.now = lambda self: start  # type: ignore[method-assign]
        else:
            behind = datetime.now(UTC) - start
            hfmon.clock.SystemClock.now = lambda self: datetime.now(UTC) - behind  # type: ignore[method-assign]
    raise SystemExit(main())
