"""The compact, human-readable `hfmon --once` summary: fits 80 columns, colour optional. Pure."""

from __future__ import annotations

import textwrap
from decimal import Decimal

from hfmon import phrases
from hfmon.format import (
    MISSING,
    UNKNOWN,
    behind_text,
    count_total,
    counted_from,
    duration,
    invoice_text,
    missing_note,
    money,
    money_total,
    percent,
    rate_now,
    size,
    stamp,
    zero_gpu_runs,
)
from hfmon.report import (
    Credits,
    CreditsBurn,
    Report,
    ResourceCost,
    ResourceGroupSpend,
    ScheduledJobRow,
    Total,
)
from hfmon.scrub import scrub
from hfmon.text_layout import WIDTH
from hfmon.text_layout import Paint as _Paint
from hfmon.text_layout import cut as _cut
from hfmon.text_layout import fit as _fit
from hfmon.text_layout import packed as _packed
from hfmon.text_layout import safe as _safe
from hfmon.textout_checks import crosscheck_lines, flag_lines, source_lines


def render_text(report: Report, *, color: bool = False, max_rows: int = 8) -> str:
    """The whole Report as a short summary for a terminal."""
    paint = _Paint(color)
    out: list[str] = _header(report, paint)
    for spend in report.spend:
        parts = sorted(((v, name) for name, v in (("Spaces", spend.spaces_usd), ("endpoints", spend.endpoints_usd),
                        ("inference", spend.inference_usd), ("jobs", spend.jobs_usd), ("storage", spend.storage_usd),
                        ("other", spend.other_usd)) if v), reverse=True)
        out += _packed(f"{paint('Billed', 'bold')}    {spend.namespace}: {money_total(spend.total_usd)} this period",
                       [f"{name} {'at least ' if spend.at_least(name.lower()) else ''}{money(v)}"
                        for v, name in parts])
        out += _missing(spend.total_usd, report, paint)
        out += _statement_stale(report, spend.namespace, paint)
        out += [_fit(paint(f"          {behind_text(b)}", "yellow")) for b in spend.behind]
    for credits in report.credits:
        out += _credits(credits, paint)
    for burn, why in report.credits_unknown:
        out += _burn(burn, why, paint)
    if not report.credits and not report.credits_unknown:
        why = f"Credits   {scrub(phrases.why_no_credits(report))}"
        out += [paint(line, "yellow") for line in textwrap.wrap(why, WIDTH, subsequent_indent=" " * 10)]
    out += _groups(report, paint)
    out += _storage_over(report, paint)
    if report.invoices:
        out += _packed(paint("Invoice", "bold"), [f"{i.namespace} {invoice_text(i)}" for i in report.invoices],
                       lead="   ")
    running = report.running_cost_per_hour_usd
    billed = [(report.billed_now_count(kind), noun) for kind, noun in
              (("endpoints", "endpoint"), ("spaces", "Space"), ("jobs", "job"))]
    counted = [_counted(total, noun) for total, noun in billed
               if total.known is not None]  # none known: the note below says why
    out += _packed(f"{paint('Running', 'bold')}   {money_total(running, unit='/h')} now",
                   [f"{c}," for c in counted[:-1]] + [f"{c} billed" for c in counted[-1:]], sep=" ", lead="  ·  ")
    out += _missing(running, report, paint)
    if len(report.namespaces) > 1:
        out += _packed(" " * 10, [f"{ns} {money_total(report.running_in(ns), unit='/h')}" for ns in report.namespaces])
    inf = report.inference
    shown = [(p.name, p.cost_usd) for p in inf.by_provider[:3]]
    if rest := inf.by_provider[3:]:  # named as a sum, so that the parts shown still add up to the total
        shown.append((f"{len(rest)} more", sum((p.cost_usd for p in rest), Decimal(0))))
    if inf.not_broken_down is not None and inf.not_broken_down.cost_usd:
        shown.append((inf.not_broken_down.name, inf.not_broken_down.cost_usd))
    figures = f"{money_total(inf.cost_usd)} · {count_total(inf.requests)} requests"
    # said as a split, so that a provider's figure never reads as a second total ("together $5.89")
    split = [f"{'by provider: ' * (i == 0)}{name} {money(usd)}" for i, (name, usd) in enumerate(shown)]
    if elsewhen := counted_from(report.inference_elsewhen):
        # usage-v2 of a namespace counts over its credits period, not this one: this period's figure first, as
        # Billed has it, then usage-v2's with the period it is of named
        this_period = report.billed_for("inference", None)
        out.append(_fit(f"{paint('Inference', 'bold')} {money_total(this_period)} this period"))
        out += _missing(this_period, report, paint)
        out += [f"{' ' * 10}{line}" for line in textwrap.wrap(
            f"usage over each namespace's credits period ({elsewhen}):", WIDTH - 10, break_long_words=False)]
        out += _packed(" " * 10 + figures, split)
    else:
        out += _packed(f"{paint('Inference', 'bold')} {figures}", split)
    out += _missing(inf.cost_usd, report, paint)
    if inf.not_broken_down is not None and inf.not_broken_down.why:  # a figure of the rest is unknown: say why
        why = f"          {inf.not_broken_down.name}: {inf.not_broken_down.why}"
        out += [paint(line, "yellow") for line in textwrap.wrap(why, WIDTH, subsequent_indent=" " * 10)]
    q = report.zero_gpu
    if q is not None and q.runs is not None:  # free accounts: the runs counter binds before the seconds
        out.append(_fit(f"{paint('ZeroGPU', 'bold')}   {duration(q.remaining_s)} left of {duration(q.base_s)} · "
                        f"{zero_gpu_runs(q.runs)}"))
    out += _resources(report, paint, max_rows)
    out += _scheduled(report, paint, max_rows)
    out += flag_lines(report, paint, max_rows)
    out += crosscheck_lines(report, paint, max_rows)
    out += source_lines(report, paint)
    return "\n".join(_safe(line) for line in out) + "\n"


