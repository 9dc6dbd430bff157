"""The statement's invoice: a Stripe invoice with its status, amount due and due date, or none issued yet."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hfmon.api.parse_billing import parse_statement
from hfmon.format import invoice_text

PERIOD = {"_id": "a" * 24, "entityId": "b" * 24, "entityType": "org", "entityName": "acme",
          "periodStart": "2026-10-01T00:00:00.000Z", "periodEnd": "2026-11-01T00:00:00.000Z"}


def statement(invoice: object) -> dict[str, object]:
    return {"period": {**PERIOD, "invoice": invoice}, "usage": {}}


def test_a_stripe_invoice_keeps_status_amount_due_and_due_date() -> None:
    inv = parse_statement(statement({"type": "stripe", "id": "in_1", "amountDueCents": 12050, "totalCents": 13000,
                                     "status": "open", "dueDate": "2026-11-15T00:00:00.000Z"}), "acme").invoice
    assert inv is not None and inv.issued and inv.status == "open"
    assert (inv.amount_due_usd, inv.total_usd) == (Decimal("120.50"), Decimal("130.00"))
    assert inv.due_at == datetime(2026, 11, 15, tzinfo=UTC)
    assert invoice_text(inv) == "open · $120.50 due Nov 15"


def test_no_invoice_yet_and_no_invoice_field_differ() -> None:
    none_yet = parse_statement(statement({"type": "no-invoice", "id": "no-invoice"}), "acme").invoice
    assert none_yet is not None and not none_yet.issued and none_yet.amount_due_usd is None
    assert invoice_text(none_yet) == "none issued yet"
    assert parse_statement({"period": PERIOD, "usage": {}}, "acme").invoice is None
