"""Pure text of the Overview's cards: account, the meter, credits, flags, the chart legend."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.text import Text

from hfmon import format as fmt
from hfmon import phrases
from hfmon.errors import FAILURE_WORDS, Failure
from hfmon.report import Credits, CreditsBurn, Report, Severity
from hfmon.tui.state import ViewState
from hfmon.tui.widgets.phrased import Phrase, Phrased, phrased, words

SEVERITY_TONES = {Severity.CRITICAL: "bad", Severity.WARNING: "warn", Severity.INFO: "muted"}


def account_text(state: ViewState) -> list[Phrased]:
    """Who the token belongs to, the plan, and each org with its plan, role and billing access (a narrow card puts
    a phrase on the next row whole: "no billing access", never "no billing" / "access")."""
    r, t = state.report, state.tones
    if r.account is None:
        return [phrased(Text("unknown (the account source failed)", style=t.get("warn", "")))]
    a = r.account
    head = Text(a.name, style="bold")
    lines = [phrased(head, Phrase(Text(a.plan.upper(), style=t.get("accent", "")), Text("  ")),
                     *([Phrase(Text(a.billing_mode, style=t.get("muted", "")), Text(" · "))] if a.billing_mode
                       else []))]
    for org in r.orgs:
        parts = [Phrase(Text(org.plan or "plan unknown", style=t.get("accent", "")), Text("  ")),  # optional in whoami
                 Phrase(Text(org.role or "?"), Text(" · "))]
        if org.billing_access is not True:
            parts.append(Phrase(Text("no billing access" if org.billing_access is False else "billing unknown",
                                     style=t.get("warn", "")), Text(" · ")))
        lines.append(phrased(Text(org.name, style="bold"), *parts))
    if r.billing_access is False:
        lines.append(phrased(Text("token cannot read billing", style=t.get("warn", ""))))
    elif r.billing_access is None:
        lines.append(phrased(Text("billing unknown (see Sources)", style=t.get("warn", ""))))
    return lines


def meter_text(state: ViewState) -> Text:
    """The cost per hour now, per day at that pace, how many resources are billed now, and what is missing.

    A resource billed now whose hardware has no price, or a listing that could not be read, leaves the $/h
    partial ("at least"), and the meter says which.
    """
    r, t, ns = state.report, state.tones, state.namespace
    rate = r.running_in(ns)
    billed = r.billed_now_count(None, ns)
    text = Text()
    text.append(fmt.money_total(rate, unit="/h"), style="bold " + t.get("accent" if rate.complete else "warn", ""))
    if rate.known is not None:
        text.append(f"\n≈ {fmt.money(rate.known * 24)}/day" + ("" if rate.complete else " or more"))
    if billed.known is not None:  # none known: the note below says why
        text.append(f"\n{fmt.count_total(billed)} resource{'s' if billed.known != 1 else ''} billed now",
                    style=t.get("muted", ""))
    note = fmt.missing_note(rate, len(r.namespaces))
    if note:
        text.append(f"\nnot in it: {note}", style=t.get("warn", ""))
    hourly = r.meter_hourly(ns)
    if any(v is not None for v in hourly):
        text.append("\nlast 24 h, $/h by hour:", style=t.get("muted", ""))
        text.append(f"\n{fmt.spark(hourly)}", style=t.get("accent", ""))
    if ns is not None:
        text.append(f"\n(namespace {ns} only)", style=t.get("muted", ""))
    return text


def credits_text(state: ViewState) -> list[Phrased]:
    """Each namespace's credits in a few lines; namespaces without billing access say so. A narrow card breaks a
    line only between phrases ("at $0.21/day", "over 1d 01h to Nov 18 15:07": never a time split in two)."""
    r, t = state.report, state.tones
    lines: list[Phrased] = []
    by_ns: dict[str, CreditsBurn] = {c.namespace: c for c in r.credits}
    by_ns |= {burn.namespace: burn for burn, _why in r.credits_unknown}
    names = [n for n in state.namespaces() if state.namespace in (None, n)]
    for name in names:
        head = Text.assemble((name, "bold"))  # the name alone bold: a why appended to it is not
        c = by_ns.get(name)
        if name in r.namespaces_not_visible:  # the name and why as one phrase: a long why wraps under the name
            lines.append(phrased(head.append(f" credits unknown: {r.not_visible_why(name)}", style=t.get("warn", ""))))
            continue
        if c is None:
            source = r.source(f"billing:{name}")
            failure = source.failure if source is not None else None
            why = "no billing access" if failure is Failure.NO_ACCESS else (
                f"credits unknown: billing {FAILURE_WORDS[failure]}" if failure else "credits unknown")
            lines.append(phrased(head.append(f" {why}", style=t.get("warn", ""))))
            continue
        lines += _credit_lines(head, c, state, r.why_credits_unknown(name))  # HF did not say the included credits
    return lines


def _credit_lines(head: Text, c: CreditsBurn, state: ViewState, unsaid: str | None = None) -> list[Phrased]:
    """One namespace's credits; a `CreditsBurn` alone (HF did not say the included credits: `unsaid` says why) has
    what the text output says of it: used, the projection, the limit, and why the rest is unknown."""
    t = state.tones
    if not isinstance(c, Credits):
        first = [Phrase(Text(f"{fmt.money(c.used_usd)} used")),
                 Phrase(Text("included unknown", style=t.get("warn", "")), Text(" · "))]
    elif c.included_usd <= 0:
        first = [Phrase(Text(f"{fmt.money(c.used_usd)} used, no credits"))]
    else:
        pct = c.used_usd * 100 / c.included_usd
        capped = c.limit_caps_credits and c.remaining_usd == 0  # a lower spending limit reached: none usable
        tone = "bad" if pct >= 100 or capped else "warn" if pct >= 75 else "good"
        used = Text(f"{fmt.money(c.used_usd)} of {fmt.money(c.included_usd)} incl. ")
        used.append(fmt.percent(pct), style=t.get(tone, ""))
        first = [Phrase(used)]
        if c.limit_caps_credits:  # what is left is the limit's, not the credits': say so
            first.append(Phrase(Text(phrases.credits_left(c), style=t.get(tone, "")), Text(" · ")))
    lines = [phrased(head, *first)]
    muted = t.get("muted", "")
    projected = fmt.money(c.projected_period_usd, missing=fmt.UNKNOWN)
    lines.append(phrased(Text(f"  → {projected} by {fmt.day(c.period_end)}", style=muted),
                         *(Phrase(Text(p, style=muted)) for p in phrases.rate_short(c)), indent=4))
    # "ran out by Nov 18 19:04", "overage $0.44, +$0.66/day": two phrases (a narrow card broke "+$0.66/day" off)
    parts = list(phrases.credits_end_short(c)) if isinstance(c, Credits) else []
    if c.limit_usd is not None:  # reached: said whole below (HF refuses requests now); ahead: its day here
        parts.append(f"limit {fmt.money(c.limit_usd)}" + (f" hit ~{fmt.day(c.limit_hit_at)}" if c.limit_hit_at
                                                            and not c.limit_reached else ""))
    tone = t.get("warn" if c.alarming else "muted", "")
    said = [Phrase(Text(p, style=tone), Text(" · ", style=tone)) for p in parts]
    if pending := phrases.provisional_short(c):
        said.append(Phrase(Text(pending, style=muted), Text(" · ", style=muted)))
    if said:
        lines.append(phrased(Text("  ").append_text(said[0].text), *said[1:], indent=4))
    if c.limit_reached and (limit_end := phrases.limit_end_parts(c)):  # HF refuses requests: the text output's words
        style = t.get("bad", "")
        lines.append(phrased(Text(f"  {limit_end[0]}", style=style), *(Phrase(Text(p, style=style))
                                                                        for p in limit_end[1:]), indent=4))
    if fell := phrases.fell_short(c):
        lines.append(phrased(Text(f"  {fell}", style=t.get("warn", "")), indent=4))
    if unsaid:
        warn = t.get("warn", "")
        lines.append(phrased(Text("  included unknown:", style=warn), *words(unsaid, warn), indent=4))
    return lines


def flags_text(state: ViewState) -> list[Phrased]:
    """Flags, loudest first, each with its subject; then what could not be checked."""
    r, t = state.report, state.tones
    order = {Severity.CRITICAL: 0, Severity.WARNING: 1, Severity.INFO: 2}
    flags = sorted((f for f in r.flags if f.of(state.namespace)), key=lambda f: order.get(f.severity, 3))
    if not flags and r.all_checked:
        return [phrased(Text("Nothing needs attention.", style=t.get("good", "")))]
    if not flags:
        return [phrased(Text("No flags in what was read;", style=t.get("warn", ""))),
                unchecked_line(r.flags_unchecked, t.get("warn", ""))]
    current = set(r.current_flags)
    flags.sort(key=lambda f: f not in current)  # stable: current flags first, loudest first within each
    lines: list[Phrased] = []
    for f in flags:  # a narrow card breaks a flag between words, under its subject (never from the first column)
        mark, tone = fmt.SEVERITY_MARKS.get(f.severity, ""), SEVERITY_TONES.get(f.severity, "")
        if f not in current:  # computed from a source that failed this poll: its last good value, not now
            muted, warn = t.get("muted", ""), t.get("warn", "")
            lines.append(phrased(Text(f"{'STALE':<5} {f.subject} ", style=muted), *words(f.message, muted),
                                 *words(f"(as of {stale_as_of(r, f.sources)})", warn), indent=6))
            continue
        head = Text.assemble((f"{mark:<4} ", "bold " + t.get(tone, "")), (f.subject, "bold"), " ")
        lines.append(phrased(head, *words(f.message), indent=5))
    if not r.all_checked:  # more flags may be hiding in what was not read
        lines.append(unchecked_line(r.flags_unchecked, t.get("warn", "")))
    return lines


def unchecked_line(names: Sequence[str], style: str) -> Phrased:
    """`not checked: …`, each name and its reason whole on a row where they fit (the card read "… first poll at
    Nov" / "18 15:07 UTC)" at 80 columns)."""
    pieces: list[Phrase] = []
    for i, name in enumerate(names):
        what, paren, why = name.partition(" (")
        comma = "," if i < len(names) - 1 else ""
        pieces.append(Phrase(Text(what + ("" if paren else comma), style=style)))
        if paren:
            pieces.append(Phrase(Text(f"({why}{comma}", style=style)))
    return phrased(Text("not checked:", style=style), *pieces, indent=0)


