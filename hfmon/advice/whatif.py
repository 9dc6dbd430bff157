"""The what-if bill: each namespace's bill this period and for a month at its current pace, as it is and with each
finding applied (and all of them). Pure.

- As it is: what HF billed this period so far (`Report.spend`, the figures the cross-check checks); the month at
  the current pace is the part that accrues over the hours elapsed since the period began, times the hours of a
  month (`Advice.hours_per_month`, 730 by default), plus the month's storage charge once (billed whole for the
  month: `costs.month_charges`); unknown in the period's first hours (under `MIN_PROJECTION_SPAN`, the credits'
  rule), and said so. A bill missing only parts whose least is known (`AT_LEAST_PARTS`) is at least its known part.
- With a finding: its monthly saving over the hours elapsed (so far) or in full (month), but never more than the
  resource itself cost so far, or costs a month at its own pace so far (a finding cannot save what was not spent).
  A finding on a charge for the month (storage above the plan) saves it whole in both columns, as it would have
  had it been applied when the period began, but never more than the statement charged for it. When the statement
  charges none of it yet (`month_charges.not_charged_yet`: it comes with the renewal), it saves nothing so far and
  all of it a month, and the month at pace counts that charge.
- Findings about one past run (a job that hit its timeout) are not lines: they save nothing a month.
- All: the best finding of each resource (alternatives count once). A finding whose saving is unknown leaves its
  line unknown, and "all" says it left it out: never a $0 saving in disguise.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from hfmon.advice.engine import best_per_resource, period_hours, period_start
from hfmon.advice.model import Advice, Finding
from hfmon.costs.billing_rules import micro
from hfmon.costs.credits import MIN_PROJECTION_SPAN, TOO_EARLY
from hfmon.costs.month_charges import charged_for_month, month_at_pace, not_charged_yet
from hfmon.figures import INFERENCE_PERIOD, JOBS_PERIOD, STATEMENT_BEHIND, Spend
from hfmon.format import day, money
from hfmon.report import Report

SHORT = {"cannot_scale_to_zero": "to zero", "idle_timeout_tail": "timeout", "no_sleep_time": "sleep",
         "long_sleep_time": "sleep", "forgotten": "pause", "storage_above_plan": "storage",
         "oversized_hardware": "hardware", "cheaper_provider": "provider", "cheapest_policy_miss": ":cheapest"}
"""The change of a finding kind in one word, for the what-if bill's labels."""


@dataclass(frozen=True, slots=True)
class WhatIfLine:
    """The bill with one finding applied (or all of them)."""

    label: str  # "<resource> (<change>)", or "all findings"
    saving_so_far_usd: Decimal | None  # None: unknown
    saving_month_usd: Decimal | None
    so_far_usd: Decimal | None  # the bill so far with it applied; None: unknown
    month_usd: Decimal | None
    note: str = ""


@dataclass(frozen=True, slots=True)
class BillWhatIf:
    """One namespace's bill as it is, and with the findings on its resources applied."""

    namespace: str
    period_start: datetime
    elapsed_hours: Decimal
    so_far_usd: Decimal | None  # billed this period so far; None: its billing or statement is unreadable
    month_usd: Decimal | None  # a month (`Advice.hours_per_month`) at the pace so far
    lines: tuple[WhatIfLine, ...]
    note: str = ""
    # the bill so far is only known to be at least `so_far_usd` (the statement is behind another HF figure of the
    # period): it, the month at its pace and every line's bill are lower bounds; the savings are not
    at_least: bool = False


AT_LEAST_PARTS = frozenset({STATEMENT_BEHIND, INFERENCE_PERIOD, JOBS_PERIOD})
"""Kinds of a bill's missing part (`Total.missing`) whose least is known: the statement's figure behind another HF
figure of the period (`Spend.behind`), inference usage-v2 counts over another period, a job charge across the
period's bounds (both at least $0): a bill missing only these is at least its known part."""


def _why_at_least(row: Spend) -> str:
    """Why a bill is only at least its known part, from its missing parts of `AT_LEAST_PARTS`."""
    why = []
    if row.behind:
        why.append(f"the statement is behind another HF figure of the period on "
                   f"{', '.join(b.product for b in row.behind)} (a line not there yet)")
    if row.inference_period_start is not None and row.period_start is not None:
        why.append(f"inference since {day(row.period_start)} is not known apart (usage-v2 counts it from "
                   f"{day(row.inference_period_start)}: see Credits)")
    if row.jobs_astride:
        why.append("a job charge spans two billing periods, this one's share unknown")
    return "; ".join(why)


