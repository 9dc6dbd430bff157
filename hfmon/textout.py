"""The compact, human-readable `hfmon --once` summary: fits 80 columns, colour optional. Pure."""

from __future__ import annotations

from decimal import Decimal

from hfmon.clock import iso
from hfmon.models import SourceStatus
from hfmon.report import CheckStatus, Credits, Report, ResourceCost, Severity

WIDTH = 80
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


def money(value: Decimal | None, *, signed: bool = False) -> str:
    """USD with cents (sub-cent amounts keep 4 decimals); None is unpriced."""
    if value is None:
        return "n/a"
    places = "0.01" if abs(value) >= 1 or value == 0 else "0.0001"
    text = f"${abs(value.quantize(Decimal(places))):,}"
    sign = "-" if value < 0 else ("+" if signed and value > 0 else "")
    return sign + text


def rate(value: Decimal | None) -> str:
    """USD per hour."""
    return "n/a" if value is None else f"{money(value)}/h"


def render_text(report: Report, *, color: bool = False, max_rows: int = 8) -> str:
    """The whole Report as a short summary for a terminal."""
    paint = _Paint(color)
    out: list[str] = [_header(report, paint)]
    for credits in report.credits:
        out += _credits(credits, paint)
    if not report.credits:
        out.append(paint("Credits   no billing access: add the billing read permission to see credits", "yellow"))
    out.append(f"{paint('Running', 'bold')}   {rate(report.running_cost_per_hour_usd)} now"
               f"  ·  {len([r for r in report.endpoints if _billed(r.cost)])} endpoints,"
               f" {len([r for r in report.spaces if _billed(r.cost)])} Spaces,"
               f" {len([r for r in report.jobs if _billed(r.cost)])} jobs billed")
    inf = report.inference
    providers = "  ".join(f"{p.name} {money(p.cost_usd)}" for p in inf.by_provider[:4])
    out.append(_fit(f"{paint('Inference', 'bold')} {money(inf.cost_usd)} · {inf.requests:,} requests  {providers}"))
    out += _resources(report, paint, max_rows)
    out += _flags(report, paint, max_rows)
    out += _crosscheck(report, paint, max_rows)
    out += _sources(report, paint)
    return "\n".join(out) + "\n"


def _header(report: Report, paint: _Paint) -> str:
    who = "unknown account"
    if report.account:
        orgs = ", ".join(f"{o.name} ({o.plan or 'org'})" for o in report.orgs)
        who = f"{report.account.name} ({report.account.plan.upper()})" + (f" · orgs: {orgs}" if orgs else "")
    return _fit(paint(f"hfmon · {who} · {iso(report.generated_at)}", "bold"))


def _credits(c: Credits, paint: _Paint) -> list[str]:
    used = paint(money(c.used_usd), "red" if c.overage_usd > 0 else "green")
    limit = f" · limit {money(c.limit_usd)}" if c.limit_usd is not None else ""
    first = f"{paint('Credits', 'bold')}   {c.namespace}: {used} used of {money(c.included_usd)} included"
    first += f" · {money(c.remaining_usd)} left" if c.overage_usd == 0 else f" · overage {money(c.overage_usd)}"
    runs_out = f" · runs out {iso(c.exhausts_at)}" if c.exhausts_at else ""
    second = (f"          burn {money(c.burn_rate_usd_per_day)}/day{runs_out}"
              f" · projected {money(c.projected_period_usd)} · {c.days_left:.1f} days left")
    lines = [_fit(first + limit), _fit(second)]
    if c.provisional_usd > 0:
        lines.append(_fit(paint(f"          {money(c.provisional_usd)} of the last 30 min may still settle", "dim")))
    return lines


def _billed(cost: ResourceCost) -> bool:
    return bool(cost.cost_per_hour_usd)


def _instance(vendor: str | None, instance_type: str | None, size: str | None) -> str:
    return " ".join(part for part in (vendor, instance_type, size) if part) or "—"


