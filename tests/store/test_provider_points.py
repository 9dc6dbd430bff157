"""Spend per provider in the history file: each namespace's set as the poll read it (usage/live), written only
where it changed, read back, kept across pruning as the state at the cutoff, and in the Report as series."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

from hfmon.models import SourceStatus
from hfmon.store import provider_points
from tests.tui.demo import frozen_demo


def read_sets(monitor: object) -> dict[str, dict[str, tuple[str, int]]]:
    """What the monitor's last snapshot says per namespace and provider (the input, not the store)."""
    out = {}
    for ns in monitor.snapshot.namespaces:  # type: ignore[attr-defined]
        billing = ns.billing.value
        if ns.billing.status is SourceStatus.OK and billing is not None and billing.by_provider is not None:
            out[ns.namespace] = {p.provider: (str(p.cost_usd), p.requests) for p in billing.by_provider}
    return out


async def test_sets_are_written_when_they_change_and_read_back() -> None:
    monitor, clock = frozen_demo()
    start = clock.now()
    try:
        await monitor.poll()
        first = read_sets(monitor)
        assert first and any(first.values())  # the demo spends through providers
        await monitor.poll()  # nothing moved (the clock stands still): nothing new is written
        clock.at = start + timedelta(hours=6)
        report = await monitor.poll()
        later = read_sets(monitor)
        assert monitor.store is not None
        points = provider_points.load(monitor.store, start - timedelta(days=1))
        times = sorted({p.at for p in points})
        assert times[0] == start and times[-1] == start + timedelta(hours=6) and len(times) == 2
        for when, expected in ((start, first), (start + timedelta(hours=6), later)):
            stored = {(p.namespace, p.provider): (str(p.used_usd), p.requests) for p in points if p.at == when}
            assert stored == {(ns, prov): v for ns, provs in expected.items() for prov, v in provs.items()}
        day = next(w for w in report.provider_spend if w.name == "24h")
        assert day.providers and any(series.total.known for series in day.providers)
        # the six hours' spend, per provider, is what the sets say moved (every namespace's history reaches back
        # to the step of the first poll, not before it: earlier steps are partial)
        for series in day.providers:
            moved = sum((float(later.get(ns, {}).get(series.name, ("0", 0))[0])
                         - float(first.get(ns, {}).get(series.name, ("0", 0))[0]) for ns in later), 0.0)
            assert abs(float(series.total.known or 0) - moved) < 1e-9
            assert not series.total.complete  # the 24 h before the first poll are not known
    finally:
        await monitor.aclose()


async def test_pruning_keeps_the_last_set_before_the_cutoff() -> None:
    monitor, clock = frozen_demo()
    start = clock.now()
    try:
        for hours in (0, 6, 12):
            clock.at = start + timedelta(hours=hours)
            await monitor.poll()
        assert monitor.store is not None
        conn = sqlite3.connect(monitor.store.path)
        times_before = [r[0] for r in conn.execute("SELECT DISTINCT at FROM provider_points ORDER BY at")]
        assert len(times_before) == 3
        with conn:
            provider_points.prune(conn, times_before[2] - 1)  # a cutoff just before the last set
        kept = [r[0] for r in conn.execute("SELECT DISTINCT at FROM provider_points ORDER BY at")]
        assert kept == times_before[1:]  # the set at 6 h is the state at the cutoff
        conn.close()
    finally:
        await monitor.aclose()
