"""The credits in `--once --json`: the projection's rate and window, what is provisional, and a fall explained."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import jsonschema

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.history import History, UsagePoint
from hfmon.jsonout import report_document
from hfmon.schemas import once_schema
from tests.costs.builders import PERIOD_START, billing, namespace, snapshot

D = Decimal
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


def credits_doc(history: History, used: str) -> dict[str, object]:
    report = evaluate(snapshot(namespace("alice", billing=billing("alice", used=used, included="20"))), history,
                      Config(), NOW)
    doc = report_document(report)
    jsonschema.validate(doc, once_schema())
    credits: dict[str, object] = doc["credits"]
    return credits


def test_without_history_nothing_is_claimed_settled() -> None:
    c = credits_doc(History(), "1.95")
    assert c["provisional_usd"] is None  # unknown, not 0
    assert c["rate_includes_unsettled"] is True
    assert (c["rate_measured_from"], c["rate_measured_to"]) == ("2026-11-01T00:00:00Z", "2026-11-20T12:00:00Z")
    assert c["projection_rate_usd_per_day"] == 0.1  # 1.95 / 19.5 days
    assert c["projected_period_usd"] == 3.0  # 1.95 + 0.1 x 10.5


def test_a_fall_between_polls_is_in_the_json_with_when() -> None:
    at = [datetime(2026, 11, 20, 11, m, tzinfo=UTC) for m in (0, 20, 40)]
    history = History(usage=tuple(UsagePoint("alice", t, PERIOD_START, D(v), None)
                                  for t, v in zip(at, ("2.00", "2.02", "2.04"), strict=True)))
    c = credits_doc(history, "2.03")
    assert (c["fell_usd"], c["fell_since"]) == (0.01, "2026-11-20T11:40:00Z")
    assert c["provisional_usd"] == 0.01  # 2.03 - 2.02 (11:20, the latest point 30 min old)
    assert c["rate_measured_to"] == "2026-11-20T11:20:00Z" and c["rate_includes_unsettled"] is False
    # 2.02 over the period up to 11:20 (no point 24 h before it): 2.02 / (19 days 11 h 20 min)
    assert c["projection_rate_usd_per_day"] == float((D("2.02") / (D(19) + D(680) / 1440)).quantize(D("0.000001")))
