"""Spend per provider in the history file: each namespace's set as the poll read it (usage/live), written only
where it changed, read back, kept across pruning as the state at the cutoff, and in the Report as series."""

from __future__ import annotations

import random
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

from hfmon.costs.provider_time import provider_spend, provider_times, step_of
from hfmon.costs.timeline import Coverage
from hfmon.history import BILLING, History, PollRun, ProviderPoint
from hfmon.models import SourceStatus
from hfmon.provider_spend import step_starts
from hfmon.store import HistoryStore, provider_points
from hfmon.store.extract import encode_money, encode_time
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
        polled = [first]
        for quarter in range(1, 25):  # six hours of polls 15 minutes apart: one run of polls, no gap
            clock.at = start + quarter * timedelta(minutes=15)
            report = await monitor.poll()
            polled.append(read_sets(monitor))
        later = read_sets(monitor)
        assert monitor.store is not None
        points = provider_points.load(monitor.store, [start, start + timedelta(hours=6)])
        times = sorted({p.at for p in points})
        assert times[0] == start and times[-1] == start + timedelta(hours=6) and len(times) == 2  # the two asked
        for when, expected in ((start, first), (start + timedelta(hours=6), later)):
            stored = {(p.namespace, p.provider): (str(p.used_usd), p.requests) for p in points if p.at == when}
            assert stored == {(ns, prov): v for ns, provs in expected.items() for prov, v in provs.items()}
        day = next(w for w in report.provider_spend if w.name == "24h")
        assert day.providers and any(series.total.known for series in day.providers)
        # the six hours' spend, per provider, is what the sets read at every window's step edges say moved (each
        # namespace's history and the run of polls reach back to the first poll, earlier steps are unknown); a
        # provider's total that fell (placeholders settling lower) is not a spend: its step is unknown, never a
        # negative figure
        edges = {clock.at} | {t for w in report.provider_spend for t in step_starts(w.start, w.end, w.step)}
        read = [(when, sets) for when, sets in ((start + k * timedelta(minutes=15), sets)
                                                for k, sets in enumerate(polled)) if when in edges]
        for series in day.providers:
            deltas = [((ns, step_of(when, day.start, day.step, len(series.usd))),
                       Decimal(after.get(ns, {}).get(series.name, ("0", 0))[0])
                       - Decimal(before.get(ns, {}).get(series.name, ("0", 0))[0]))
                      for (_, before), (when, after) in zip(read, read[1:], strict=False) for ns in after]
            fell_in = {cell for cell, d in deltas if d < 0}
            assert series.total.known == sum((d for cell, d in deltas if cell not in fell_in), Decimal(0))
            fell = {ns for ns, _ in fell_in}
            assert {m for m in series.total.missing if "total fell" in m} == {
                "unknown:a provider's total fell with no new billing period for " + ns for ns in fell}
            assert not series.total.complete  # the 24 h before the first poll are not known
    finally:
        await monitor.aclose()


async def test_spend_while_hfmon_was_not_polling_is_unknown_in_the_report() -> None:
    """Two polls six hours apart: what moved between them is not booked into the step of the second poll."""
    monitor, clock = frozen_demo()
    start = clock.now()
    try:
        await monitor.poll()
        first = read_sets(monitor)
        clock.at = start + timedelta(hours=6)
        report = await monitor.poll()
        later = read_sets(monitor)
        moved = {(ns, p) for ns in later for p in later[ns] if later[ns][p][0] != first.get(ns, {}).get(p, ("0",))[0]}
        assert moved  # the demo spent through providers in the gap
        windows = {w.name: w for w in report.provider_spend}
        for name in ("1h", "24h"):  # every step has an edge inside the six hours nobody polled: all unknown
            assert windows[name].providers  # the providers that moved are listed...
            for series in windows[name].providers:  # ...with nothing known, not the six hours in the last step
                assert all(t.known is None and not t.complete for t in series.usd), (name, series.name)
                assert series.total.known is None and not series.total.complete
        # the 7 d window's last step is the six hours from poll to poll: its edges are the two polls, and the sets
        # are running totals, so what moved between them was spent in it, gap or not
        assert windows["7d"].step_starts[-1] == start
        for series in windows["7d"].providers:
            spent = sum((Decimal(later.get(ns, {}).get(series.name, ("0", 0))[0])
                         - Decimal(first.get(ns, {}).get(series.name, ("0", 0))[0]) for ns in later), Decimal(0))
            assert series.usd[-1].complete and series.usd[-1].known == spent, series.name
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


