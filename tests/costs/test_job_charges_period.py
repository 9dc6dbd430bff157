"""Job charges (`/billing/usage/jobs`) on their own period anchor: only those of the statement's period count as
this period's; one across its bounds makes the jobs part unknown. Values written out by hand."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.figures import Spend
from hfmon.format import missing_note
from hfmon.history import History
from hfmon.models import JobCharge
from tests.costs.builders import (
    PERIOD_END,
    PERIOD_START,
    at,
    billing,
    flavor,
    job,
    line,
    namespace,
    snapshot,
    statement,
)

D = Decimal
NOW = at(18, 15)
OCT_25, NOV_25 = at(25, month=10), at(25)  # usage/jobs anchored on the 25th: Oct 25 -> Nov 25
STATED = line("jobs/cpu-basic/minutes", "stated", "60", "0.60")  # the statement's one job line: $0.60


def charge(jid: str, started: datetime, completed: datetime | None, usd: str,
           period: tuple[datetime, datetime] = (OCT_25, NOV_25)) -> JobCharge:
    """A charge of usage/jobs' period (Oct 25 -> Nov 25 unless said)."""
    return JobCharge(jid, "cpu-basic", started, completed, D(60), D(usd), *period)


def spend_of(*charges: JobCharge) -> tuple[Spend, dict[str, Decimal | None]]:
    """The namespace's spend with these charges, and what each job was billed this period."""
    jobs = (job("stated", stage="COMPLETED"), *(job(c.job_id, stage="COMPLETED") for c in charges))
    snap = snapshot(namespace("alice", billing=billing("alice"), statement=statement("alice", STATED),
                              job_charges=charges, jobs=jobs), jobs_hw=(flavor("cpu-basic", "0.01"),))
    report = evaluate(snap, History(), Config(), NOW)
    return report.spend[0], {row.job.id: row.cost.billed_usd for row in report.jobs}


def test_a_charge_of_the_period_before_is_not_this_periods() -> None:
    # Oct 28 10:00-10:30, listed by usage/jobs (Oct 25 -> Nov 25), ended before the statement's Nov 1: not November's.
    # Nov 10 08:00-09:00, the same period's listing, inside November: this period's (its job has no statement line).
    spend, billed = spend_of(charge("oct28", at(28, 10, month=10), at(28, 10, 30, month=10), "15.00"),
                             charge("nov10", at(10, 8), at(10, 9), "0.25"))
    assert spend.jobs_usd == D("0.85")  # 0.60 stated + 0.25 of Nov 10; never + 15.00
    assert spend.total_usd.complete
    assert billed == {"stated": D("0.60"), "oct28": D(0), "nov10": D("0.25")}


def test_boundaries_of_the_statements_period() -> None:
    # ended exactly as the period began: not this period's; started exactly at its start: this period's
    spend, _ = spend_of(charge("ended", at(31, 23, month=10), PERIOD_START, "1.00"),
                        charge("began", PERIOD_START, at(1, 1), "0.10"))
    assert spend.jobs_usd == D("0.70")
    # usage/jobs' period is the statement's: its charges are this period's whatever their times say (HF split them)
    spend, _ = spend_of(charge("same", at(31, 23, month=10), at(1, 1), "0.20", (PERIOD_START, PERIOD_END)))
    assert spend.jobs_usd == D("0.80")


def test_a_charge_across_the_periods_start_makes_the_jobs_part_unknown() -> None:
    # Oct 31 23:00 -> Nov 1 01:00 on usage/jobs' own anchor: how much of its $2.00 is November's is unknown
    spend, billed = spend_of(charge("astride", at(31, 23, month=10), at(1, 1), "2.00"))
    assert spend.jobs_usd is None
    total = spend.total_usd
    assert not total.complete and "jobs_period:alice" in total.missing
    assert "statement:alice" not in total.missing  # the statement was read: it is not what is missing
    assert "a job charge spans two billing periods" in missing_note(total, 1)
    assert billed == {"stated": D("0.60"), "astride": None}
    # still running from before the period began: the same
    spend, billed = spend_of(charge("running", at(31, 23, month=10), None, "2.00"))
    assert spend.jobs_usd is None and billed["running"] is None
