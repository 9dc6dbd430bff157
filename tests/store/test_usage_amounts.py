"""Schema v8: the first usage point at or over an amount (when the included credits ran out) found by amount, and a v7
file upgraded in place to it with every figure unchanged."""

from __future__ import annotations

import shutil
import sqlite3
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from hfmon.config import Config
from hfmon.costs import evaluate, history_since
from hfmon.costs.evaluate import history_windows
from hfmon.costs.figures import history_figures
from hfmon.history import History
from hfmon.report import Report
from hfmon.store import HistoryStore
from hfmon.store import figures as figures_read
from hfmon.store.extract import encode_time
from hfmon.store.schema import SCHEMA_VERSION
from tests.store.builders import PERIOD_START, T0, billing, endpoint, minutes, namespace, snapshot

# Spend that saws up and down (as the benchmark's copied history does), with a point just under $2 by less than the
# float margin, then the first point truly at $2 (poll 6), and more over it later.
AMOUNTS = ["0.5", "1.25", "1.9999999999", "0.75", "1.5", "1.99", "2.000000000", "0.25", "2.5", "3", "0.1", "4"]
FIRST_OVER = 6  # worked out by eye from AMOUNTS: the first that is >= 2 exactly


def record(path: Path) -> None:
    with HistoryStore.open(path) as store:
        for i, used in enumerate(AMOUNTS):
            store.record(snapshot(minutes(10 * i), namespace("alice", usage=billing("alice", used),
                                                             endpoints=[endpoint("alice", "e", state="running"
                                                                                 if i % 3 else "paused")],
                                                             spaces=[], jobs=[])))


@pytest.mark.parametrize("over_read", [figures_read.OVER_READ, 3, 0])
def test_the_first_point_at_or_over_an_amount_is_exact_by_amount_and_by_time(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, over_read: int) -> None:
    # 3 and 0: more points are over $2 than are read by amount, so the period's points are read by time
    monkeypatch.setattr(figures_read, "OVER_READ", over_read)
    path = tmp_path / "history.sqlite3"
    record(path)
    conn = sqlite3.connect(path)
    lower, now = encode_time(T0), encode_time(minutes(1000))
    row = figures_read._first_over(conn, "alice", encode_time(PERIOD_START), Decimal(2),
                                   lower, now)
    assert row is not None and (row[2], row[4]) == (encode_time(minutes(10 * FIRST_OVER)), "2.000000000")
    never = figures_read._first_over(conn, "alice", encode_time(PERIOD_START), Decimal(5),
                                     lower, now)
    later = figures_read._first_over(conn, "alice", encode_time(PERIOD_START), Decimal(2),
                                     encode_time(minutes(10 * FIRST_OVER + 1)), now)
    conn.close()
    assert never is None
    assert later is not None and later[4] == "2.5"  # from `lower` on: the next one over


def figures_report(path: Path) -> tuple[History, Report]:
    last = snapshot(minutes(10 * len(AMOUNTS)), namespace("alice", usage=billing("alice", "4.5"),
                                                          endpoints=[endpoint("alice", "e")]))
    now = last.taken_at + timedelta(minutes=1)
    with HistoryStore.open(path) as store:
        history = store.load(history_since(last, now), history_windows(last, now, hourly=False), now,
                             figures=history_figures(last, now))
    return history, evaluate(last, history, Config(), now)


def test_a_v7_file_is_upgraded_in_place_with_the_same_figures(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    record(path)
    v7 = tmp_path / "v7.sqlite3"
    shutil.copyfile(path, v7)
    # A v7 file: what this code writes, without what v8 to v13 add (v7 recorded the same rows; v8 adds an index,
    # v9 the runs of polls per listing, which its migration refills from poll_runs, v10 the ledger's caller, v11 the
    # statement bounds, v12 what of an alert is still to deliver, v13 the ledger's gaps).
    conn = sqlite3.connect(v7)
    conn.execute("DROP INDEX usage_points_amount")
    conn.execute("DROP TABLE listing_runs")  # v9's (refilled from poll_runs by its migration)
    conn.execute("ALTER TABLE ledger DROP COLUMN caller")  # v10's
    conn.execute("DROP TABLE statement_bounds")  # v11's
    conn.execute("DROP INDEX alert_events_pending")  # v12's
    conn.execute("ALTER TABLE alert_events DROP COLUMN pending")
    conn.execute("ALTER TABLE alert_events DROP COLUMN taken_at")
    conn.execute("DROP TABLE ledger_gaps")  # v13's
    conn.execute("DROP TABLE zero_gpu_overage")  # v16's
    conn.execute("DROP INDEX ledger_entry")  # v17's
    conn.execute("ALTER TABLE ledger DROP COLUMN entry")
    conn.execute("PRAGMA user_version = 7")
    conn.commit()
    rows_before = conn.execute("SELECT * FROM usage_points ORDER BY rowid").fetchall()
    changes_before = conn.execute("SELECT * FROM state_changes ORDER BY resource_id, at").fetchall()
    conn.close()
    upgraded_history, upgraded = figures_report(v7)
    fresh_history, fresh = figures_report(path)
    assert upgraded == fresh and upgraded_history == fresh_history
    [credits] = upgraded.credits
    # by settled figures (`credits.settled_at`): $2 at 60 min read $0.25 10 min later, $2.5 and $3 then $0.1; the $4
    # at 110 min is the first whose settlement (the least reading up to 30 min on: $4.5 now) is still over $2
    assert credits.exhausts_at == minutes(10 * 11)
    conn = sqlite3.connect(v7)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'usage_points_amount'").fetchone() == (1,)
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    assert conn.execute("SELECT * FROM usage_points ORDER BY rowid").fetchall()[:len(rows_before)] == rows_before
    assert conn.execute("SELECT * FROM state_changes ORDER BY resource_id, at").fetchall()[:len(changes_before)] \
        == changes_before
    conn.close()


def test_the_credits_ran_out_at_a_point_written_under_the_statements_label(tmp_path: Path) -> None:
    # hfmon up to audit 4 labelled usage-v2's Nov 1 total with the statement's period (Oct 15 -> Nov 15): the same
    # total. The credits ($2) ran out at 10 min ($2.10, under Oct 15), not at the first point labelled Nov 1.
    path, october = tmp_path / "history.sqlite3", PERIOD_START - timedelta(days=17)
    polls = [(0, "1.0", october), (10, "2.1", october), (20, "2.2", october),
             (3 * 24 * 60, "2.5", PERIOD_START), (3 * 24 * 60 + 10, "2.6", PERIOD_START)]
    with HistoryStore.open(path) as store:
        for at_minute, used, label in polls:
            usage = billing("alice", used, period_start=label)
            store.record(snapshot(minutes(at_minute), namespace("alice", usage=usage, endpoints=[], spaces=[],
                                                                jobs=[])))
    last = snapshot(minutes(3 * 24 * 60 + 20), namespace("alice", usage=billing("alice", "2.7"), endpoints=[],
                                                         spaces=[], jobs=[]))
    now = last.taken_at + timedelta(minutes=1)
    figures = history_figures(last, now)
    assert figures.usage_since > minutes(10)  # the point is read only as the first over the amount
    with HistoryStore.open(path) as store:
        history = store.load(history_since(last, now), history_windows(last, now, hourly=False), now,
                             figures=figures)
    [credits] = evaluate(last, history, Config(), now).credits
    assert credits.exhausts_at == minutes(10)
