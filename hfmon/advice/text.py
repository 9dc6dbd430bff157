"""`hfmon advise` as text: the findings, the what-if bill and next month's scheduled jobs. Pure; formats only.

Commands and calls are printed whole on their own lines (never cut), so they can be copied; everything else
fits 80 columns. Names a server sent are scrubbed.
"""

from __future__ import annotations

import textwrap
from decimal import Decimal

from hfmon.advice.model import Advice, Finding, Outcome
from hfmon.advice.whatif import BillWhatIf
from hfmon.format import MISSING, counted, missing_note, money, money_total, stamp
from hfmon.report import Total
from hfmon.scrub import scrub

WIDTH = 80
UNKNOWN_SAVING = "saving unknown"


def saving_text(value: Decimal | None) -> str:
    """A monthly saving: `$440.61/month`, or `saving unknown`."""
    return UNKNOWN_SAVING if value is None else f"{money(value)}/month"


def finding_saving(f: Finding) -> str:
    """A finding's saving: monthly, or what one past run cost beyond its need (`one-off $0.75`)."""
    if f.recurring:
        return saving_text(f.saving_usd_month)
    return "one-off, " + UNKNOWN_SAVING if f.one_off_usd is None else f"one-off {money(f.one_off_usd)}"


CHECKED_NOUNS = {"endpoint": "Endpoints", "space": "Spaces", "job": "jobs", "model": "models through hfmon proxy"}


def checked_text(advice: Advice) -> str:
    """What the rules judged: "3 Endpoints, 5 Spaces, 12 jobs, storage of 2 namespaces"."""
    return ", ".join(f"storage of {counted(n, 'namespaces')}" if kind == "storage" else counted(n, CHECKED_NOUNS[kind])
                     for kind, n in advice.checked_by_kind().items())


def _not_judged(advice: Advice) -> str:
    return f"not judged: {len(advice.not_judged)} (below)" if advice.not_judged else ""


def summary_line(advice: Advice) -> str:
    """One line: "$1,840.00/month of savings found (5 findings)", partial totals as "at least"; without findings,
    what was checked and what was not (`Advice.outcome`): never "no savings" over what was not looked at."""
    outcome = advice.outcome
    unchecked = f"not checked: {', '.join(advice.unchecked)}" if advice.unchecked else ""
    if outcome is Outcome.NOTHING_CHECKED:
        why = "; ".join(part for part in (unchecked.replace("not checked", "not read", 1), _not_judged(advice))
                        if part) or "the listings read hold no Endpoint, Space, job or storage to judge"
        return f"Nothing could be checked: {why}"
    if outcome is Outcome.NONE_FOUND:
        return f"No savings found (checked: {checked_text(advice)})"
    if outcome is Outcome.NONE_FOUND_IN_PART:
        rest = "; ".join(part for part in (unchecked, _not_judged(advice)) if part)
        return f"No savings found in what was checked ({checked_text(advice)}); {rest}"
    n = len(advice.findings)
    total = advice.total_usd_month
    unknown = sum(1 for name in total.missing if name.startswith("unknown:"))
    head = f"{money_total(total)}/month of savings found" if total.known is not None else "Savings found"
    head = head[:1].upper() + head[1:]
    extra = f", {unknown} of unknown size" if unknown else ""
    extra += f"; {unchecked}" if unchecked else ""
    return f"{head} ({n} finding{'s' if n != 1 else ''}{extra})"


def _wrap(label: str, text: str) -> list[str]:
    return textwrap.wrap(text, WIDTH, initial_indent=f"   {label:<11}", subsequent_indent=" " * 14) or [
        f"   {label}"]


def _finding(i: int, f: Finding) -> list[str]:
    out = [f"{i}. {scrub(f.resource)}: {finding_saving(f)} ({f.confidence.value})"]
    out += _wrap("change", scrub(f.change))
    out += _wrap("because", scrub(f.basis))
    for e in f.evidence:
        out += _wrap("evidence", scrub(e))
    out += [f"   hf:        {scrub(f.apply.cli)}"] if f.apply.cli else []  # some changes have no `hf` command
    out += [f"   web:       {scrub(f.apply.web)}", f"   api:       {scrub(f.apply.api)}"]
    return out