def _savings(f: Finding, hours: Decimal, month_h: Decimal,
             for_month: Decimal | None) -> tuple[Decimal | None, Decimal | None]:
    """(so far, month) a finding saves, capped by what its resource cost so far and its own monthly pace; a
    finding on the month's charge (`for_month`: what the statement charges for it, None: unread) saves it whole."""
    if f.saving_usd_month is None:
        return None, None
    if f.charged_for_month:
        if not_charged_yet(for_month):  # none of it charged so far: all of it with the renewal, a month
            return Decimal(0), micro(f.saving_usd_month)
        whole = f.saving_usd_month if for_month is None else min(f.saving_usd_month, for_month)
        return micro(whole), micro(whole)
    so_far = f.saving_usd_month * hours / month_h
    month = f.saving_usd_month
    if f.so_far_usd is not None:
        so_far = min(so_far, f.so_far_usd)
        month = min(month, f.so_far_usd * month_h / hours)
    return micro(so_far), micro(month)


def _minus(bill: Decimal | None, saving: Decimal | None) -> Decimal | None:
    return None if bill is None or saving is None else bill - saving


def what_if(report: Report, advice: Advice) -> tuple[BillWhatIf, ...]:
    """The what-if bill of every polled namespace at the report's time."""
    spend = {s.namespace: s for s in report.spend}
    out = []
    for ns in report.namespaces:
        start = period_start(report, ns)
        hours = period_hours(report, ns)
        row = spend.get(ns)
        total = row.total_usd if row is not None else None
        # missing only parts whose least is known (what the statement has not billed yet; inference or a job
        # charge counted over another period, at least $0): its known part is a lower bound of the bill, and the
        # month at its pace (and the bill less a saving) a lower bound too
        at_least = total is not None and total.value is None and total.known is not None and all(
            m.partition(":")[0] in AT_LEAST_PARTS for m in total.missing)
        so_far = None if total is None else total.known if at_least else total.value
        for_month = charged_for_month(row) if row is not None else None  # known whenever so_far is
        early = hours * 3600 < int(MIN_PROJECTION_SPAN.total_seconds())  # minutes of spend are no month's pace
        mine = [f for f in advice.findings if f.namespace == ns and f.recurring]
        # a charge above the plan not on the statement yet comes whole with the renewal (`not_charged_yet`)
        coming = [f.cost_usd_month for f in mine if f.charged_for_month] if not_charged_yet(for_month) else []
        month = micro(month_at_pace(so_far, for_month or Decimal(0), hours, advice.hours_per_month)
                      + sum((c for c in coming if c is not None), Decimal(0))) \
            if so_far is not None and not early and None not in coming else None
        lines = []
        if hours > 0:
            for f in mine:
                saved_so_far, saved_month = _savings(f, hours, advice.hours_per_month, for_month)
                note = "saving unknown" if f.saving_usd_month is None else ""
                if saved_month is not None and f.saving_usd_month is not None and saved_month < f.saving_usd_month:
                    note = f"counted at what it cost so far: {money(saved_month)} of its {money(f.saving_usd_month)}"
                lines.append(WhatIfLine(f"{f.resource} ({SHORT.get(f.kind, f.kind)})", saved_so_far, saved_month,
                                        _minus(so_far, saved_so_far), _minus(month, saved_month), note))
            best = list(best_per_resource(mine).values())
            known = [_savings(f, hours, advice.hours_per_month, for_month)
                     for f in best if f.saving_usd_month is not None]
            left_out = len(best) - len(known)
            total_so_far = sum((k[0] for k in known if k[0] is not None), Decimal(0))
            total_month = sum((k[1] for k in known if k[1] is not None), Decimal(0))
            if mine:
                lines.append(WhatIfLine("all findings", total_so_far, total_month, _minus(so_far, total_so_far),
                                        _minus(month, total_month),
                                        f"{left_out} finding(s) with an unknown saving left out" if left_out else ""))
        note = f"a month at pace unknown: {TOO_EARLY}" if early else ""
        if None in coming and not early:
            note = "a month at pace unknown: the storage charge above the plan is not on the statement yet (HF bills " \
                   "it with the renewal) and its price is a range"
        note = note if row is not None else "billing unreadable: the bill is unknown"
        if row is not None and so_far is None:
            note = "part of the bill is unreadable: " + ", ".join(row.total_usd.missing)
        if at_least and row is not None:
            note = "; ".join([*([note] if note else []), "the bill is at least these figures: " + _why_at_least(row)])
        out.append(BillWhatIf(ns, start, hours.quantize(Decimal("0.01")), so_far, month, tuple(lines), note,
                              at_least))
    return tuple(out)
