"""The status bar speaks one time: the data's. In the demo, whose clock runs fast, the interval and a rate-limit wait
are scaled to demo time and say so, so "updated 1m ago" and "every 5s" are never read against each other."""

from __future__ import annotations

from datetime import UTC, datetime

from hfmon.models import SourceStatus
from hfmon.tui.status import statusbar
from tests.tui.builder import build_report

NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)


def line(**kw: object) -> str:
    args: dict[str, object] = {"interval_s": 5.0, "paused": False, "polling": False, "error": None, **kw}
    return statusbar(None, NOW, **args).plain  # type: ignore[arg-type]


def test_a_real_account_shows_the_interval_as_it_is() -> None:
    assert line(interval_s=60.0).endswith("· every 1m")
    assert "demo time" not in line(interval_s=60.0)


def test_the_demo_shows_its_interval_in_demo_time() -> None:
    # 5 real seconds at 60 demo seconds per real second: 5 minutes of demo time
    assert line(data_speed=60.0).endswith("· every 5m of demo time")


def test_a_rate_limit_wait_in_the_demo_ends_at_a_demo_time_and_counts_demo_time() -> None:
    text = line(data_speed=60.0, rate_limit_s=30.0)  # 30 real seconds = 30 demo minutes
    assert "until 15:30:00 UTC" in text and "next poll in 30m of demo time" in text
    assert "until 15:00:30 UTC" in line(rate_limit_s=30.0)  # a real account: as it is


def test_on_80_columns_the_clock_time_gives_way_and_the_count_of_troubled_sources_stays() -> None:
    report = build_report(NOW)  # endpoints:acme stale, bigcorp's billing and statement not readable
    troubled = sum(1 for s in report.sources if s.status is not SourceStatus.OK)
    args: dict[str, object] = {"interval_s": 5.0, "paused": False, "polling": False, "error": None,
                               "data_speed": 60.0, "notes": 1}
    wide = statusbar(report, NOW, **args).plain  # type: ignore[arg-type]
    assert wide == (f" ● live  updated just now · Nov 18 15:00 UTC · every 5m of demo time · ⚠ {troubled} sources "
                    "(Overview) · ⚠ 1 warning (Overview)")
    assert statusbar(report, NOW, width=len(wide), **args).plain == wide  # type: ignore[arg-type]
    narrow = statusbar(report, NOW, width=80, **args).plain  # type: ignore[arg-type]
    assert narrow == f" ● live  updated just now · every 5m of demo time · ⚠ {troubled} sources · ⚠ 1 warning"
    assert len(narrow) <= 80
    no_stamp = statusbar(report, NOW, width=len(wide) - 1, **args).plain  # type: ignore[arg-type]
    assert "Nov 18" not in no_stamp and no_stamp.endswith("(Overview)")  # the time goes first