def _missing(total: Total[Decimal] | Total[int], report: Report, paint: _Paint) -> list[str]:
    """The line under a partial total that says what it is missing (none under a complete one)."""
    note = missing_note(total, len(report.namespaces))
    if not note:
        return []
    head = "          not in it: "  # wrapped at spaces, never through a name (`see Credits (ada-labs)`)
    lines = textwrap.wrap(note, WIDTH - len(head), break_long_words=False, break_on_hyphens=False)
    return [_fit(paint(f"{head if i == 0 else ' ' * len(head)}{line}", "yellow")) for i, line in enumerate(lines)]


def _statement_stale(report: Report, namespace: str, paint: _Paint) -> list[str]:
    """The line under Billed when the namespace's statement failed this poll: its parts are its last good lines,
    never the bill now."""
    source = report.source(f"statement:{namespace}")
    if source is None or not source.stale:
        return []
    as_of = f"as of {phrases.when(source.fetched_at)}" if source.fetched_at is not None else "of an earlier poll"
    text = f"          the statement failed this poll: its lines are {as_of}"
    return [paint(line, "yellow") for line in textwrap.wrap(text, WIDTH, subsequent_indent=" " * 10)]


def _header(report: Report, paint: _Paint) -> list[str]:
    stamp = report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    if report.account is None:
        return [_fit(paint(f"hfmon · account unknown · {stamp}", "bold"))]
    lines = [_fit(paint(f"hfmon · {report.account.name} ({report.account.plan.upper()}) · {stamp}", "bold"))]
    if report.orgs:
        access = {True: "", False: ", no billing access", None: ", billing unknown"}
        orgs = [f"{o.name} ({o.plan or 'org'}{access[o.billing_access]})" for o in report.orgs]
        lines += _packed("Orgs", [f"{o}," for o in orgs[:-1]] + orgs[-1:], sep=" ", lead=" " * 6)
    elif report.orgs_why:
        lines.append(_fit(f"Orgs      unknown: {report.orgs_why}"))
    return lines


def _credits(c: Credits, paint: _Paint) -> list[str]:
    used = paint(money(c.used_usd), "red" if c.overage_usd > 0 else "green")
    left = phrases.credits_left(c)
    lines = _packed(f"{paint('Credits', 'bold')}   {c.namespace} Inference Providers:",
                    [f"{used} of {money(c.included_usd)}", left], lead=" ")
    return lines + _projection_line(c) + _burn_lines(c, phrases.credits_end(c), paint)


