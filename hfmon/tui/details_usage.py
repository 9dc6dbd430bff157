"""Pure text of the detail views' spend over time: a provider's billed spend and a model's requests through
`hfmon proxy`, in each window the Report carries (1 h to the period), each with a sparkline of its steps."""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from rich.text import Text

from hfmon import format as fmt
from hfmon.proxy.receipt import reasons
from hfmon.report import Remainder, Report, Total
from hfmon.tui.details import generic_detail, line, section
from hfmon.tui.ledger_rows import PROXY_MODEL_COLUMNS, money_or_unpriced, proxy_model_rows
from hfmon.tui.rows import Tones

UNKNOWN_STEP = "· a step history does not cover in full (its spend unknown, not $0)"
UNPRICED_STEP = "· a step with requests hfmon cannot price (its estimate unknown, not $0)"
PARTIAL_STEP = "· a step whose estimate is a lower bound (what is not in it is said above)"


def steps_spark(steps: Sequence[Total[Decimal]]) -> str:
    """A sparkline of spend per step: a step known only in part is unknown (`·`), never drawn as its lower bound."""
    return fmt.spark(tuple(t.known if t.complete else None for t in steps))


def _window_line(text: Text, window: str, figure: str, extra: str, spark: str, tones: Tones,
                 style: str = "") -> None:
    """One window: its label, its figure, a note (requests, or how long a bar is) and the sparkline of its steps."""
    text.append(f"\n  {fmt.window_label(window):<15}")
    text.append(f"{figure:>14}", style=style)
    text.append(f"  {extra:<16} ", style=tones.get("muted", ""))
    text.append(spark, style=tones.get("accent", ""))


def provider_detail(report: Report, name: str, tones: Tones) -> Text:
    """An Inference Providers provider: spend and requests this period, its share, and its spend over time."""
    inf, text = report.inference, Text()
    found = next((p for p in inf.parts if p.name == name), None)
    section(text, f"Provider {name}")
    if found is None:
        text.append("\n  not in this poll's split", style=tones.get("muted", ""))
        return text
    total = inf.cost_usd.known
    line(text, "spend this period", fmt.money(found.cost_usd, missing=fmt.UNKNOWN), "bold")
    line(text, "requests", fmt.UNKNOWN if found.requests is None else f"{found.requests:,}")
    if isinstance(found, Remainder) and found.why:  # what the providers leave of the total, partly unknown
        text.append(f"\n  {found.why}", style=tones.get("warn", ""))
    if found.requests and found.cost_usd is not None:
        line(text, "per 1k requests", fmt.money(found.cost_usd * 1000 / found.requests))
    if total and found.cost_usd is not None:
        line(text, "share of inference", fmt.percent(found.cost_usd * 100 / total) +
             ("" if inf.cost_usd.complete else " of what is known"))
    provider_over_time(text, report, name, tones)
    return text


def provider_over_time(text: Text, report: Report, name: str, tones: Tones) -> None:
    """A provider's billed spend in each window, as the polls saw it, with its steps as a sparkline."""
    section(text, "Over time · billed, as the polls saw it")
    shown = partial = False
    for window in report.provider_spend:
        series = next((s for s in window.providers if s.name == name), None)
        if series is None:
            continue
        spark = steps_spark(series.usd)
        shown, partial = True, partial or any(not t.complete for t in series.usd)
        _window_line(text, window.name, fmt.money_total(series.total),
                     f"a bar per {fmt.duration(window.step.total_seconds())}", spark, tones,
                     "" if series.total.complete else tones.get("warn", ""))
    if not shown:
        text.append("\n  none in history yet: history records the spend per provider at each poll (not with "
                    "--no-history)", style=tones.get("muted", ""))
    elif partial:
        text.append(f"\n  {UNKNOWN_STEP}", style=tones.get("muted", ""))


def model_detail(report: Report, name: str, tones: Tones) -> Text:
    """A model's requests through `hfmon proxy` this period (every column of its row), then in each window."""
    proxy = report.proxy
    period = proxy.window("period") if proxy is not None else None
    figures = next((m for m in period.by_model if m.name == name), None) if period is not None else None
    if proxy is None or figures is None:
        text = Text()
        section(text, f"Model {name}")
        text.append("\n  not in this poll's proxy ledger", style=tones.get("muted", ""))
        return text
    cells = proxy_model_rows([figures], tones)[0][1]
    text = generic_detail(f"Model {name} · requests through hfmon proxy this period", PROXY_MODEL_COLUMNS, cells)
    if not figures.estimated_usd.complete:
        text.append(f"\n  not in it: {'; '.join(reasons(figures.estimated_usd, unpriced_why={}))}",
                    style=tones.get("warn", ""))
    section(text, "Over time · estimated from the tokens and router prices")
    partial: set[str] = set()
    for window in proxy.windows:
        found = next((m for m in window.by_model if m.name == name), None)
        series = next((s for s in window.models_over_time if s.name == name), None)
        if found is None:
            _window_line(text, window.name, "no requests", "", "", tones)
            continue
        spark = steps_spark(series.estimated_usd) if series is not None else ""
        steps = series.estimated_usd if series is not None else ()
        partial.update(x.partition(":")[0] for t in steps for x in t.missing)  # the kinds of what steps miss
        _window_line(text, window.name, money_or_unpriced(found.estimated_usd), fmt.counted(found.requests, "requests"),
                     spark, tones, "" if found.estimated_usd.complete else tones.get("warn", ""))
    if "unpriced" in partial:
        text.append(f"\n  {UNPRICED_STEP}", style=tones.get("muted", ""))
    if partial - {"unpriced"}:
        text.append(f"\n  {PARTIAL_STEP}", style=tones.get("muted", ""))
    return text
