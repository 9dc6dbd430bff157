"""Schema v9: runs of polls per listing (namespace, kind), and a v8 file upgraded to it.

alice is polled every 10 min from 0 to 120 min (her spend changes at every poll); bob only at 0 and 120 min (polls of
alice alone in between, as `hfmon --namespace alice` makes); carol every 10 min, her spend unchanged (history stores
her total at 0, 60 and 120 min, once an hour). Each has one Endpoint running all along.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from hfmon.config import Config
from hfmon.costs import evaluate, history_since
from hfmon.costs.evaluate import history_windows
from hfmon.costs.figures import history_figures
from hfmon.costs.provider_time import provider_times
from hfmon.models import NamespaceData
from hfmon.models_billing import ProviderSpend
from hfmon.report import Report
from hfmon.store import HistoryStore
from hfmon.store.extract import encode_time
from hfmon.store.ledger import with_ledger
from hfmon.store.schema import SCHEMA_VERSION
from tests.store.builders import billing, endpoint, minutes, namespace, snapshot

KINDS = ("billing", "endpoint", "job", "space")
V8_FILE = Path(__file__).parent / "data" / "v8-listing.sqlite3"  # v8 code wrote it (see data/README.md)
BREAK = (datetime(2026, 10, 29, tzinfo=UTC), datetime(2026, 10, 29, 5, 45, tzinfo=UTC))  # no polls in between


def polled(name: str, used: str) -> NamespaceData:
    return namespace(name, usage=billing(name, used), endpoints=[endpoint(name, "e")], spaces=[], jobs=[])


def record(path: Path, until: int = 120) -> None:
    with HistoryStore.open(path) as store:
        for i in range(0, until + 1, 10):
            names = [polled("alice", f"0.{i:03d}"), polled("carol", "0.5")]
            if i in (0, 120):
                names.insert(1, polled("bob", "0.25"))
            store.record(snapshot(minutes(i), *names))


def runs(path: Path) -> dict[tuple[str, str], list[tuple[float, float]]]:
    """Each listing's runs of polls, in minutes from T0."""
    conn = sqlite3.connect(path)
    out: dict[tuple[str, str], list[tuple[float, float]]] = {}
    t0 = encode_time(minutes(0))
    for ns, kind, first, last in conn.execute("SELECT namespace, kind, first_at, last_at FROM listing_runs "
                                              "ORDER BY namespace, kind, first_at"):
        out.setdefault((ns, kind), []).append(((first - t0) / 60e6, (last - t0) / 60e6))
    conn.close()
    return out


def report(path: Path, at: int) -> Report:
    last = snapshot(minutes(at), polled("alice", "1"), polled("bob", "1"), polled("carol", "0.5"))
    now = last.taken_at
    with HistoryStore.open(path) as store:
        history = store.load(history_since(last, now), history_windows(last, now, hourly=False), now,
                             figures=history_figures(last, now))
    return evaluate(last, history, Config(), now)


def last_hour(result: Report, namespace: str) -> tuple[object, ...]:
    [w] = [w for w in result.windows if w.window == "1h" and w.namespace == namespace]
    return w.current.inference_usd, w.current.endpoints_usd, w.current.spaces_usd, w.current.jobs_usd


