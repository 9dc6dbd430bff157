"""Statement lines HF sends with `label: null` (the spec allows it), and a statement with no line for a Space yet:
what each resource was billed and whether a Space is granted are told from the lines' entity ids where a listed
resource's own id matches, and are unknown where nothing can tell, never $0 and never "not granted"."""

from __future__ import annotations

from dataclasses import replace

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.history import History
from hfmon.models import JobCharge, UsageLine
from hfmon.report import Report
from tests.costs.builders import (
    D,
    at,
    billing,
    compute,
    endpoint,
    flavor,
    job,
    line,
    namespace,
    paid,
    snapshot,
    space,
    statement,
)

NOW = at(20)
SPACE_ID, GRANTED_ID, LLM_ID, JOB_ID, GONE_JOB_ID = "a1" * 12, "b2" * 12, "c3" * 12, "d4" * 12, "e5" * 12
HW = (flavor("a10g-small", "0.01", gpu=True), flavor("cpu-basic", "0"))  # a10g-small: $0.60/h


def unlabelled(product: str, entity_id: str, minutes: str, total: str, grant: bool = False) -> UsageLine:
    """A statement line without a label, as HF may send it."""
    return replace(line(product, "", minutes, total), label=None, entity_id=entity_id, free_grant=grant)


def report(*lines: UsageLine, charges: tuple[JobCharge, ...] = ()) -> Report:
    """alice: two Spaces (one on a grant) with their Hub ids, an endpoint and a job, and her statement's lines."""
    spaces = (replace(space("alice/app", hardware="a10g-small"), entity_id=SPACE_ID),
              replace(space("alice/community", hardware="a10g-small"), entity_id=GRANTED_ID))
    alice = namespace("alice", billing=billing("alice"), statement=statement("alice", *lines), spaces=spaces,
                      endpoints=(endpoint("alice", "llm"),), endpoint_catalog=(compute("nvidia-l4", "x1", "0.8"),),
                      jobs=(job(JOB_ID, flavor="cpu-basic", started=at(19)),), job_charges=charges)
    return evaluate(snapshot(alice, spaces_hw=HW), History(), Config(), NOW)


def test_unlabelled_lines_belong_to_the_resource_whose_own_id_they_carry() -> None:
    r = report(unlabelled("spaces/a10g-small/minutes", SPACE_ID, "120", "1.2"),
               unlabelled("spaces/a10g-small/minutes", GRANTED_ID, "600", "0", grant=True),
               unlabelled("jobs/cpu-basic/minutes", JOB_ID, "30", "0.5"))
    app, community = (s.cost for s in r.spaces)
    assert (app.billed_usd, app.granted, app.cost_per_hour_usd) == (D("1.2"), False, D("0.6"))
    assert (community.billed_usd, community.granted, community.cost_per_hour_usd) == (D(0), True, D(0))
    assert r.jobs[0].cost.billed_usd == D("0.5")
    assert r.running_cost_per_hour_usd.missing == ()  # the grant is told by its line: nothing unknown


def test_an_unlabelled_line_no_resource_claims_makes_its_family_s_rows_unknown_not_zero() -> None:
    # an endpoint line without a label: endpoints carry no id hfmon can match, so the line may be alice/llm's
    r = report(line("endpoints/aws/nvidia-l4/x1", "alice/llm", "60", "0.8"),
               unlabelled("endpoints/aws/nvidia-l4/x1", LLM_ID, "120", "1.6"),
               unlabelled("spaces/a10g-small/minutes", SPACE_ID, "120", "1.2"))
    assert r.endpoints[0].cost.billed_usd is None  # $0.80, or $2.40 if the unlabelled line is its own too
    assert r.billed_for("endpoints", "alice").value == D("2.4")  # the statement's total is still known: 0.8 + 1.6
    assert r.billed_unlisted("endpoints", "alice") is None  # what no listed row has cannot be told either
    assert r.spaces[0].cost.billed_usd == D("1.2")  # the Spaces' lines are all told by their ids


def test_an_unclaimed_space_line_leaves_spaces_without_an_id_unknown_and_their_grant_too() -> None:
    # the statement's Space lines carry ids, and one matches a listed Space: a Space WITH an id did not claim the
    # other line, so it is not its; a Space the listing gave no id may own it
    r = report(unlabelled("spaces/a10g-small/minutes", SPACE_ID, "120", "1.2"),
               unlabelled("spaces/a10g-small/minutes", "f6" * 12, "600", "0", grant=True))
    assert r.spaces[0].cost.billed_usd == D("1.2") and r.spaces[0].cost.granted is False
    no_id = replace(space("alice/mystery", hardware="a10g-small"), entity_id=None)
    alice = namespace("alice", statement=statement("alice", unlabelled("spaces/a10g-small/minutes", "f6" * 12, "600",
                                                                       "0", grant=True)), spaces=(no_id,))
    mystery = evaluate(snapshot(alice, spaces_hw=HW), History(), Config(), NOW).spaces[0].cost
    assert (mystery.billed_usd, mystery.granted, mystery.cost_per_hour_usd) == (None, None, None)


def test_a_job_line_without_a_label_is_not_counted_again_from_the_job_charges() -> None:
    # the statement bills a deleted job ($0.75) without a label; /billing/usage/jobs lists the same job
    gone = JobCharge(GONE_JOB_ID, "cpu-basic", at(18), at(18, 1), D(60), D("0.75"))
    r = report(unlabelled("jobs/cpu-basic/minutes", GONE_JOB_ID, "60", "0.75"), charges=(gone,))
    spend = r.spend[0]
    assert spend.jobs_usd == D("0.75")  # once, not $1.50
    # a job line no job's id claims, beside a charge: which charge it already bills is unknown
    other = JobCharge("a9" * 12, "cpu-basic", at(18), at(18, 1), D(60), D("0.75"))
    r = report(unlabelled("jobs/cpu-basic/minutes", "0f" * 12, "60", "0.75"), charges=(other,))
    assert r.spend[0].jobs_usd is None


def test_a_space_on_paid_hardware_with_no_line_yet_may_be_granted() -> None:
    # the statement is read and empty, as at the start of a period: a grant shows only on a line
    r = report()
    app = r.spaces[0].cost
    assert (app.billed_usd, app.granted, app.cost_per_hour_usd) == (D(0), None, None)
    assert r.running_cost_per_hour_usd.missing == ("grant:space alice/app (a10g-small)",
                                                   "grant:space alice/community (a10g-small)")
    # with its line on that hardware, not granted: the catalog price holds
    priced = report(*paid("alice", replace(space("alice/app", hardware="a10g-small"))).lines)
    assert priced.spaces[0].cost.cost_per_hour_usd == D("0.6")
