"""Per-kind totals the Endpoints screen shows: $/h now and billed this period, never a missing part as $0."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime
from decimal import Decimal

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.history import History
from hfmon.models import BillingUsage, ProviderSpend
from hfmon.report import ProviderRow, Remainder, Report
from tests.costs.builders import D, at, billing, compute, endpoint, job, line, missing, namespace, snapshot, statement

PRICES = (compute("nvidia-l4", "x1", "0.8"),)


def report_for(acme_statement_readable: bool) -> Report:
    alice = namespace("alice", endpoints=(endpoint("alice", "chat"),), endpoint_catalog=PRICES,
                      statement=statement("alice", line("endpoints/aws/nvidia-l4/x1", "alice/chat", "60", "0.8")))
    acme_values = {"statement": statement("acme", line("endpoints/aws/nvidia-l4/x1", "acme/llm", "120", "1.6"))}
    acme = namespace("acme", "org", endpoints=(endpoint("acme", "llm", ready=2, min_replica=2),),
                     endpoint_catalog=PRICES, **(acme_values if acme_statement_readable else {}))
    return evaluate(snapshot(alice, acme), History(), Config(), at(20))


def test_every_statement_read_gives_complete_totals() -> None:
    r = report_for(True)
    # alice: 1 replica x $0.80; acme: 2 replicas x $0.80
    assert r.running_of("endpoints", None).value == D("2.4")
    assert r.running_of("endpoints", "acme").value == D("1.6")
    assert r.running_of("spaces", None).value == 0
    assert r.billed_for("endpoints", None).value == D("2.4")  # $0.80 + $1.60 billed
    assert r.billed_for("endpoints", "alice").value == D("0.8")


def test_an_unreadable_statement_makes_the_billed_total_partial_not_smaller() -> None:
    r = report_for(False)
    billed = r.billed_for("endpoints", None)
    assert billed.value is None and billed.known == D("0.8")
    assert billed.missing == ("statement:acme",)
    assert r.billed_for("endpoints", "acme").known is None  # nothing known: unknown, not $0
    assert r.billed_for("endpoints", "alice").value == D("0.8")
    assert r.running_of("endpoints", None).value == D("2.4")  # the $/h does not need the statement


def test_billed_now_counts_are_partial_when_a_listing_is_unreadable() -> None:
    alice = namespace("alice", endpoints=(endpoint("alice", "chat"), endpoint("alice", "idle", state="paused")),
                      endpoint_catalog=PRICES)
    acme = namespace("acme", "org", endpoints=missing("endpoints:acme"), endpoint_catalog=PRICES)
    r = evaluate(snapshot(alice, acme), History(), Config(), at(20))
    every = r.billed_now_count("endpoints")
    assert (every.known, every.missing) == (1, ("endpoints:acme",))  # the paused one is not billed
    assert r.billed_now_count("endpoints", "alice").value == 1
    assert r.billed_now_count("endpoints", "acme").known is None
    assert r.billed_now_count("spaces").value == 0
    assert r.billed_now_count(None, "alice").value == 1


def test_the_billed_total_counts_endpoints_deleted_this_period() -> None:
    # acme/old ran 30 min this period and was deleted: the statement bills it, the listing no longer has it
    gone = line("endpoints/aws/nvidia-l4/x1", "acme/old", "30", "0.4")
    acme = namespace("acme", "org", endpoints=(endpoint("acme", "llm", ready=2),), endpoint_catalog=PRICES,
                     statement=statement("acme", line("endpoints/aws/nvidia-l4/x1", "acme/llm", "120", "1.6"), gone))
    r = evaluate(snapshot(acme), History(), Config(), at(20))
    assert r.billed_for("endpoints", "acme").value == D("2.0")  # $1.60 + $0.40, as the statement bills
    assert r.billed_for("endpoints", "acme").value == r.spend[0].endpoints_usd
    assert sum(e.cost.billed_usd or 0 for e in r.endpoints) == D("1.6")  # the rows: only what is listed
    assert r.billed_unlisted("endpoints", "acme") == D("0.4")  # the remainder: rows + it = the bill
    assert report_for(True).billed_unlisted("endpoints", None) == 0  # nothing deleted: no remainder
    assert report_for(False).billed_unlisted("endpoints", None) is None  # acme's bill unread: unknown


def counted(usage: BillingUsage, requests: int | None) -> BillingUsage:
    """`usage` with usage-v2's own request count (None: numRequests absent)."""
    return replace(usage, inference=replace(usage.inference, requests=requests))


def test_a_provider_split_read_after_the_total_leaves_the_rest_unknown_never_negative() -> None:
    # usage-v2 says $1.00 (10 requests); the live split, read a moment later, already counts $1.50 (12 requests)
    split = (("novita", 8, "1.2"), ("groq", 4, "0.3"))
    alice = namespace("alice", billing=counted(billing("alice", used="1", providers=split), 10))
    inf = evaluate(snapshot(alice), History(), Config(), at(20)).inference
    assert (inf.cost_usd.value, inf.requests.value) == (D(1), 10)
    assert inf.not_broken_down == Remainder(  # not -$0.50 and -2 requests: an inconsistency, said as such
        "not broken down", None, None, "cost unknown, as the providers count $0.50 more than the total (read after "
        "it); request count unknown, as the providers count 2 more than the total (read after it)")
    # read the other way round, the rest is spend HF gives no provider for: $2.00 - $1.50, 15 - 12 requests
    alice = namespace("alice", billing=counted(billing("alice", used="2", providers=split), 15))
    rest = evaluate(snapshot(alice), History(), Config(), at(20)).inference.not_broken_down
    assert rest == Remainder("not broken down", 3, D("0.5"))