def _cost_cell(cost: ResourceCost) -> str:
    if cost.price is None:
        return "unpriced"
    now = rate(cost.cost_per_hour_usd) if cost.cost_per_hour_usd is not None else "—"
    billed = money(cost.billed_usd) if cost.billed_usd is not None else "—"
    return f"{now:>9}  billed {billed}"


def _resources(report: Report, paint: _Paint, max_rows: int) -> list[str]:
    lines: list[str] = []
    sections = [
        ("Endpoints", [(f"{r.endpoint.namespace}/{r.endpoint.name}", r.endpoint.state,
                        _instance(r.endpoint.vendor, r.endpoint.instance_type, r.endpoint.instance_size),
                        r.cost) for r in report.endpoints]),
        ("Spaces", [(r.space.id, r.space.stage, r.space.hardware or r.space.requested_hardware or "—", r.cost)
                    for r in report.spaces]),
        ("Jobs", [(r.job.id[:24], r.job.stage, r.job.flavor or "—", r.cost) for r in report.jobs]),
    ]
    for title, rows in sections:
        billed_now = sum(1 for *_, cost in rows if _billed(cost))
        lines.append(f"{paint(title, 'bold')}  {len(rows)} · {billed_now} billed now")
        rows.sort(key=lambda row: -(row[3].cost_per_hour_usd or Decimal(0)))
        for name, state, hardware, cost in rows[:max_rows]:
            lines.append(_fit(f"  {name[:30]:30} {state[:12]:12} {hardware[:14]:14} {_cost_cell(cost)}"))
        if len(rows) > max_rows:
            lines.append(paint(f"  … {len(rows) - max_rows} more (--json for all)", "dim"))
    return lines


def _flags(report: Report, paint: _Paint, max_rows: int) -> list[str]:
    if not report.flags:
        return []
    lines = [paint(f"Flags  {len(report.flags)}", "bold")]
    for flag in report.flags[:max_rows]:
        mark = paint("!", "red" if flag.severity is Severity.CRITICAL else "yellow")
        lines.append(_fit(f"  {mark} {flag.subject}: {flag.message}"))
    return lines


def _crosscheck(report: Report, paint: _Paint, max_rows: int) -> list[str]:
    counts = {status: sum(1 for c in report.crosscheck if c.status is status) for status in CheckStatus}
    summary = " · ".join(f"{n} {status.value}" for status, n in counts.items() if n)
    lines = [f"{paint('Cross-check', 'bold')}  {summary or 'nothing billed yet'}"]
    shown = [c for c in report.crosscheck if c.status in (CheckStatus.DRIFT, CheckStatus.UNPRICED)]
    for check in shown[:max_rows]:
        delta = f"Δ {money(check.delta_usd, signed=True)}" if check.delta_usd is not None else ""
        lines.append(_fit(f"  {paint(check.status.value, 'red' if check.status is CheckStatus.DRIFT else 'yellow')}"
                          f" {check.item}: billed {money(check.billed_usd)}"
                          f" recomputed {money(check.recomputed_usd)} {delta}"))
    if report.unpriced:
        lines.append(_fit(paint(f"  unpriced: {', '.join(report.unpriced)}", "yellow")))
    return lines


def _sources(report: Report, paint: _Paint) -> list[str]:
    counts = {status: sum(1 for s in report.sources if s.status is status) for status in SourceStatus}
    summary = " · ".join(f"{n} {status.value.replace('_', ' ')}" for status, n in counts.items() if n)
    lines = [f"{paint('Sources', 'bold')}  {summary}"]
    for source in report.sources:
        if source.status is SourceStatus.OK:
            continue
        colour = "red" if source.status is SourceStatus.ERROR else "yellow"
        lines.append(_fit(f"  {paint(source.status.value, colour)} {source.name}: {source.error or ''}"))
        if source.hint:
            lines.append(_fit(paint(f"    → {source.hint}", "dim")))
    return lines


def _fit(line: str) -> str:
    """Cut a line to the width, counting only visible characters."""
    visible, out, i = 0, [], 0
    while i < len(line):
        if line[i] == "\033":
            end = line.index("m", i) + 1
            out.append(line[i:end])
            i = end
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
            i = text.index("m", i) + 1
            continue
        count += 1
        i += 1
    return count
