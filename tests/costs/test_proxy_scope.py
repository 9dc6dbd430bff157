"""`--namespace alice` reports the proxy's requests billed to alice only: one billed to the org acme
(X-HF-Bill-To) is not in alice's per-model figures (audit 3, finding 14: they were, in a document scoped to alice)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.history import History
from hfmon.ledger import LedgerRow, Outcome
from tests.costs.builders import D, account, at, namespace, snapshot

NOW = at(20, 12)
ROW = LedgerRow(at=NOW - timedelta(minutes=10), namespace=None, route="chat", model="m/one", policy="groq",
                provider="groq", streamed=False, status=200, outcome=Outcome.OK, ttfb_s=0.1, latency_s=1.0,
                prompt_tokens=100, completion_tokens=200, request_id="r1", session_id=None,
                estimated_usd=D("0.0002"))
ROWS = (ROW, replace(ROW, request_id="r2", namespace="acme", model="m/two", estimated_usd=D("0.0005")),
        replace(ROW, request_id="r3", namespace="alice", estimated_usd=D("0.0001")))


def by_model(*polled: str) -> dict[str, int]:
    snap = snapshot(*(namespace(ns, kind="user" if ns == "alice" else "org") for ns in polled),
                    acct=account("alice", orgs=("acme",)), taken_at=NOW)
    report = evaluate(snap, History(ledger=ROWS), Config(), NOW)
    assert report.proxy is not None
    [hour] = [w for w in report.proxy.windows if w.name == "1h"]
    return {m.name: m.requests for m in hour.by_model}


def test_a_namespace_run_counts_only_the_requests_billed_to_it() -> None:
    assert by_model("alice") == {"m/one": 2}  # r1 (billed to no org: the user's) and r3
    assert by_model("acme") == {"m/two": 1}
    assert by_model("alice", "acme") == {"m/one": 2, "m/two": 1}  # every namespace: every request
