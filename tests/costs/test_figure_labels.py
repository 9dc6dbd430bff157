"""A figure labelled X is X: limits that cover only part of a total, and similar mismatches. Pure."""

from __future__ import annotations

from datetime import UTC, datetime

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.history import History
from tests.costs.builders import RepoStorage, account, at, billing, namespace, snapshot

NOW = datetime(2026, 11, 20, tzinfo=UTC)
TB = 10**12


def test_the_private_storage_limit_covers_every_namespace_counted_or_is_unknown() -> None:
    # alice's limit is known (billing read); acme's is not, but its 0.5 TB of private repos count in the total.
    alice = namespace("alice", billing=billing("alice", private_storage_bytes=TB // 10, public_storage_bytes=0,
                                               private_storage_limit_bytes=TB))
    acme = namespace("acme", kind="org", storage=(RepoStorage("acme", "acme/big", "dataset", True, TB // 2),))
    r = evaluate(snapshot(alice, acme, acct=account(orgs=("acme",))), History(), Config(), NOW)
    assert r.storage.private_bytes == TB // 10 + TB // 2
    assert r.storage.private_limit_bytes is None  # 1 TB is alice's alone: 60% "of 1 TB" would be wrong

    both = namespace("acme", kind="org", billing=billing("acme", private_storage_bytes=TB // 2,
                                                          public_storage_bytes=0, private_storage_limit_bytes=5 * TB))
    r = evaluate(snapshot(alice, both, acct=account(orgs=("acme",))), History(), Config(), NOW)
    assert (r.storage.private_bytes, r.storage.private_limit_bytes) == (TB // 10 + TB // 2, 6 * TB)


def test_a_namespace_without_private_storage_does_not_need_a_known_limit() -> None:
    alice = namespace("alice", billing=billing("alice", private_storage_bytes=TB // 10, public_storage_bytes=0,
                                               private_storage_limit_bytes=TB))
    acme = namespace("acme", kind="org", storage=(RepoStorage("acme", "acme/open", "model", False, 5 * 10**9),))
    r = evaluate(snapshot(alice, acme, acct=account(orgs=("acme",))), History(), Config(), at(20))
    assert (r.storage.private_bytes, r.storage.private_limit_bytes) == (TB // 10, TB)
