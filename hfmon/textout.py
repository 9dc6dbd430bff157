"""The compact, human-readable `hfmon --once` summary: fits 80 columns, colour optional. Pure."""

from __future__ import annotations

import re
from decimal import Decimal

from hfmon.format import MISSING, money, money_delta, per_hour
from hfmon.models import SourceStatus
from hfmon.report import CheckStatus, Credits, CrossCheck, Report, ResourceCost, Severity
from hfmon.scrub import scrub

WIDTH = 80
_SGR = re.compile(r"\033\[[0-9;]*m")
_SGR_SPLIT = re.compile(r"(\033\[[0-9;]*m)")
_STYLES = {"bold": "1", "dim": "2", "red": "31", "green": "32", "yellow": "33", "cyan": "36"}


class _Paint:
    """Wraps text in ANSI styles, or leaves it alone when colour is off."""

    def __init__(self, color: bool) -> None:
        self.color = color

    def __call__(self, text: str, *styles: str) -> str:
        if not self.color or not styles:
            return text
        codes = ";".join(_STYLES[s] for s in styles)
        return f"\033[{codes}m{text}\033[0m"


def render_text(report: Report, *, color: bool = False, max_rows: int = 8) -> str:
    """The whole Report as a short summary for a terminal."""
    paint = _Paint(color)
    out: list[str] = _header(report, paint)
    for spend in report.spend:
        parts = sorted(((v, name) for name, v in (("Spaces", spend.spaces_usd), ("endpoints", spend.endpoints_usd),
                        ("inference", spend.inference_usd), ("jobs", spend.jobs_usd), ("storage", spend.storage_usd))
                        if v), reverse=True)
        detail = " · ".join(f"{name} {money(v)}" for v, name in parts)
        out.append(_fit(f"{paint('Billed', 'bold')}    {spend.namespace}: {money(spend.total_usd)} this period"
                        + (f" · {detail}" if detail else "")))
    for credits in report.credits:
        out += _credits(credits, paint)
    if not report.credits:
        out.append(paint("Credits   no billing access: add the billing read permission to see credits", "yellow"))
    costs = [r.cost for r in report.endpoints] + [r.cost for r in report.spaces] + [r.cost for r in report.jobs]
    unpriced = sum(1 for c in costs if c.cost_per_hour_usd is None)  # billed now, no price: not in the sum
    extra = f" + {unpriced} unpriced" if unpriced else ""
    out.append(_fit(f"{paint('Running', 'bold')}   {per_hour(report.running_cost_per_hour_usd)}{extra} now"
                    f"  ·  {len([r for r in report.endpoints if r.cost.billed_now])} endpoints,"
                    f" {len([r for r in report.spaces if r.cost.billed_now])} Spaces,"
                    f" {len([r for r in report.jobs if r.cost.billed_now])} jobs billed"))
    inf = report.inference
    providers = "  ".join(f"{p.name} {money(p.cost_usd)}" for p in inf.by_provider[:3])
    out.append(_fit(f"{paint('Inference', 'bold')} {money(inf.cost_usd)} · {inf.requests:,} requests  {providers}"))
    out += _resources(report, paint, max_rows)
    out += _flags(report, paint, max_rows)
    out += _crosscheck(report, paint, max_rows)
    out += _sources(report, paint)
    return "\n".join(_safe(line) for line in out) + "\n"


def _safe(line: str) -> str:
    """The line with our own colour codes kept and anything else a terminal would obey scrubbed out."""
    if line.isprintable():
        return line
    parts = _SGR_SPLIT.split(line)  # odd items are our colour codes
    return "".join(part if i % 2 else scrub(part) for i, part in enumerate(parts))


def _header(report: Report, paint: _Paint) -> list[str]:
    stamp = report.generated_at.strftime("%Y-%m-%d %H:%M UTC")
    if report.account is None:
        return [_fit(paint(f"hfmon · account unknown · {stamp}", "bold"))]
    lines = [_fit(paint(f"hfmon · {report.account.name} ({report.account.plan.upper()}) · {stamp}", "bold"))]
    if report.orgs:
        orgs = ", ".join(f"{o.name} ({o.plan or 'org'}{'' if o.billing_access else ', no billing access'})"
                         for o in report.orgs)
        lines.append(_fit(f"Orgs      {orgs}"))
    return lines


def _credits(c: Credits, paint: _Paint) -> list[str]:
    used = paint(money(c.used_usd), "red" if c.overage_usd > 0 else "green")
    limit = f" · limit {money(c.limit_usd)}" if c.limit_usd is not None else ""
    first = f"{paint('Credits', 'bold')}   {c.namespace} Inference Providers: {used} of {money(c.included_usd)}"
    first += f" · {money(c.remaining_usd)} left" if c.overage_usd == 0 else f" · overage {money(c.overage_usd)}"
    runs_out = ""
    if c.exhausts_at is not None:  # already used up: the first moment seen over, or now without history
        verb = "ran out by" if c.used_usd >= c.included_usd else "runs out"
        runs_out = f" · {verb} {c.exhausts_at:%b %d %H:%M}"
    recent = c.burn_rate_24h_usd_per_day  # the projection's rate when there is one
    burn = f"{money(recent)}/day recent" if recent is not None else f"{money(c.burn_rate_usd_per_day)}/day avg"
    second = f"          burn {burn} · projected {money(c.projected_period_usd)}"
    second += runs_out
    lines = [_fit(f"{first} · {c.days_left:.1f} days left"), _fit(second + limit)]
    if c.provisional_usd > 0:
        lines.append(_fit(paint(f"          {money(c.provisional_usd)} of the last 30 min may still settle", "dim")))
    return lines