def stale_as_of(report: Report, sources: tuple[str, ...]) -> str:
    """When the failed sources a flag was computed from were last read: `billing:ada's last good value, 5m ago`."""
    failed = [s for name in sources if (s := report.source(name)) is not None and not s.answered]
    return "; ".join(f"{s.name}'s last good value, {fmt.duration(s.age_s)} old" if s.age_s is not None
                     else f"{s.name}, never read" for s in failed) or "a source that failed this poll"


def legend_text(credits: Credits, limit_drawn: bool, history: bool, state: ViewState) -> list[Phrased]:
    """The chart legend: what each line is, with the figures; a narrow screen breaks it between phrases, never
    inside one ("period ends in 12.4" / "days (Dec 1)" at 80 columns)."""
    t = state.tones

    def key(mark: str, tone: str, figure: str) -> Text:
        return Text.assemble((mark, t.get(tone, "")), figure)

    straight = f"· used (no history of this period yet: straight from {fmt.day(credits.period_start)}) "
    rate, paren, unsettled = phrases.rate(credits).partition(" (")
    parts = [Phrase(key("⣿ projected ", "secondary",
                        f"{fmt.money(credits.projected_period_usd, missing=fmt.UNKNOWN)} {rate}"), Text("  "))]
    if paren:
        parts.append(Phrase(Text(f"({unsettled}")))
    if credits.included_usd > 0:
        parts.append(Phrase(key("─ included ", "good", fmt.money(credits.included_usd)), Text("  ")))
    if credits.overage_usd > 0:
        parts.append(Phrase(key("⣿ overage ", "warn", fmt.money(credits.overage_usd)), Text("  ")))
    if credits.limit_usd is not None:
        limit = fmt.money(credits.limit_usd) + ("" if limit_drawn else " (off chart)")
        parts.append(Phrase(key("─ limit ", "bad", limit), Text("  ")))
    parts.append(Phrase(key("│ ", "muted", f"{fmt.day(state.now)} · {phrases.period_end(credits)}"), Text("  ")))
    return [phrased(key("⣿ used " if history else straight, "accent", fmt.money(credits.used_usd)), *parts,
                    indent=0)]


