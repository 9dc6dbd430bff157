"""Schema v10: the account whose token made each proxy request (`ledger.caller`), and a v9 file upgraded to it.

A v9 file does not say whose token made its requests: one billed to no org (X-HF-Bill-To unset) is then of unknown
owner for every account reading the file, counted apart and its estimate partial, never given to each of them.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import pytest

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.costs.ledger_scope import CALLER_UNKNOWN
from hfmon.history import History
from hfmon.ledger import LedgerRow, Outcome, UsageFigures
from hfmon.store import HistoryStore
from hfmon.store import ledger as stored
from hfmon.store.schema import SCHEMA_VERSION
from tests.costs.builders import account, namespace, snapshot
from tests.store.builders import minutes

V9_FILE = Path(__file__).parent / "data" / "v9-ledger.sqlite3"  # v9 code wrote it (see data/README.md)


def last_hour(rows: tuple[LedgerRow, ...], user: str) -> dict[str, UsageFigures]:
    """The proxy's last hour per model for `user` (in the org acme), polling both namespaces."""
    snap = snapshot(namespace(user), namespace("acme", kind="org"), acct=account(user, orgs=("acme",)),
                    taken_at=minutes(3))
    report = evaluate(snap, History(ledger=rows), Config(), minutes(3))
    assert report.proxy is not None
    [window] = [w for w in report.proxy.windows if w.name == "1h"]
    return {m.name: m for m in window.by_model}


def test_a_v9_file_is_upgraded_its_old_requests_of_unknown_caller(tmp_path: Path,
                                                                    capsys: pytest.CaptureFixture[str]) -> None:
    v9 = tmp_path / "v9.sqlite3"
    shutil.copyfile(V9_FILE, v9)
    conn = sqlite3.connect(v9)
    assert conn.execute("PRAGMA user_version").fetchone() == (9,)
    conn.close()
    with HistoryStore.open(v9) as store:
        assert capsys.readouterr().err == f"hfmon: upgrading the history file {v9} (one time)…\n"
        old = stored.load(store, minutes(-1))
        assert [(r.request_id, r.namespace, r.caller, r.run_id, r.session_id, r.estimated_usd, r.latency_s)
                for r in old] == [("r1", None, None, None, "s1", Decimal("0.00018"), 1.25),
                                  ("r2", "acme", None, "run-1", "s2", Decimal("0.0005"), 1.25)]
        mine = replace(old[0], at=minutes(2), request_id="r3", caller="alice")  # after the upgrade: whose is noted
        stored.append(store, [mine])
        rows = stored.load(store, minutes(-1))
        assert stored.load_run(store, "run-1") == (old[1],)
    assert rows == (*old, mine)
    conn = sqlite3.connect(v9)
    assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION == 18
    assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()

    alice = last_hour(rows, "alice")
    one, two = alice["m/one"], alice["m/two"]
    # r3 is alice's ($0.00018); r1 (v9: no caller) may be alice's or bob's: in neither count, the estimate partial
    assert (one.requests, one.requests_owner_unknown, one.prompt_tokens) == (1, 1, 100)
    assert (one.estimated_usd.value, one.estimated_usd.known) == (None, Decimal("0.00018"))
    assert one.estimated_usd.missing == (f"unknown:{CALLER_UNKNOWN}",)
    assert (two.requests, two.requests_owner_unknown, two.estimated_usd.value) == (1, 0, Decimal("0.0005"))  # acme's

    bob = last_hour(rows, "bob")  # bob, also in acme, reads the same file
    one = bob["m/one"]
    assert (one.requests, one.requests_owner_unknown) == (0, 1)  # r3 is alice's: not his; r1 unknown, as for alice
    assert (one.estimated_usd.value, one.estimated_usd.known) == (None, None)
    assert bob["m/two"].requests == 1  # billed to acme: whoever made it, acme pays


def test_rows_whose_caller_is_known_count_for_that_account_only(tmp_path: Path) -> None:
    base = LedgerRow(at=minutes(0), namespace=None, route="chat", model="m/one", policy=None, provider="novita",
                     streamed=False, status=200, outcome=Outcome.OK, ttfb_s=0.1, latency_s=1.0, prompt_tokens=10,
                     completion_tokens=20, request_id="a", session_id=None, estimated_usd=Decimal("0.001"))
    rows = (replace(base, caller="alice"), replace(base, at=minutes(1), request_id="b", caller="bob",
                                                   estimated_usd=Decimal("0.002")))
    with HistoryStore.open(tmp_path / "history.sqlite3") as store:
        stored.append(store, rows)
        loaded = stored.load(store, minutes(-1))
    assert loaded == rows
    for user, cost in (("alice", Decimal("0.001")), ("bob", Decimal("0.002"))):
        one = last_hour(loaded, user)["m/one"]
        assert (one.requests, one.requests_owner_unknown, one.estimated_usd.value) == (1, 0, cost), user
        assert one.estimated_usd.complete
    assert last_hour(loaded, "carol") == {}  # made by neither of her tokens: not hers at all
