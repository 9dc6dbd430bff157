"""Included credits used up before any poll in history: hfmon_credits_exhausted_timestamp_seconds is absent, and its
HELP says that absence covers it (audit 10 G7: it said "not within the period, or the included credits are
unknown", so a reader took ada's run-out as not coming this period)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.exporter.test_scrape import START, exposition, lab, scrape, serving

OVER = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


async def test_credits_used_up_before_history_are_absent_and_the_help_says_why() -> None:
    async with serving(seed=7) as exporter:
        exporter.clock.advance((OVER - START).total_seconds())
        hub = exporter.hub
        period_start = datetime(2026, 11, 1, tzinfo=UTC)
        used = hub.traffic.totals("ada", period_start, OVER, OVER).used_nano_usd / 1e9  # the fake's traffic
        assert used == pytest.approx(5.81, abs=0.005)  # $5.81 of the $2.00 included
        await exporter.watch.poll_once()
        figures, text = scrape(exporter.port), exposition(exporter.port)
    ada = lab(namespace="ada")
    assert figures["hfmon_credits_remaining_usd"][ada] == 0
    assert figures["hfmon_credits_overage_usd"][ada] == pytest.approx(used - 2.00, abs=1e-6)
    assert ada not in figures.get("hfmon_credits_exhausted_timestamp_seconds", {})  # no poll saw when
    (help_line,) = [line for line in text.splitlines()
                    if line.startswith("# HELP hfmon_credits_exhausted_timestamp_seconds ")]
    assert "used up before any poll in history" in help_line and "hfmon_credits_remaining_usd 0" in help_line
