"""Figures over namespaces when a namespace, or which namespaces there are, could not be read: unknown or partial,
naming what is missing, never the sum of nothing posing as $0 or 0 bytes."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import jsonschema

from hfmon.advice.engine import advise
from hfmon.advice.policy import check_policy
from hfmon.config import Config, Policy
from hfmon.costs import evaluate
from hfmon.history import History, PollRun, StateChange
from hfmon.jsonout import report_document
from hfmon.pricing.catalog import build_catalog
from hfmon.report import Report, Total
from hfmon.schemas import once_schema
from hfmon.textout import render_text
from tests.costs.builders import (
    D,
    RepoStorage,
    at,
    billing,
    endpoint,
    flavor,
    missing,
    namespace,
    ok,
    snapshot,
    space,
    statement,
)
from tests.costs.builders import paid as paid_statement

NOW = at(20)
ACCOUNT = ("account",)
EVERY_POLICY = Policy(gpu_space_max_sleep_s=3600, no_min_replica_in=("*",), private_storage_within_plan=True)


def nothing_read() -> Report:
    """The Report when the account could not be read and so no namespace was polled."""
    snap = replace(snapshot(), account=missing("account"), spaces_hardware=missing("spaces_hardware"))
    return evaluate(snap, History(), Config(), NOW)


def test_every_figure_over_namespaces_is_unknown_when_the_namespaces_are() -> None:
    r = nothing_read()
    assert r.namespaces_unknown == ACCOUNT
    unknown_usd: Total[Decimal] = Total(None, ACCOUNT)
    unknown_count: Total[int] = Total(None, ACCOUNT)
    assert r.running_cost_per_hour_usd == unknown_usd
    for kind in ("endpoints", "spaces", "jobs", None):
        assert r.running_of(kind, None) == unknown_usd
        assert r.billed_now_count(kind) == unknown_count
        assert r.listed_count(kind) == unknown_count
    # a namespace asked for by name is not known to be empty either
    assert r.running_in("acme") == unknown_usd and r.listed_count("endpoints", "acme") == unknown_count
    assert r.billed_for("endpoints", None) == unknown_usd
    assert r.inference.cost_usd == unknown_usd and r.inference.requests == unknown_count
    assert r.inference.not_broken_down is None and r.inference.parts == ()
    assert r.storage.private_bytes == unknown_count and r.storage.public_bytes == unknown_count
    assert r.storage.private_limit_bytes is None
    assert r.repositories.missing == ACCOUNT and r.repositories.unread(None) == ("every listing",)
    assert r.repositories.missing_in("acme") == ACCOUNT
    assert r.gpu_hours_missing == ACCOUNT and r.crosscheck_unchecked == ACCOUNT


def test_nothing_read_is_not_all_clear_for_the_advisor_or_a_policy() -> None:
    r = nothing_read()
    catalog = build_catalog(None)
    assert "account" in advise(r, History(), catalog).unchecked
    result = check_policy(r, EVERY_POLICY, catalog)
    assert not result.holds and result.breaches == ()
    assert len(result.unchecked) == 3 and all(u.endswith("account unreadable") for u in result.unchecked)


def test_nothing_read_as_json_has_no_zero_and_follows_the_schema() -> None:
    doc = report_document(nothing_read())
    jsonschema.validate(doc, once_schema())
    unknown = {"value": None, "at_least": None, "complete": False, "missing": ["account"]}
    assert doc["storage"]["private_bytes"] == unknown and doc["storage"]["public_bytes"] == unknown
    assert doc["inference"]["not_broken_down"] is None
    assert doc["namespaces_unknown"] == ["account"] and doc["crosscheck_unchecked"] == ["account"]
    assert doc["repositories"]["missing"] == ["account"] and doc["gpu_hours_missing"] == ["account"]


def test_nothing_read_as_text_shows_no_count_and_no_all_clear() -> None:
    text = render_text(nothing_read())
    lines = text.splitlines()
    assert "$0.00" not in text and "0 B" not in text
    assert "Running   unknown now" in lines  # no "0 endpoints, 0 Spaces, 0 jobs billed" after it
    for kind in ("Endpoints", "Spaces", "Jobs"):
        assert f"{kind}  unknown: account unknown" in lines
    assert "nothing billed yet" not in text
    assert lines[lines.index("Cross-check  none in what was read") + 1].strip() == (
        "not compared: every namespace (account unknown)")


def test_a_namespace_with_no_storage_figure_is_missing_not_zero_bytes() -> None:
    alice = namespace("alice", billing=billing("alice", private_storage_bytes=700, public_storage_bytes=300,
                                               private_storage_limit_bytes=1000))
    acme = namespace("acme", "org", billing=missing("billing:acme"), storage=missing("storage:acme"))
    listed = namespace("beta", "org", billing=missing("billing:beta"),
                       storage=(RepoStorage("beta", "beta/m", "model", True, 40),
                                RepoStorage("beta", "beta/d", "dataset", False, 2)))
    r = evaluate(snapshot(alice, acme, listed), History(), Config(), NOW)
    # alice from usage-v2, beta from its listing (40 private, 2 public), acme unknown: named, not added as 0
    assert r.storage.private_bytes == Total(740, ("storage:acme",))
    assert r.storage.public_bytes == Total(302, ("storage:acme",))
    assert r.storage.private_limit_bytes is None  # the limit cannot cover namespaces whose limits are unknown
    assert [(n.namespace, n.private_bytes) for n in r.storage.by_namespace] == [
        ("alice", 700), ("acme", None), ("beta", 40)]
    complete = evaluate(snapshot(alice), History(), Config(), NOW).storage
    assert (complete.private_bytes, complete.public_bytes, complete.private_limit_bytes) == (
        Total(700), Total(300), 1000)


def test_an_unread_listing_makes_counts_and_bills_partial() -> None:
    alice = namespace("alice", billing=billing("alice"), statement=statement("alice"),
                      endpoints=(endpoint("alice", "a", "running"), endpoint("alice", "b", "paused")))
    acme = namespace("acme", "org", endpoints=missing("endpoints:acme"))
    r = evaluate(snapshot(alice, acme), History(), Config(), NOW)
    assert r.namespaces_unknown == ()
    assert r.listed_count("endpoints") == Total(2, ("endpoints:acme",))
    assert r.listed_count("endpoints", "alice") == Total(2)
    assert r.listed_count("endpoints", "acme") == Total(None, ("endpoints:acme",))
    assert r.billed_now_count("endpoints", "alice").value == 1  # the paused one costs nothing now
    assert r.billed_for("endpoints", None) == Total(D(0), ("statement:acme",))  # alice's statement bills nothing
    assert r.billed_for("endpoints", "acme") == Total(None, ("statement:acme",))
    # what the cross-check could not compare: acme's statement and usage were not read
    assert set(r.crosscheck_unchecked) == {"statement:acme", "billing:acme"}
    assert "             not compared: acme (statement, usage unread)" in render_text(r).splitlines()
    assert r.inference.not_broken_down is not None  # alice's total is known: the remainder is a number


def test_a_complete_account_leaves_nothing_unknown() -> None:
    alice = namespace("alice", billing=billing("alice"), statement=statement("alice"), storage=ok("storage:alice", ()))
    r = evaluate(snapshot(alice), History(), Config(), NOW)
    assert r.namespaces_unknown == () and r.crosscheck_unchecked == () and r.gpu_hours_missing == ()
    assert r.listed_count(None) == Total(0) and r.running_cost_per_hour_usd == Total(Decimal(0))
    assert r.storage.private_bytes == Total(0) and r.repositories.missing == ()
    assert "Cross-check  nothing billed yet" in render_text(r).splitlines()


def grant_unread() -> Report:
    """alice's statement unread: her a10g-small Space (catalog $1.00002/h) may be granted; her CPU Space and
    her sleeping GPU Space cost what they cost whatever a grant says."""
    snap = snapshot(
        namespace("alice", billing=billing("alice"), statement=missing("statement:alice"),
                  spaces=(space("alice/demo", hardware="a10g-small", sleep=None),
                          space("alice/cpu", hardware="cpu-upgrade"),
                          space("alice/asleep", stage="SLEEPING", hardware="a10g-small", replicas=0))),
        spaces_hw=(flavor("a10g-small", "0.016667", gpu=True), flavor("cpu-upgrade", "0.0005")))
    return evaluate(snap, History(), Config(), NOW)


def test_without_a_statement_a_space_on_paid_hardware_costs_an_unknown_amount_now() -> None:
    r = grant_unread()
    costs = {s.space.id: s.cost for s in r.spaces}
    demo = costs["alice/demo"]
    assert demo.granted is None and demo.price is not None and demo.price.usd_per_hour == D("1.00002")
    assert demo.cost_per_hour_usd is None and demo.to_period_end_usd is None
    assert demo.billed_now is None  # billed or free now: unknown (was True, as if billed)
    # a grant would make it $0: the catalog price is not what it costs, so the meter names it instead of adding it
    assert costs["alice/cpu"].cost_per_hour_usd is None  # paid CPU hardware can be granted too
    assert costs["alice/asleep"].cost_per_hour_usd == 0  # asleep: nothing now, granted or not
    assert r.running_cost_per_hour_usd == Total(D(0), ("grant:space alice/demo (a10g-small)",
                                                       "grant:space alice/cpu (cpu-upgrade)"))
    text = render_text(r)
    assert "not in it: 2 maybe granted (no statement line for it)" in text
    assert "  alice/demo                 RUNNING      a10g-small          unknown          —" in text.splitlines()
    # was the flag "runs on a10g-small ($/h unknown) and never sleeps": it may be granted, so neither raised nor clear
    assert "runs on a10g-small ($/h unknown) and never sleeps" not in text
    assert "    no_sleep_time:alice/demo (maybe granted: no statement line)" in text.splitlines()
    assert "Spaces  3 · at least 0 billed now" in text  # was "2 billed now": alice/demo and alice/cpu may be granted
    assert report_document(r)["spaces"][0]["granted"] is None


def test_without_a_statement_no_saving_or_breach_is_claimed_for_a_space_that_may_be_granted() -> None:
    r = grant_unread()
    catalog = build_catalog(None)
    found = [f for f in advise(r, History(), catalog).findings if f.resource == "space alice/demo"]
    assert found and all(f.saving_usd_month is None for f in found)
    result = check_policy(r, Policy(gpu_space_max_sleep_s=3600), catalog)
    assert result.breaches == () and not result.holds
    # alice/asleep sleeps within the rule; the account's org acme was not polled, so its Spaces are not checked
    assert result.unchecked == (
        "no GPU Space without a sleep time of at most 1h: acme was not polled (--namespace, or a profile's or the "
        "config's namespaces, left it out)",
        "no GPU Space without a sleep time of at most 1h: space alice/demo (whether it is granted is unknown: no "
        "statement line for it)")


def test_without_a_statement_history_prices_a_maybe_granted_space_as_unknown_too() -> None:
    # alice/demo has run on a10g-small ($1.00002/h) for 3 days of history; its statement was not read
    start = NOW - timedelta(days=3)
    demo = space("alice/demo", hardware="a10g-small", sleep=None)
    snap = snapshot(namespace("alice", billing=billing("alice"), statement=missing("statement:alice"), spaces=(demo,)),
                    spaces_hw=(flavor("a10g-small", "0.016667", gpu=True),))
    history = History(changes=(StateChange("space", "alice/demo", start, "RUNNING", "a10g-small", 1),),
                      poll_runs=(PollRun(start, NOW, 60.0),))
    r = evaluate(snap, history, Config(), NOW)
    assert r.spaces[0].cost.hourly_usd and set(r.spaces[0].cost.hourly_usd) == {None}  # each hour unknown
    spent = r.window_total("24h", "alice")
    assert spent is not None and spent.product("spaces").value is None  # not 24 x $1.00002 as if paid
    assert spent.product("spaces").missing == ("unpriced:space alice/demo",)  # its one Space, at least $0
    no_line = replace(snap, namespaces=(replace(snap.namespaces[0], statement=ok("statement:alice",
                                                                                 statement("alice"))),))
    # read, but no line on its hardware yet (as at the start of a period): whether it is granted is still unknown
    assert set(evaluate(no_line, history, Config(), NOW).spaces[0].cost.hourly_usd) == {None}
    read = replace(snap, namespaces=(replace(snap.namespaces[0], statement=ok(
        "statement:alice", paid_statement("alice", demo))),))
    paid = evaluate(read, history, Config(), NOW)  # its line is not granted: the catalog price holds
    assert set(paid.spaces[0].cost.hourly_usd) == {D("1.00002")}
    paid_spent = paid.window_total("24h", "alice")
    assert paid_spent is not None and paid_spent.product("spaces").value == D("24.00048")
