"""The closing sections of the `hfmon --once` summary (`textout`): the flags, the cross-check and the sources read,
each said whole (wrapped, never cut). Pure."""

from __future__ import annotations

import textwrap

from hfmon.errors import FAILURE_WORDS
from hfmon.format import SEVERITY_MARKS, money, money_delta, not_compared
from hfmon.models import SourceStatus
from hfmon.phrases import crosscheck_none
from hfmon.report import CheckStatus, CrossCheck, Report, Severity
from hfmon.scrub import scrub
from hfmon.text_layout import WIDTH, Paint, fit, packed

SEVERITY_COLOURS = {Severity.CRITICAL: "red", Severity.WARNING: "yellow", Severity.INFO: "dim"}


def _unchecked(report: Report, paint: Paint) -> list[str]:
    """The sources no flag could be checked from, each whole (packed onto lines, never cut through a name)."""
    return [paint(name, "yellow") for name in report.flags_unchecked]


def flag_lines(report: Report, paint: Paint, max_rows: int) -> list[str]:
    """Flags: each wrapped whole, critical first as the Report orders them; what no flag could be checked from."""
    if not report.flags:
        if report.all_checked:
            return [f"{paint('Flags', 'bold')}  none: nothing needs attention"]
        return packed(f"{paint('Flags', 'bold')}  none in what was read · not checked:", _unchecked(report, paint),
                       indent=4, sep=", ", lead=" ")
    count = str(len(report.flags)) if report.all_checked else f"at least {len(report.flags)}"
    lines = [paint(f"Flags  {count}", "bold")]
    if not report.all_checked:  # more flags may be hiding in what was not read
        lines += packed("  not checked:", _unchecked(report, paint), indent=4, sep=", ", lead=" ")
    for flag in report.flags[:max_rows]:
        mark = paint(SEVERITY_MARKS.get(flag.severity, "    "), SEVERITY_COLOURS.get(flag.severity, ""))
        # a flag says what to do: wrapped, never cut (its text is scrubbed and has no colour of its own)
        first, *rest = textwrap.wrap(scrub(flag.message), WIDTH - 7) or [""]
        lines.append(f"  {mark} {first}")
        lines.extend(f"       {more}" for more in rest)
    if len(report.flags) > max_rows:
        lines.append(paint(f"  … {len(report.flags) - max_rows} more (--json for all)", "dim"))
    return lines


def crosscheck_lines(report: Report, paint: Paint, max_rows: int) -> list[str]:
    """The cross-check: its rows counted by status, the drifting ones named, what was not compared or priced."""
    counts = {status: sum(1 for c in report.crosscheck if c.status is status) for status in CheckStatus}
    summary = " · ".join(f"{n} {status.value}" for status, n in counts.items() if n)
    unchecked = not_compared(report.crosscheck_unchecked)
    summary = summary or crosscheck_none(report)
    lines = [f"{paint('Cross-check', 'bold')}  {summary}"]
    if unchecked:
        lines += [paint(f"             {part}", "yellow")  # wrapped like a flag, never cut
                  for part in textwrap.wrap(scrub(f"not compared: {unchecked}"), WIDTH - 13)]
    shown: dict[str, CrossCheck] = {}
    for check in report.crosscheck:
        if check.status is CheckStatus.DRIFT and check.item not in shown:
            shown[check.item] = check
    for check in list(shown.values())[:max_rows]:
        delta = f"Δ {money_delta(check.delta_usd)}" if check.delta_usd is not None else ""
        lines.append(fit(f"  {paint('drift', 'red')} {check.item}: billed {money(check.billed_usd)}"
                          f" recomputed {money(check.recomputed_usd)} {delta}"))
    if report.unpriced:
        lines.append(fit(paint(f"  unpriced: {', '.join(report.unpriced)}", "yellow")))
    return lines


def source_lines(report: Report, paint: Paint) -> list[str]:
    """The sources: counted by status, each not ok named with what to do, then those read only in part."""
    # a cached answer (not asked this poll) is counted apart from ok: "ok" says the source answered now
    cached = sum(1 for s in report.sources if s.from_cache and s.status is SourceStatus.OK)
    counts = {status.value.replace("_", " "): sum(1 for s in report.sources if s.status is status)
              for status in SourceStatus}
    counts["ok"] -= cached
    counts["cached (not asked this poll)"] = cached
    summary = " · ".join(f"{n} {status}" for status, n in counts.items() if n)
    lines = [f"{paint('Sources', 'bold')}  {summary}"]
    groups: dict[tuple[SourceStatus, str, str, str], list[str]] = {}
    for source in report.sources:
        if source.status is not SourceStatus.OK:
            kind, scope = source.kind, source.scope
            what = FAILURE_WORDS[source.failure] if source.failure else ""
            groups.setdefault((source.status, what, scope, source.hint or source.error or ""), []).append(kind)
    for (status, what, scope, detail), kinds in groups.items():
        colour = "red" if status is SourceStatus.ERROR else "yellow"
        where = f" ({scope})" if scope else ""
        label = status.value.replace("_", " ") + (f" ({what})" if what and what != "missing permission" else "")
        lines += _source_lines(label, colour, f"{', '.join(kinds)}{where}", detail, paint)
    cut: dict[tuple[str, str], list[str]] = {}  # (why, kind) -> the namespaces whose listing it cut
    for source in report.sources:
        if source.read_in_part is not None:
            cut.setdefault((source.read_in_part, source.kind), []).append(source.scope)
    for (why, kind), scopes in cut.items():
        lines += _source_lines("read in part", "yellow", f"{kind} ({', '.join(scopes)})", why, paint)
    return lines


def _source_lines(label: str, colour: str, body: str, detail: str, paint: Paint) -> list[str]:
    """One line of the Sources list: every source named, wrapped (what a user checks against the figures above),
    then what to do, wrapped like a flag, never cut."""
    first, *rest = textwrap.wrap(scrub(f"{label}: {body}"), WIDTH - 3, subsequent_indent="    ")
    lines = [f"  {paint(label + ':', colour)}{first[len(label) + 1:]}", *(f"  {part}" for part in rest)]
    return lines + [paint(f"    {'→' if i == 0 else ' '} {part}", "dim")
                    for i, part in enumerate(textwrap.wrap(scrub(detail), WIDTH - 7))]
