"""The proxy's journal (`store.journal`) and schemas v17 and v18 (`ledger.entry`, `ledger_gaps.entry`): a dead
proxy's journal (and the gaps kept beside it) is written into the history file once, whatever the proxy had written
before it died; a live proxy's is left alone; the journal stays within its bounds and goes away once its rows are in
the file."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from hfmon.ledger import LedgerGap, LedgerRow, Outcome
from hfmon.store import HistoryStore, journal
from hfmon.store import ledger as stored
from hfmon.store.extract import encode_time
from hfmon.store.journal import Journal, replay_dead
from hfmon.store.schema import MIGRATIONS, SCHEMA_VERSION, migrate

AT = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
ROW = LedgerRow(at=AT, namespace="acme", route="chat", model="m/x", policy=None, provider=None, streamed=False,
                status=None, outcome=Outcome.BAD_RESPONSE, ttfb_s=None, latency_s=None, prompt_tokens=None,
                completion_tokens=None, request_id=None, session_id="hfmon-s", estimated_usd=None, caller="ada")


def started(live: Journal, row: LedgerRow = ROW) -> LedgerRow:
    """A request journaled as the proxy sends it on (as `ProxyApp` does)."""
    keyed = replace(row, entry=live.key())
    live.start(replace(keyed, outcome=Outcome.PROXY_STOPPED))
    return keyed


def answered(row: LedgerRow, tokens: int) -> LedgerRow:
    """`row` as its request ended: answered 200 with `tokens` each way."""
    return replace(row, provider="prov", status=200, outcome=Outcome.OK, ttfb_s=0.1, latency_s=0.5,
                   prompt_tokens=tokens, completion_tokens=tokens, estimated_usd=Decimal(tokens) / 1000)


def all_rows(store: HistoryStore) -> tuple[LedgerRow, ...]:
    return stored.load(store, datetime(2000, 1, 1, tzinfo=UTC))


def test_a_dead_proxys_journal_is_written_in_once(tmp_path: Path) -> None:
    """Three requests: one the dead proxy had written, one it had not, one under way when it died."""
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        dead = Journal(journal.directory_beside(path))
        rows = [started(dead, replace(ROW, at=AT + timedelta(seconds=i))) for i in range(3)]
        done = [answered(rows[0], 10), answered(rows[1], 20)]
        for row in done:
            dead.note(row)
        stored.append(store, done[:1])  # the proxy's writer got this one in before the kill
        dead.committed(done[:1])
        assert replay_dead(store, dead.directory) == 0  # it lives (holds its segment): nothing is taken from it
        dead.close()  # as the kernel does for a killed process: its lock goes, its file stays
        assert replay_dead(store, dead.directory) == 1
        assert replay_dead(store, dead.directory) == 0  # and then it is gone
        got = all_rows(store)
    assert [(r.outcome, r.prompt_tokens, r.caller) for r in got] == [
        (Outcome.OK, 10, "ada"), (Outcome.OK, 20, "ada"), (Outcome.PROXY_STOPPED, None, "ada")]
    assert [r.entry for r in got] == [r.entry for r in rows] and len({r.entry for r in got}) == 3
    assert not any(dead.directory.iterdir())


def test_a_journal_read_twice_writes_nothing_twice(tmp_path: Path) -> None:
    """Killed between writing a journal in and removing it, the next proxy reads it again: no row is doubled."""
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        dead = Journal(journal.directory_beside(path))
        row = answered(started(dead), 7)
        dead.note(row)
        [segment] = dead.directory.iterdir()
        copy = segment.read_bytes()
        dead.close()
        replay_dead(store, dead.directory)
        segment.write_bytes(copy)  # as if the file had not been removed
        replay_dead(store, dead.directory)
        assert [r.prompt_tokens for r in all_rows(store)] == [7]


def test_the_journal_empties_once_the_file_has_its_rows_and_keeps_to_its_bound(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    directory = tmp_path / journal.DIRECTORY
    live = Journal(directory)
    first = answered(started(live), 1)
    live.note(first)
    assert live.size > 0
    live.committed([first])
    assert live.size == 0  # all in the history file: nothing kept
    monkeypatch.setattr(journal, "SEGMENT_MAX", 1)  # a segment per request
    monkeypatch.setattr(journal, "JOURNAL_MAX", 2000)  # about 10 requests' records
    held = [started(live) for _ in range(40)]
    kept = [r for r in held if r.entry is not None]
    assert 5 <= len(kept) < 40 and held[-1].entry is None  # past its bound a request is not journaled (the
    assert live.size < journal.JOURNAL_MAX + 500  # writer keeps it in memory, as before the journal)
    for row in kept:
        live.note(answered(row, 2))
    live.committed(answered(row, 2) for row in kept)
    assert len(list(directory.iterdir())) <= 2  # the segments whose rows are all in are removed
    assert live.key() is not None  # and there is room again
    live.close()


def test_a_v15_file_takes_journal_keys(tmp_path: Path) -> None:
    """v16 to v18 on a v15 file: its rows stay, without a journal key; a key is then written once only."""
    path = tmp_path / "history.sqlite3"
    conn = sqlite3.connect(path)
    migrate(conn, 0, MIGRATIONS[:15])
    conn.execute("INSERT INTO ledger (at, route, model, streamed, outcome) VALUES (?, 'chat', 'm/old', 0, 'ok')",
                 (encode_time(AT),))
    conn.commit()
    conn.close()
    with HistoryStore.open(path) as store:
        stored.append(store, [ROW, ROW, replace(ROW, entry="s:1"), replace(ROW, entry="s:1", model="m/again")])
        got = all_rows(store)
    assert [(r.model, r.entry) for r in got] == [("m/old", None), ("m/x", None), ("m/x", None), ("m/x", "s:1")]
    conn = sqlite3.connect(path)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    conn.close()


def test_gaps_kept_beside_a_dead_proxys_journal_are_recorded_once(tmp_path: Path) -> None:
    """v18: the proxy recorded its gap, then died before clearing its gaps file: the gap is not counted twice."""
    path = tmp_path / "history.sqlite3"
    with HistoryStore.open(path) as store:
        dead = Journal(journal.directory_beside(path))
        gap = LedgerGap(AT, AT + timedelta(seconds=5), 3, "the disk is full", None, ("acme", "ada"), dead.gap_key())
        dead.keep_gaps((gap,))
        assert replay_dead(store, dead.directory) == 0  # its proxy lives: its gaps are its own to record
        stored.record_gap(store, gap)  # the file took writes again ...
        dead.close()  # ... and the proxy died before it cleared the file
        replay_dead(store, dead.directory)
        replay_dead(store, dead.directory)
        assert stored.load_gaps(store, AT) == (replace(gap, entry=None),)
        assert not any(dead.directory.iterdir())