def _bill(bill: BillWhatIf) -> list[str]:
    out = [f"{bill.namespace}: {bill.elapsed_hours.normalize():f} h into the period"
           + (f" ({bill.note})" if bill.note else "")]
    out.append(f"   {'':<46}{'so far':>14}{'month at pace':>17}")
    def usd(value: Decimal | None) -> str:  # a lower bound reads ≥ (the note says why)
        shown = money(value, missing=MISSING)
        return f"≥{shown}" if bill.at_least and value is not None else shown

    out.append(f"   {'as it is':<46}{usd(bill.so_far_usd):>14}{usd(bill.month_usd):>17}")
    for line in bill.lines:
        label = scrub(line.label if len(line.label) <= 44 else line.label[:43] + "…")
        out.append(f"   {label:<46}{usd(line.so_far_usd):>14}{usd(line.month_usd):>17}")
        if line.note:
            out.append(f"   {'':<4}{line.note}")
    return out


def render_advice(advice: Advice, bills: tuple[BillWhatIf, ...]) -> str:
    """The advice as text for a terminal."""
    out = [summary_line(advice)]
    if advice.findings:
        out.append("One resource's alternatives count once, at the larger saving; one-off runs are not in the total.")
        out.append("hfmon applies nothing itself: run the command shown, or use the web setting.")
    for i, f in enumerate(advice.findings, 1):
        out += ["", *_finding(i, f)]
    if bills:
        out += ["", *textwrap.wrap(f"What-if bill (billed so far; a month of {advice.hours_per_month.normalize():f} "
                                   "h at the pace so far, storage charged for the month counted once; with each "
                                   "finding applied)", WIDTH, subsequent_indent="  ")]
        for bill in bills:
            out += _bill(bill)
    if advice.scheduled or advice.scheduled_missing:
        out += ["", "Scheduled jobs next month (at most: every run to its timeout)"]
        if advice.scheduled_missing:  # a listing not read: its jobs' next month is unknown, not nothing
            out += _wrap("not in it", missing_note(Total(None, advice.scheduled_missing), 0)
                         + ": what those can cost is unknown")
        for s in advice.scheduled:
            runs = MISSING if s.runs is None else str(s.runs)
            job = f"{scrub(s.namespace)}/{scrub(s.job_id)[:8]}"
            out.append(f"   {job:<28}{scrub(s.schedule):<16}{runs:>5} runs  {money(s.max_usd, missing='unknown'):>12}")
            if s.price_note and s.max_usd:  # a price that is not the live one went into the figure: say which
                out += textwrap.wrap(s.price_note, WIDTH, initial_indent=" " * 6, subsequent_indent=" " * 6)
    if advice.pace:
        out += ["", "Spend pace against budgets (at the current pace, before the period ends)"]
        for w in advice.pace:
            when = f" around {stamp(w.breaks_at)}" if w.breaks_at else ""
            out += _wrap(scrub(w.namespace), f"{scrub(w.budget)} of {money(w.limit_usd)}: {money(w.spent_usd)} "
                         f"spent, {money(w.projected_usd)} by the period's end; breaks{when} ({w.rate_basis}); "
                         "within it: at most "
                         f"{money(w.within_usd_per_day)}/day from now")
    if advice.not_judged:
        out += ["", "Not judged (hfmon never guesses a size, a limit or a price)"]
        for _, note in advice.not_judged:
            out += textwrap.wrap(scrub(note), WIDTH, initial_indent="   ", subsequent_indent="     ")
    if advice.unchecked:
        out += ["", f"Not checked (unreadable): {', '.join(advice.unchecked)}"]
    return "\n".join(out) + "\n"
