"""`--namespace alice` reports the proxy's requests billed to alice only: one billed to the org acme
(X-HF-Bill-To) is not in alice's per-model figures (audit 3, finding 14: they were, in a document scoped to alice).

X-HF-Bill-To may name a resource group of an org by its id: such a request is acme's when acme's groups hold it
(reviewer 5: it was dropped from `--namespace acme`). A request whose namespace cannot be told (acme's groups not
read, whoami failed) is neither counted nor dropped: the figures it may belong to count it apart and their
estimate is partial, saying why (reviewer 5: with whoami failing, requests billed to orgs not polled were counted).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.costs.ledger_scope import CALLER_UNKNOWN
from hfmon.history import History
from hfmon.ledger import LedgerRow, Outcome, UsageFigures
from hfmon.models import GroupMembership, NamespaceData, ResourceGroup, Snapshot
from tests.costs.builders import D, account, at, missing, namespace, ok, snapshot

NOW = at(20, 12)
GROUP = "a" * 24  # the id of acme's resource group `research`
ROW = LedgerRow(at=NOW - timedelta(minutes=10), namespace=None, route="chat", model="m/one", policy="groq",
                provider="groq", streamed=False, status=200, outcome=Outcome.OK, ttfb_s=0.1, latency_s=1.0,
                prompt_tokens=100, completion_tokens=200, request_id="r1", session_id=None,
                estimated_usd=D("0.0002"), caller="alice")
ROWS = (ROW, replace(ROW, request_id="r2", namespace="acme", model="m/two", estimated_usd=D("0.0005")),
        replace(ROW, request_id="r3", namespace="alice", estimated_usd=D("0.0001")),
        replace(ROW, request_id="r4", namespace=GROUP, model="m/three", estimated_usd=D("0.0007")))
ACME_GROUPS = ok("resource_groups:acme", (ResourceGroup("acme", GROUP, "research", ()),))


def polled(*names: str, groups: Any = ACME_GROUPS) -> list[NamespaceData]:
    return [namespace(ns, kind="user") if ns == "alice" else
            replace(namespace(ns, kind="org"), resource_groups=groups,
                    resource_group_usage=missing(f"resource_group_usage:{ns}")) for ns in names]


def hour(snap: Snapshot, rows: tuple[LedgerRow, ...] = ROWS) -> dict[str, UsageFigures]:
    report = evaluate(snap, History(ledger=rows), Config(), NOW)
    assert report.proxy is not None
    [window] = [w for w in report.proxy.windows if w.name == "1h"]
    return {m.name: m for m in window.by_model}


def by_model(*names: str, groups: Any = ACME_GROUPS) -> dict[str, int]:
    snap = snapshot(*polled(*names, groups=groups), acct=account("alice", orgs=("acme",)), taken_at=NOW)
    return {name: m.requests for name, m in hour(snap).items()}


def test_a_namespace_run_counts_only_the_requests_billed_to_it() -> None:
    assert by_model("alice") == {"m/one": 2}  # r1 (billed to no org: the user's) and r3
    assert by_model("acme") == {"m/two": 1, "m/three": 1}  # r4: billed to acme's resource group
    assert by_model("alice", "acme") == {"m/one": 2, "m/two": 1, "m/three": 1}  # every namespace: every request


def test_a_group_id_whose_org_groups_were_not_read_makes_the_figures_partial() -> None:
    snap = snapshot(*polled("acme", groups=missing("resource_groups:acme")),
                    acct=account("alice", orgs=("acme",)), taken_at=NOW)
    models = hour(snap)
    assert models["m/two"].requests == 1 and models["m/two"].estimated_usd.value == D("0.0005")
    three = models["m/three"]  # r4 may be acme's or not: neither counted nor dropped
    assert (three.requests, three.requests_owner_unknown, three.errors) == (0, 1, 0)
    assert three.estimated_usd.value is None and three.estimated_usd.known is None
    assert three.estimated_usd.missing == (f"unknown:requests billed to {GROUP}, which may be a resource group "
                                           "of acme (not read) or another namespace",)
    assert three.prompt_tokens == 0 and three.error_pct is None


def test_with_whoami_failed_only_the_unbilled_requests_are_of_unknown_namespace() -> None:
    snap = replace(snapshot(*polled("acme"), taken_at=NOW), account=missing("account"))
    assert "m/one" not in hour(snap)  # r1 made with alice's token (the proxy recorded it): billed to alice, not polled
    models = hour(snap, (replace(ROW, caller=None), *ROWS[1:]))
    # r3 billed to alice, a namespace not polled and not a group of acme: out (it was counted before)
    one = models["m/one"]  # r1 billed to the token's user, whose name neither whoami nor the proxy gave
    assert (one.requests, one.requests_owner_unknown) == (0, 1)
    assert one.estimated_usd.missing == (f"unknown:{CALLER_UNKNOWN}",)
    assert (models["m/two"].requests, models["m/three"].requests) == (1, 1)
    assert models["m/three"].estimated_usd.value == D("0.0007")


def test_with_whoami_failed_and_groups_unread_a_name_not_polled_is_unknown() -> None:
    snap = replace(snapshot(*polled("acme", groups=missing("resource_groups:acme")), taken_at=NOW),
                   account=missing("account"))
    models = hour(snap, (replace(ROW, caller=None), *ROWS[1:]))
    assert {name: (m.requests, m.requests_owner_unknown) for name, m in models.items()} == {
        "m/one": (0, 2), "m/two": (1, 0), "m/three": (0, 1)}  # alice may be a group id of acme, for all hfmon knows
    assert models["m/one"].estimated_usd.missing == (
        f"unknown:{CALLER_UNKNOWN}",
        "unknown:requests billed to alice, which may be a resource group of acme (not read) or another namespace; "
        "whoami failed")


def test_whoami_places_the_groups_the_user_is_in_when_their_org_lists_none() -> None:
    beta = "b" * 24  # a group of the org beta, not polled, that whoami lists the user in
    rows = (*ROWS, replace(ROW, request_id="r5", namespace=beta, model="m/four"))
    who = account("alice", orgs=("acme", "beta"))
    assert who.orgs is not None
    acme, other = who.orgs
    who = replace(who, orgs=(replace(acme, resource_groups=(GroupMembership(GROUP, "research", "read"),)),
                             replace(other, resource_groups=(GroupMembership(beta, "ml", "write"),))))
    snap = snapshot(*polled("acme", groups=missing("resource_groups:acme")), acct=who, taken_at=NOW)
    report = evaluate(snap, History(ledger=rows), Config(), NOW)
    assert report.proxy is not None
    [window] = [w for w in report.proxy.windows if w.name == "1h"]
    models = {m.name: (m.requests, m.requests_owner_unknown) for m in window.by_model}
    # r4 is acme's by whoami (acme's own list unread: it was of unknown namespace); r5 is beta's: not in acme's
    assert models == {"m/two": (1, 0), "m/three": (1, 0)}
    assert {c.model: c.billed_to for c in report.proxy.cheaper} == {"m/two": ("acme",), "m/three": ("acme",)}


def test_a_request_billed_to_no_org_counts_for_the_account_whose_token_made_it() -> None:
    """Several accounts ([profiles]) share the history file: r1, alice's own, is not bob's (both are in acme)."""
    bob = snapshot(namespace("bob"), *polled("acme"), acct=account("bob", orgs=("acme",)), taken_at=NOW)
    assert {name: m.requests for name, m in hour(bob).items()} == {"m/two": 1, "m/three": 1}  # acme's, whoever made
    assert {name: m.requests for name, m in hour(bob, (replace(ROW, caller="bob"),)).items()} == {"m/one": 1}
    one = hour(bob, (replace(ROW, caller=None),))["m/one"]  # the proxy did not say whose token: alice's or bob's
    assert (one.requests, one.requests_owner_unknown, one.estimated_usd.value) == (0, 1, None)
    assert one.estimated_usd.missing == (f"unknown:{CALLER_UNKNOWN}",)
    nothing = replace(snapshot(taken_at=NOW), account=missing("account"))  # whoami failed, nothing polled
    one = hour(nothing, (ROW,))["m/one"]  # alice's token: but whose account is this?
    assert (one.requests, one.requests_owner_unknown) == (0, 1)
    assert one.estimated_usd.missing == ("unknown:requests billed to the token's own account (no X-HF-Bill-To), "
                                         "unknown while whoami fails",)