def _instance(vendor: str | None, instance_type: str | None, size: str | None) -> str:
    return " ".join(part for part in (vendor, instance_type, size) if part) or "—"


def _cost_cell(cost: ResourceCost) -> str:
    return f"{per_hour(cost.cost_per_hour_usd):>10} {money(cost.billed_usd, missing=MISSING):>10}"


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
        billed_now = sum(1 for *_, cost in rows if cost.billed_now)
        heading = f"{title}  {len(rows)} · {billed_now} billed now"
        pad = " " * (45 - len(heading))  # the column titles line up over the cost cells, whatever the colour codes
        lines.append(f"{paint(heading, 'bold')}{pad}{'$/h now':>10} {'billed':>10}" if rows else paint(heading, "bold"))
        rows.sort(key=lambda row: (-(row[3].cost_per_hour_usd or Decimal(0)), -(row[3].billed_usd or Decimal(0))))
        for name, state, hardware, cost in rows[:max_rows]:
            lines.append(_fit(f"  {_cut(name, 26):26} {_cut(state, 12):12} {_cut(hardware, 16):16} {_cost_cell(cost)}"))
        if len(rows) > max_rows:
            lines.append(paint(f"  … {len(rows) - max_rows} more (--json for all)", "dim"))
    return lines


def _flags(report: Report, paint: _Paint, max_rows: int) -> list[str]:
    if not report.flags:
        return []
    lines = [paint(f"Flags  {len(report.flags)}", "bold")]
    for flag in report.flags[:max_rows]:
        mark = paint("!", "red" if flag.severity is Severity.CRITICAL else "yellow")
        lines.append(_fit(f"  {mark} {flag.message}"))
    return lines


def _crosscheck(report: Report, paint: _Paint, max_rows: int) -> list[str]:
    counts = {status: sum(1 for c in report.crosscheck if c.status is status) for status in CheckStatus}
    summary = " · ".join(f"{n} {status.value}" for status, n in counts.items() if n)
    lines = [f"{paint('Cross-check', 'bold')}  {summary or 'nothing billed yet'}"]
    shown: dict[str, CrossCheck] = {}
    for check in report.crosscheck:
        if check.status is CheckStatus.DRIFT and check.item not in shown:
            shown[check.item] = check
    for check in list(shown.values())[:max_rows]:
        delta = f"Δ {money_delta(check.delta_usd)}" if check.delta_usd is not None else ""
        lines.append(_fit(f"  {paint('drift', 'red')} {check.item}: billed {money(check.billed_usd)}"
                          f" recomputed {money(check.recomputed_usd)} {delta}"))
    if report.unpriced:
        lines.append(_fit(paint(f"  unpriced: {', '.join(report.unpriced)}", "yellow")))
    return lines


def _sources(report: Report, paint: _Paint) -> list[str]:
    counts = {status: sum(1 for s in report.sources if s.status is status) for status in SourceStatus}
    summary = " · ".join(f"{n} {status.value.replace('_', ' ')}" for status, n in counts.items() if n)
    lines = [f"{paint('Sources', 'bold')}  {summary}"]
    groups: dict[tuple[SourceStatus, str, str], list[str]] = {}
    for source in report.sources:
        if source.status is not SourceStatus.OK:
            kind, _, scope = source.name.partition(":")
            groups.setdefault((source.status, scope, source.hint or source.error or ""), []).append(kind)
    for (status, scope, detail), kinds in groups.items():
        colour = "red" if status is SourceStatus.ERROR else "yellow"
        where = f" ({scope})" if scope else ""
        lines.append(_fit(f"  {paint(status.value.replace('_', ' '), colour)} {', '.join(kinds)}{where}"))
        if detail:
            lines.append(_fit(paint(f"    → {detail}", "dim")))
    return lines


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def _sgr_end(text: str, i: int) -> int:
    """The end of our own colour code starting at `i`, or `i` when `text[i]` starts anything else."""
    match = _SGR.match(text, i)
    return match.end() if match else i


def _fit(line: str) -> str:
    """Cut a line to the width, counting only visible characters (any other escape is dropped, never printed)."""
    visible, out, i = 0, [], 0
    while i < len(line):
        if line[i] == "\033":
            end = _sgr_end(line, i)
            out.append(line[i:end])
            i = max(end, i + 1)
            continue
        if visible == WIDTH - 1 and len(line) - i > 1 and _visible_len(line[i:]) > 1:
            out.append("…")
            out.append("\033[0m" if "\033[" in line else "")
            return "".join(out)
        out.append(line[i])
        visible += 1
        i += 1
    return "".join(out)


def _visible_len(text: str) -> int:
    count, i = 0, 0
    while i < len(text):
        if text[i] == "\033":
            i = max(_sgr_end(text, i), i + 1)
            continue
        count += 1
        i += 1
    return count