def test_the_accounts_rest_is_each_namespaces_rest_added_up_never_netted_across_them() -> None:
    """ada's split runs $1.00 ahead of its total (its rest unknown); bob's leaves $2.00 to no provider. Netted, the
    account's rest read a known $1.00 (review finding 4); it is unknown, and says whose."""
    ada = namespace("ada", billing=counted(billing("ada", used="1", providers=(("together", 3, "2"),)), 3))
    bob = namespace("bob", "org", billing=counted(billing("bob", used="3", providers=(("together", 2, "1"),)), 5))
    rest = evaluate(snapshot(ada, bob), History(), Config(), at(20)).inference.not_broken_down
    assert rest is not None and rest.cost_usd is None and rest.requests == 3  # 0 of ada's and 3 of bob's
    assert rest.why == "ada: cost unknown, as the providers count $1.00 more than the total (read after it)"
    both_known = namespace("ada", billing=counted(billing("ada", used="2.5", providers=(("together", 3, "2"),)), 4))
    rest = evaluate(snapshot(both_known, bob), History(), Config(), at(20)).inference.not_broken_down
    assert rest == Remainder("not broken down", 4, D("2.5"))  # $0.50 + $2.00, 1 + 3 requests


def test_a_request_count_hf_did_not_give_is_unknown_never_zero() -> None:
    # alice's usage-v2 without numRequests ($1.00), bob's with 7 requests ($0.40); no live split
    alice = namespace("alice", billing=counted(billing("alice", used="1"), None))
    bob = namespace("bob", "org", billing=counted(billing("bob", used="0.4"), 7))
    inf = evaluate(snapshot(alice, bob), History(), Config(), at(20)).inference
    assert inf.cost_usd.value == D("1.4")  # the spend is known whole
    assert (inf.requests.value, inf.requests.known, inf.requests.missing) == (None, 7, ("request_count:alice",))
    assert inf.not_broken_down == Remainder("not broken down", None, D("1.4"),
                                            "alice: request count unknown, as HF did not give every count")
    # a provider whose count HF did not give: its requests are unknown, its spend still counted
    bob = namespace("bob", "org", billing=replace(counted(billing("bob", used="0.4", providers=(
        ("groq", 0, "0.25"),)), 7), by_provider=(ProviderSpend("groq", None, D("0.25")),)))
    inf = evaluate(snapshot(bob), History(), Config(), at(20)).inference
    assert inf.by_provider == (ProviderRow("groq", None, D("0.25")),)
    assert inf.not_broken_down == Remainder("not broken down", None, D("0.15"),
                                            "request count unknown, as HF did not give every count")


def test_an_unreadable_listing_makes_the_unlisted_remainder_unknown_not_the_whole_bill() -> None:
    # the statement bills acme/llm $1.60, but the listing failed: nothing says acme/llm was deleted
    acme = namespace("acme", "org", endpoints=missing("endpoints:acme"), endpoint_catalog=PRICES,
                     statement=statement("acme", line("endpoints/aws/nvidia-l4/x1", "acme/llm", "120", "1.6")))
    r = evaluate(snapshot(acme), History(), Config(), at(20))
    assert r.billed_for("endpoints", "acme").value == D("1.6")
    assert r.billed_unlisted("endpoints", "acme") is None


def test_a_bill_below_its_rows_leaves_what_deleted_jobs_cost_unknown_never_negative() -> None:
    # statement unread: the jobs' bill is usage-v2's $0.50, the listed job's row its charge of $0.75 (read later)
    from hfmon.models import JobCharge, JobsSpend
    charge = JobCharge("j1", "cpu-basic", at(19), None, D(45), D("0.75"))
    alice = namespace("alice", billing=replace(billing("alice"), jobs=JobsSpend(D("0.5"), D(30))),
                      jobs=(job("j1", started=at(19)),), job_charges=(charge,))
    r = evaluate(snapshot(alice), History(), Config(), at(20))
    assert r.billed_for("jobs", "alice").value == D("0.5") and r.jobs[0].cost.billed_usd == D("0.75")
    assert r.billed_unlisted("jobs", "alice") is None  # not -$0.25 "no longer listed"


def test_a_jobs_figure_over_another_period_says_nothing_of_this_one() -> None:
    """usage-v2 may give Jobs their own period (a live payload: Aug 15 - Sep 15 beside inference's Aug 1 - Sep 1).
    With the statement unread, $0.50 over Nov 15 - Dec 15 is not November's jobs spend (audit 3, finding 19)."""
    from hfmon.models import JobsSpend

    def jobs_billed(start: datetime, end: datetime) -> Decimal | None:
        spend = JobsSpend(D("0.5"), D(30), start, end)
        alice = namespace("alice", billing=replace(billing("alice"), jobs=spend))
        return evaluate(snapshot(alice), History(), Config(), at(20)).billed_for("jobs", "alice").value

    assert jobs_billed(at(15), at(15, month=12)) is None
    assert jobs_billed(at(1), at(1, month=12)) == D("0.5")  # the namespace's own period (November)