def test_a_poll_extends_only_the_runs_of_what_it_listed(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    record(path)
    found = runs(path)
    for kind in KINDS:
        assert found[("alice", kind)] == found[("carol", kind)] == [(0, 120)]
        assert found[("bob", kind)] == [(0, 0), (120, 120)]  # 120 min between its listings: two runs
    result = report(path, 120)
    assert None not in last_hour(result, "alice") and None not in last_hour(result, "carol")
    assert last_hour(result, "bob") == (None, None, None, None)


def test_a_v8_file_is_upgraded_reading_each_namespaces_runs_from_its_rows(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # A file v8 code (04dc53a) wrote: the polls of `record(until=150)`, one run from 0 to 150 min (see V8_FILE).
    v8 = tmp_path / "v8.sqlite3"
    shutil.copyfile(V8_FILE, v8)
    conn = sqlite3.connect(v8)
    assert conn.execute("PRAGMA user_version").fetchone() == (8,)
    assert conn.execute("SELECT count(*) FROM poll_runs").fetchone() == (1,)  # one run, 0-150 min, for everyone
    conn.close()
    upgraded = report(v8, 150)
    assert capsys.readouterr().err == f"hfmon: upgrading the history file {v8} (one time)…\n"
    conn = sqlite3.connect(v8)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 18
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    # alice: rows at every poll. carol: a usage point every hour (0, 60, 120 min), no more than 75 min apart (an
    # unchanged total is stored hourly, polls are at most 15 min apart): polled all along, and to the run's end at
    # 150 min, 30 min after her last row (the run says polls went on; her total was unchanged). bob: rows at 0 and
    # 120 min only, 120 min apart, so he was not polled between them (v8's one run said he was); from 120 min his
    # stretch runs to the run's end like carol's (a v8 file cannot tell that the polls after 120 min left him out).
    found = runs(v8)
    for kind in KINDS:
        assert found[("alice", kind)] == found[("carol", kind)] == [(0, 150)]
        assert found[("bob", kind)] == [(0, 0), (120, 150)]
    fresh = tmp_path / "history.sqlite3"
    record(fresh, 150)
    assert [w for w in upgraded.windows if w.namespace != "bob"] == \
        [w for w in report(fresh, 150).windows if w.namespace != "bob"]
    assert None not in last_hour(upgraded, "carol")  # v8 said the hour before the upgrade was watched
    assert last_hour(upgraded, "bob") == (None, None, None, None)  # 90-150 min: not polled before 120
    # a poll after the upgrade extends the runs of what it listed
    with HistoryStore.open(v8) as store:
        store.record(snapshot(minutes(160), polled("alice", "0.2"), polled("bob", "0.3")))
    found = runs(v8)
    assert found[("alice", "endpoint")] == [(0, 160)] and found[("bob", "endpoint")] == [(0, 0), (120, 160)]
    assert found[("carol", "endpoint")] == [(0, 150)]
    after = report(v8, 160)
    assert capsys.readouterr().err == ""  # one time only
    assert None not in last_hour(after, "alice")
    assert last_hour(after, "bob") == (None, None, None, None)  # 100-160 min: listed from 120 only
    assert last_hour(after, "carol") == (None, None, None, None)  # not listed at 160 min


def test_an_old_run_counts_for_a_namespace_without_billing_between_its_rows_only(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        for i in range(0, 61, 10):
            dave = namespace("dave", endpoints=[endpoint("dave", "e", state="running" if i < 30 else "paused")])
            store.record(snapshot(minutes(i), polled("alice", f"0.{i:03d}"), *([dave] if i <= 40 else [])))
    conn = sqlite3.connect(path)
    conn.execute("DROP TABLE listing_runs")
    conn.execute("ALTER TABLE ledger DROP COLUMN caller")  # v10's
    conn.execute("DROP TABLE statement_bounds")  # v11's
    conn.execute("DROP INDEX alert_events_pending")  # v12's
    conn.execute("ALTER TABLE alert_events DROP COLUMN pending")
    conn.execute("ALTER TABLE alert_events DROP COLUMN taken_at")
    conn.execute("DROP TABLE ledger_gaps")  # v13's
    conn.execute("DROP TABLE zero_gpu_overage")  # v16's
    conn.execute("DROP INDEX ledger_entry")  # v17's
    conn.execute("ALTER TABLE ledger DROP COLUMN entry")
    conn.execute("PRAGMA user_version = 8")
    conn.commit()
    conn.close()
    HistoryStore.open(path).close()
    # dave's rows: his Endpoint's changes at 0 and 30 min; listed until 40 min, but no row says so after 30
    assert runs(path)[("dave", "endpoint")] == [(0, 30)]
    assert runs(path)[("alice", "endpoint")] == [(0, 60)]


def test_retention_drops_old_listing_runs(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    record(path)
    with HistoryStore.open(path, retention_days=1) as store:
        store.record(snapshot(minutes(120) + timedelta(days=1, minutes=1), polled("alice", "0.9")))
    assert runs(path) == {("alice", kind): [(24 * 60 + 121, 24 * 60 + 121)] for kind in KINDS}


def test_the_provider_chart_knows_the_steps_before_the_period_began_when_polls_read_them(tmp_path: Path) -> None:
    # alice polled every 15 min for the 7 days to Nov 3 12:00 but for a break inside one 6 h step (Oct 29 00:00 to
    # 05:45: 22 polls not made), $0.01 more through `together` at every poll (from zero again on Nov 1, her new
    # period). History is read from Nov 1 (the period's start), and her runs of polls before it are read too: the 7 d
    # chart's 28 steps of 6 h are all known (the break is inside one step, whose edges polls saw), $0.01 x (672 - 22)
    # polls after the first = $6.50. v8 read only the runs that reached Nov 1: the 7 steps to Oct 29 06:00 were
    # unknown, the week's total partial.
    october, november = datetime(2026, 10, 1, tzinfo=UTC), datetime(2026, 11, 1, tzinfo=UTC)
    now = datetime(2026, 11, 3, 12, tzinfo=UTC)
    start = now - timedelta(days=7)
    path = tmp_path / "history.sqlite3"
    last = None
    with HistoryStore.open(path) as store:
        used, period = Decimal(0), october
        for quarter in range(7 * 96 + 1):
            at = start + quarter * timedelta(minutes=15)
            if BREAK[0] < at < BREAK[1]:
                continue
            if at >= november and period == october:
                used, period = Decimal(0), november
            used += Decimal("0.01") if quarter else 0
            usage = replace(billing("alice", "0.5", period_start=period),
                            by_provider=(ProviderSpend("together", quarter, used),))
            last = snapshot(at, namespace("alice", usage=usage, endpoints=[], spaces=[], jobs=[]))
            store.record(last)
        assert last is not None and last.taken_at == now
        loaded = store.load(history_since(last, now), history_windows(last, now), now)
        history = with_ledger(store, loaded, now, provider_times(now, november))
    assert history_since(last, now) == november
    [week] = [w for w in evaluate(last, history, Config(), now).provider_spend if w.name == "7d"]
    [together] = week.providers
    assert len(together.usd) == 28 and all(step.complete for step in together.usd)
    assert together.total.complete and together.total.known == Decimal("6.50")
