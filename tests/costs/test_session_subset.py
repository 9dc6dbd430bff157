"""Session costs cover only requests tagged with X-HF-Session-id: fewer is normal, more is drift."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from hfmon.config import Tolerance
from hfmon.costs.credits import Period
from hfmon.costs.crosscheck import inference_rows
from hfmon.models import BillingUsage, InferenceUsage, SessionCost
from hfmon.report import CheckStatus

START, END = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)


def usage(used: str) -> BillingUsage:
    """A usage-v2 answer with only the inference total set."""
    return BillingUsage("alice", InferenceUsage(Decimal(used), Decimal(2), None, 10, START, END), None)


def session(cost: str) -> SessionCost:
    """One settled session of November."""
    return SessionCost("s1", START, 3, Decimal(cost))


def row_for(used: str, sessions: str) -> tuple[CheckStatus, str]:
    [row] = [r for r in inference_rows(usage(used), [session(sessions)], Period(START, END), Decimal(0),
                                       Tolerance()) if "session" in r.item]
    return row.status, row.note


def test_untagged_spend_is_not_drift() -> None:
    status, note = row_for("5.00", "1.25")
    assert status is CheckStatus.OK
    assert "25%" in note


def test_sessions_costing_more_than_the_total_is_drift() -> None:
    status, _ = row_for("1.00", "1.50")
    assert status is CheckStatus.DRIFT


def test_a_period_from_the_15th_is_not_compared_with_monthly_session_groups() -> None:
    """HF groups sessions by calendar month: over Nov 15 - Dec 15 only December's group lay in the period, and the
    row read 'tagged sessions cover 17% of the spend' where they covered 99.9 % (audit 8 E5)."""
    period = Period(datetime(2026, 11, 15, tzinfo=UTC), datetime(2026, 12, 15, tzinfo=UTC))
    sessions = [SessionCost("nov", START, 129, Decimal("12.95")), SessionCost("dec", END, 21, Decimal("2.67"))]
    [row] = [r for r in inference_rows(usage("15.63"), sessions, period, Decimal(0), Tolerance())
             if "session" in r.item]
    assert row.status is CheckStatus.UNPRICED and row.recomputed_usd is None
    assert "calendar month" in row.note and "Nov 15 to Dec 15" in row.note