def _projection_line(c: CreditsBurn) -> list[str]:
    """When the period ends, what it is projected to cost, and the spending limit."""
    return _packed(" " * 10, [phrases.period_end(c), f"projected {money(c.projected_period_usd, missing=UNKNOWN)}"]
                   + ([f"limit {money(c.limit_usd)}"] if c.limit_usd is not None else []))


def _burn_lines(c: CreditsBurn, credits_end: str | None, paint: _Paint) -> list[str]:
    """The rate, when the credits and the spending limit run out, what fell, what may still settle."""
    pad = " " * 10
    lines = [_fit(f"{pad}{phrases.rate(c)}")]
    for extra in (credits_end, phrases.fell(c)):
        if extra:
            lines.append(_fit(f"{pad}{extra}"))
    if limit_end := phrases.limit_end(c):  # when HF refuses requests: said whole, never cut
        lines += textwrap.wrap(f"{pad}{limit_end}", WIDTH, subsequent_indent=pad)
    lines.append(_fit(paint(f"{pad}{phrases.provisional(c)}", "dim")))
    return lines


def _burn(burn: CreditsBurn, why: str, paint: _Paint) -> list[str]:
    """What is known of a namespace's credits when HF did not say what it includes: used, the limit, the
    projection and rate (none of them need the included figure), then why the rest is unknown."""
    pad = " " * 10
    lines = _packed(f"{paint('Credits', 'bold')}   {burn.namespace} Inference Providers:",
                    [f"{money(burn.used_usd)} used", paint("included unknown", "yellow")], lead=" ")
    lines += _projection_line(burn) + _burn_lines(burn, None, paint)
    text = f"{pad}included unknown: {scrub(why)}"
    return lines + [paint(line, "yellow") for line in textwrap.wrap(text, WIDTH, subsequent_indent=pad)]


_LIMIT_STYLE = {"over": ("over limit", "red"), "near": ("near limit", "yellow"), "closed": ("closed", "dim")}


def _no_limits(g: ResourceGroupSpend) -> str:
    """What a group without a limit to show says: none set, or none read."""
    return "limits unknown (not read)" if g.limits is None else "no limit"


def _storage_over(report: Report, paint: _Paint) -> list[str]:
    """A line per namespace whose private storage is above its own plan's limit (each is held to its own)."""
    return [line for n in report.storage.worst_first if n.over_bytes and n.share is not None
            for line in _packed(f"{paint('Storage', 'bold')}   {n.namespace}:",
                                [f"private {size(n.private_bytes)}", f"of its own {size(n.private_limit_bytes)}",
                                 f"({percent(n.share * 100)}),", paint(f"{size(n.over_bytes)} over the plan", "red")],
                                sep=" ")]


def _groups(report: Report, paint: _Paint) -> list[str]:
    """Resource groups (Team and Enterprise orgs): this month's spend, then each limit with how much of it is used;
    then the orgs whose groups are unknown, and why."""
    lines = []
    for i, g in enumerate(report.resource_groups or ()):
        title = f"{paint('Groups', 'bold')}    " if i == 0 else " " * 10
        limits = []
        for lim in sorted(g.limits or (), key=lambda lim: lim.used_order, reverse=True):
            word, colour = _LIMIT_STYLE.get(lim.state, ("", ""))
            text = f"{lim.product} {phrases.limit_used(lim)} of {money(lim.limit_usd)}"
            limits.append(paint(f"{text} {word}", colour) if word else text)
        name = f"{g.namespace}/{g.name}" if g.id is not None else f"{g.namespace} {g.name}"
        lines += _packed(f"{title}{name} {money(g.total_usd, missing=MISSING)} this month",
                         limits if limits or g.id is None else [_no_limits(g)], indent=12)
    if unknown := phrases.groups_unknown(report):
        head = "Groups    " if not lines else " " * 10
        lines += [paint(line, "yellow") for line in textwrap.wrap(head + unknown, WIDTH, subsequent_indent=" " * 12)]
    return lines


def _counted(total: Total[int], noun: str) -> str:
    """`1 job`, `3 jobs`, `at least 2 jobs`."""
    return f"{count_total(total)} {noun}{'' if total.complete and total.value == 1 else 's'}"


def _instance(vendor: str | None, instance_type: str | None, size: str | None) -> str:
    return " ".join(part for part in (vendor, instance_type, size) if part) or "—"