def api_health_text(state: ViewState) -> Text:
    """Each Hugging Face API as hfmon's own requests found it over the last 24 h: requests, share answered
    (not 5xx, not 429, not timed out), and p50/p95 time to the answer."""
    r, t = state.report, state.tones
    text = Text("Hugging Face as hfmon sees it · last 24 h of this run", style="bold")
    if not r.api_health:
        text.append("\n  no requests yet", style=t.get("muted", ""))
        return text
    for a in r.api_health:
        pct = a.success_pct
        # floored: 9,999 of 10,000 is 99.9%, never a rounded-up 100%
        shown = fmt.MISSING if pct is None else "100%" if not a.failed else f"{math.floor(pct * 10) / 10:.1f}%"
        tone = "good" if not a.failed else "warn" if pct is not None and pct >= 95 else "bad"
        text.append(f"\n  {a.api:<10}{fmt.counted(a.requests, 'requests'):>15}  ")
        text.append(f"{shown:>6} ok", style=t.get(tone, ""))
        p50 = fmt.latency(None if a.p50_ms is None else a.p50_ms / 1000)
        p95 = fmt.latency(None if a.p95_ms is None else a.p95_ms / 1000)
        text.append(f"  p50 {p50:>7}  p95 {p95:>7}" + (" (sampled)" if a.sampled else ""))
    return text
