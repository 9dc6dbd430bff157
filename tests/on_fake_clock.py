"""`python -m hfmon` for end-to-end tests, with hfmon's clock on the fake hub's: HFMON_TEST_FAKE_NOW (an ISO time)
is the fake's time when the process starts, and hfmon's clock runs on from there, whatever the date. Without it,
hfmon would ask a fake frozen on its scenario's day for the windows of the wall clock's month, which a fake set in
another month refuses. hfmon itself reads the wall clock (`hfmon.clock`, the one place it reads the time)."""

import os
from datetime import UTC, datetime

import hfmon.clock
from hfmon.cli import main

FAKE_NOW = "HFMON_TEST_FAKE_NOW"
"""The environment variable a test sets to the fake's time."""

if __name__ == "__main__":
    fake_now = os.environ.pop(FAKE_NOW, None)
    if fake_now:
        behind = datetime.now(UTC) - datetime.fromisoformat(fake_now)
        hfmon.clock.SystemClock.now = lambda self: datetime.now(UTC) - behind  # type: ignore[method-assign]
    raise SystemExit(main())
