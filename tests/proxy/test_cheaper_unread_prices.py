"""Cheaper providers when the router's prices could not be read: unknown, never "no other provider serves it"."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hfmon.costs.ledger import cheaper_elsewhere
from hfmon.jsonout import _cheaper
from hfmon.ledger import LedgerRow, Outcome
from hfmon.models import RouterPrice

AT = datetime(2026, 11, 20, tzinfo=UTC)


def row(provider: str, policy: str | None = "cheapest") -> LedgerRow:
    return LedgerRow(AT, None, "chat", "m", policy, provider, False, 200, Outcome.OK, 0.1, 0.2, 1_000_000, 500_000,
                     None, None, Decimal("1.5"))


def test_unread_prices_leave_the_alternatives_unknown() -> None:
    [c] = cheaper_elsewhere([row("groq"), row("together", None)], None)
    assert c.options is None and c.cheapest is None and c.cheapest_policy_misses is None
    assert c.cheapest_policy_requests == 1  # counted from the ledger, prices or not
    doc = _cheaper(c)
    assert doc["providers"] is None and doc["cheapest"] is None and doc["cheapest_policy_requests"] == 1


def test_read_prices_give_every_live_provider_cheapest_first() -> None:
    prices = [RouterPrice("m", "groq", "live", Decimal(1), Decimal(2)),  # 1M x $1 + 0.5M x $2 = $2
              RouterPrice("m", "together", "live", Decimal("0.5"), Decimal(1)),  # $0.50 + $0.50 = $1
              RouterPrice("m", "down", "error", Decimal(0), Decimal(0))]  # not live: not an option
    [c] = cheaper_elsewhere([row("groq")], prices)
    assert c.options == (("together", Decimal(1)), ("groq", Decimal(2)))
    assert c.cheapest_policy_misses == 1  # asked for the cheapest, served by groq
    assert _cheaper(c)["providers"] == [{"provider": "together", "cost_usd": 1.0},
                                        {"provider": "groq", "cost_usd": 2.0}]
    assert _cheaper(None)["providers"] is None and _cheaper(None)["cheapest_policy_requests"] is None
