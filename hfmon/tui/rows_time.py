"""Pure view code for figures over time: spend in a window per namespace, a resource's $/h sparkline, totals."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from hfmon import format as fmt
from hfmon.figures import INFERENCE_PERIOD
from hfmon.report import Report, Total
from hfmon.tui.widgets.cells import Cell, Row, Styled, cell

Tones = Mapping[str, str]


def window_rows(report: Report, ns: str | None, window: str, tones: Tones) -> list[Row]:
    """Spend per namespace in a window, by product (unknown where history does not reach), the trend in the
    Invoice column's place."""
    out: list[Row] = []
    monthly = cell("", right=True)  # storage is billed by the month: in no window
    for name in report.namespaces:
        whole = report.window_total(window, name)
        if whole is None or (ns is not None and name != ns):
            continue
        parts = [total_cell(whole.product(p), tones) for p in ("inference", "endpoints", "spaces", "jobs")]
        trend = whole.trend_pct
        out.append((name, (cell(name), total_cell(whole.spend_usd, tones), *parts, monthly, monthly,
                           cell(f"{fmt.trend(trend)} vs before", trend, right=True))))
    return out


def window_unread(report: Report, ns: str | None, window: str) -> str | None:
    """What the window's spend leaves out and why, for the line under its table ("not in it: …": a Job that may
    have run between polls, a listing unread); None when the window is complete, or for the period (billed
    figures)."""
    if window == "period":  # billed figures, whose unknowns the badge names; but for usage-v2 of another period
        other = tuple(m for s in report.spend if ns in (None, s.namespace) for m in s.part("inference").missing
                      if m.startswith(f"{INFERENCE_PERIOD}:"))
        return f"not in it: {fmt.missing_note(Total(None, other), len(report.namespaces))}" if other else None
    whole = report.window_total(window, ns)
    if whole is None or whole.spend_usd.complete:
        return None
    return f"not in it: {fmt.missing_note(whole.spend_usd, len(report.namespaces))}"


def total_cell(total: Total[Decimal], tones: Tones | None = None) -> Cell:
    """A right-aligned total: the amount, `at least $X` when parts are missing, `unknown` when all are."""
    return cell(fmt.money_total(total), total.known, right=True,
                style="" if total.complete else (tones or {}).get("warn", ""))


def spark_cell(hourly_usd: tuple[Decimal | None, ...], tones: Tones) -> Cell:
    """$/h over the last 24 hours (`ResourceCost.hourly_usd`) as a sparkline, sorting by its last known hour."""
    last = next((v for v in reversed(hourly_usd) if v is not None), None)
    return cell(Styled(fmt.spark(hourly_usd), tones.get("accent", "")), last)