def _resource_row(name: str, state: str, hardware: str, cost: ResourceCost) -> str:
    """One resource in 80 columns: money wider than its column ($100,000.00 on) takes room from hardware, then name."""
    rate = rate_now(cost.cost_per_hour_usd, cost.granted, cost.price is not None)
    cells = f"{rate:>10} {money(cost.billed_usd, missing=MISSING):>10}"
    over = max(0, len(cells) - 21)
    hardware_width = max(6, 16 - over)
    name_width = max(10, 26 - (over - (16 - hardware_width)))
    return _fit(f"  {_cut(name, name_width):{name_width}} {_cut(state, 12):12} "
                f"{_cut(hardware, hardware_width):{hardware_width}} {cells}")


def _resources(report: Report, paint: _Paint, max_rows: int) -> list[str]:
    lines: list[str] = []
    sections = [
        ("Endpoints", [(r.endpoint.id, r.endpoint.state,
                        _instance(r.endpoint.vendor, r.endpoint.instance_type, r.endpoint.instance_size),
                        r.cost) for r in report.endpoints]),
        ("Spaces", [(r.space.id, r.space.stage, r.space.hardware or r.space.requested_hardware or "—", r.cost)
                    for r in report.spaces]),
        ("Jobs", [(r.job.id[:24], r.job.stage, r.job.flavor or "—", r.cost) for r in report.jobs]),
    ]
    for title, rows in sections:
        kind = title.lower()
        listed, billed_now = report.listed_count(kind), report.billed_now_count(kind)
        if listed.known is None:  # no listing read: why, in place of the counts
            why = missing_note(listed, len(report.namespaces))
            lines.append(_fit(f"{paint(title, 'bold')}  {paint(f'unknown: {why}', 'yellow')}"))
            continue
        heading = f"{title}  {count_total(listed)} · {count_total(billed_now)} billed now"
        pad = " " * max(1, 45 - len(heading))  # the column titles line up over the cost cells, whatever the colours
        lines.append(f"{paint(heading, 'bold')}{pad}{'$/h now':>10} {'billed':>10}" if rows else paint(heading, "bold"))
        lines += _missing(listed, report, paint)
        rows.sort(key=lambda row: (-(row[3].cost_per_hour_usd or Decimal(0)), -(row[3].billed_usd or Decimal(0))))
        for name, state, hardware, cost in rows[:max_rows]:
            lines.append(_resource_row(name, state, hardware, cost))
        if len(rows) > max_rows:
            lines.append(paint(f"  … {len(rows) - max_rows} more (--json for all)", "dim"))
    return lines


def _scheduled(report: Report, paint: _Paint, max_rows: int) -> list[str]:
    """Scheduled Jobs: when each runs next and the most one run can cost."""
    rows, missing = report.scheduled_jobs or (), report.scheduled_jobs_missing
    if not rows and not missing:
        return []
    count = (f"at least {len(rows)}" if rows else "unknown") if missing else str(len(rows))
    lines = [paint(f"Scheduled jobs  {count} · spend still to come", "bold")]
    lines += _missing(Total(None, missing), report, paint) if missing else []
    for row in rows[:max_rows]:
        job = row.job
        when = "suspended" if job.suspended else f"next {stamp(job.next_run_at).removesuffix(' UTC')}"
        lines.append(_fit(f"  {_cut(job.namespace, 14):14} {_cut(job.schedule, 12):12} {when:18}"
                          f" {_cut(job.flavor or '—', 12):12} {_per_run(row)}"))
        if job.attempts != 1:
            lines.append(_fit(f"    {_attempts(job.attempts, row.max_attempt_usd)}"))
    if len(rows) > max_rows:
        lines.append(paint(f"  … {len(rows) - max_rows} more (--json for all)", "dim"))
    return lines


def _per_run(row: ScheduledJobRow) -> str:
    """The most one scheduled run can cost: `up to $30.00/run`; unpriced, or unknown with its attempts."""
    if row.max_run_usd is not None or row.price is None:
        return f"up to {money(row.max_run_usd)}/run"
    return "per run unknown"


def _attempts(attempts: int | None, per_attempt: Decimal | None) -> str:
    """The attempts a scheduled run's bound counts (when not one), and one attempt's bound."""
    each = f"up to {money(per_attempt)} each"
    if attempts is None:
        return f"attempts unknown (jobSpec.retry not a whole number); {each}"
    return f"{attempts} attempts of {each}: a failed attempt is tried again"
