"""A figure labelled X is X: limits that cover only part of a total, and similar mismatches. Pure."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.costs.credits import credits_for
from hfmon.history import History, UsagePoint
from hfmon.models import PeriodStatement
from tests.costs.builders import (
    PERIOD_START,
    RepoStorage,
    account,
    at,
    billing,
    flavor,
    inference,
    line,
    namespace,
    snapshot,
    space,
)

D = Decimal
NOW = datetime(2026, 11, 20, tzinfo=UTC)
TB = 10**12


def test_the_private_storage_limit_covers_every_namespace_counted_or_is_unknown() -> None:
    # alice's limit is known (billing read); acme's is not, but its 0.5 TB of private repos count in the total.
    alice = namespace("alice", billing=billing("alice", private_storage_bytes=TB // 10, public_storage_bytes=0,
                                               private_storage_limit_bytes=TB))
    acme = namespace("acme", kind="org", storage=(RepoStorage("acme", "acme/big", "dataset", True, TB // 2),))
    r = evaluate(snapshot(alice, acme, acct=account(orgs=("acme",))), History(), Config(), NOW)
    assert r.storage.private_bytes.value == TB // 10 + TB // 2
    assert r.storage.private_limit_bytes is None  # 1 TB is alice's alone: 60% "of 1 TB" would be wrong

    both = namespace("acme", kind="org", billing=billing("acme", private_storage_bytes=TB // 2,
                                                          public_storage_bytes=0, private_storage_limit_bytes=5 * TB))
    r = evaluate(snapshot(alice, both, acct=account(orgs=("acme",))), History(), Config(), NOW)
    # both limits known, still no pooled 6 TB: HF holds each namespace to its own (alice 10 %, acme 10 %)
    assert (r.storage.private_bytes.value, r.storage.private_limit_bytes) == (TB // 10 + TB // 2, None)
    assert [(n.namespace, n.private_limit_bytes, n.share, n.over_bytes) for n in r.storage.by_namespace] == [
        ("alice", TB, Decimal("0.1"), 0), ("acme", 5 * TB, Decimal("0.1"), 0)]


def test_a_namespace_without_private_storage_keeps_the_others_own_limit() -> None:
    alice = namespace("alice", billing=billing("alice", private_storage_bytes=TB // 10, public_storage_bytes=0,
                                               private_storage_limit_bytes=TB))
    acme = namespace("acme", kind="org", storage=(RepoStorage("acme", "acme/open", "model", False, 5 * 10**9),))
    r = evaluate(snapshot(alice, acme, acct=account(orgs=("acme",))), History(), Config(), at(20))
    assert (r.storage.private_bytes.value, r.storage.private_limit_bytes) == (TB // 10, None)  # two namespaces
    assert r.storage.of("alice").private_limit_bytes == TB  # alice's own, as her view shows it
    acme_storage = r.storage.of("acme").by_namespace[0]
    assert (acme_storage.private_bytes, acme_storage.private_limit_bytes, acme_storage.share) == (0, None, None)


def test_the_projection_stops_at_the_spending_limit() -> None:
    # $2.50 used 15 days in, $0.10/day since the last day: $4.00 by the end, but a $3 limit refuses the rest.
    history = History(usage=(UsagePoint("alice", at(15), PERIOD_START, D("2.4"), None),))
    c = credits_for("alice", inference("2.5", "2", limit="3"), history, at(16))
    assert c.limit_hit_at == at(21)  # 0.5 / 0.1 per day
    assert c.projected_period_usd == D(3)
    over = credits_for("alice", inference("3.004", "2", limit="3"), History(), at(16))
    assert over.projected_period_usd == D("3.004")  # spend in flight when the limit was reached stays counted
    no_limit = credits_for("alice", inference("2.5", "2"), history, at(16))
    assert no_limit.projected_period_usd == D("4.0")


def test_uptime_minutes_after_a_period_began_counts_whole_minutes() -> None:
    # Running all along; HF bills whole minutes, so 5 min 30 s into December the line says 5 minutes.
    dec, jan = datetime(2026, 12, 1, tzinfo=UTC), datetime(2027, 1, 1, tzinfo=UTC)
    for now, minutes in ((datetime(2026, 12, 1, 0, 5, 30, tzinfo=UTC), "5"), (datetime(2026, 12, 1, 0, 0, 30,
                                                                                         tzinfo=UTC), "0")):
        run = line("spaces/t4-small/minutes", "alice/chat", minutes, str(D("0.006667") * D(minutes)), unit="0.006667",
                   started=dec, active=True)
        stmt = PeriodStatement("alice", "p12", dec, jan, (run,))
        snap = snapshot(namespace("alice", spaces=(space("alice/chat"),), statement=stmt),
                        spaces_hw=(flavor("t4-small", "0.006667", gpu=True),), taken_at=now)
        cost = evaluate(snap, History(), Config(), now).spaces[0].cost
        assert cost.uptime_pct == D(100), now  # not 90.91% (5 of 5.5 min), nor 0% in the first minute


def test_credits_do_not_run_out_past_a_lower_spending_limit() -> None:
    # $1.60 limit under $2 of credits, $0.10/day: spend stops at $1.60 on Nov 17, so the credits (which would
    # run out on Nov 21 at that rate) never run out this period.
    c = credits_for("alice", inference("1.5", "2", limit="1.6"), History(), at(16))
    assert c.limit_hit_at == at(17)
    assert c.exhausts_at is None
    assert c.projected_period_usd == D("1.6")