def test_the_sets_read_at_the_steps_give_the_same_series_as_every_set(tmp_path: Path) -> None:
    """Only the sets at the steps' edges (and a period's last) are read: the series must not change for it."""
    rng = random.Random(7)
    nov, dec = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)
    now = datetime(2026, 12, 2, 9, 17, tzinfo=UTC)
    points: list[ProviderPoint] = []
    # acme's period turns at 06:00 (an org's own period), between two edges of the steps: its last set is read too
    for ns, turn in (("alice", dec), ("acme", dec + timedelta(hours=6))):
        used = {"together": Decimal(0), "groq": Decimal(0)}
        at = datetime(2026, 11, 20, tzinfo=UTC) if ns == "alice" else datetime(2026, 11, 28, 20, tzinfo=UTC)
        period = nov
        while at <= now:
            if at >= turn and period == nov:
                period, used = turn, {k: Decimal(0) for k in used}
            provider = rng.choice(sorted(used))
            used[provider] += Decimal(rng.randint(1, 500)) / 1000
            points += [ProviderPoint(ns, at, period, k, v, 0) for k, v in used.items()]
            at += timedelta(minutes=rng.randint(1, 90))
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        rows = [(p.namespace, encode_time(p.at), encode_time(p.period_start), p.provider, encode_money(p.used_usd),
                 p.requests) for p in points]
        store.transaction(lambda conn: conn.executemany(
            "INSERT INTO provider_points (namespace, at, period_start, provider, used_usd, requests) "
            "VALUES (?, ?, ?, ?, ?, ?)", rows))
        thinned = provider_points.load(store, provider_times(now, dec))
    assert len(thinned) < len(points) / 3
    coverage = Coverage(History(poll_runs=(PollRun(points[0].at, now, 60.0),)), points[0].at)

    def polled(start: datetime, end: datetime, namespace: str) -> bool:
        return coverage.covers(start, end, (namespace, BILLING))

    assert provider_spend(thinned, now, dec, polled) == provider_spend(tuple(points), now, dec, polled)


def test_sets_are_spaced_five_minutes_apart_within_a_period(tmp_path: Path) -> None:
    start = encode_time(datetime(2026, 11, 18, 15, tzinfo=UTC))
    period = encode_time(datetime(2026, 11, 1, tzinfo=UTC))
    minute = 60 * 1_000_000

    def spent(usd: str, period_start: int = period) -> dict[str, frozenset[tuple[str, int, str, int]]]:
        return {"alice": frozenset({("together", period_start, usd, 1)})}

    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        for at, sets in ((start, spent("1")), (start + minute, spent("1.5")), (start + 6 * minute, spent("2")),
                         (start + 7 * minute, spent("0.1", start + 7 * minute))):  # a new period: written at once
            store.transaction(lambda conn, at=at, sets=sets: provider_points.record(conn, sets, at))
        conn = sqlite3.connect(store.path)
        written = conn.execute("SELECT at, used_usd FROM provider_points ORDER BY at").fetchall()
        conn.close()
    assert written == [(start, "1"), (start + 6 * minute, "2"), (start + 7 * minute, "0.1")]


def test_a_provider_count_hf_did_not_give_is_read_back_unknown_not_a_number(tmp_path: Path) -> None:
    from tests.costs.builders import billing, namespace, snapshot

    taken = datetime(2026, 11, 18, 15, tzinfo=UTC)
    usage = billing("alice", used="0.9", providers=(("groq", 4, "0.5"), ("novita", 0, "0.4")))
    split = tuple(p if p.provider == "groq" else replace(p, requests=None) for p in usage.by_provider or ())
    sets = provider_points.provider_sets(snapshot(namespace("alice", billing=replace(usage, by_provider=split)),
                                                  taken_at=taken))
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        store.transaction(lambda conn: provider_points.record(conn, sets, encode_time(taken)))
        points = provider_points.load(store, [taken])
    assert {(p.provider, p.used_usd, p.requests) for p in points} == {("groq", Decimal("0.5"), 4),
                                                                      ("novita", Decimal("0.4"), None)}
