"""Pure view code for the metering proxy's figures: the Inference screen's per-model table and its charts over
time (no widgets, no I/O)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from rich.text import Text

from hfmon import format as fmt
from hfmon.ledger import UsageFigures, UsageSeries, UsageWindow
from hfmon.tui.rows import Tones, num_cell
from hfmon.tui.widgets.series_chart import SeriesPlot, nice_ticks
from hfmon.tui.widgets.table import Column, Row, cell

TOP_LINES = 5  # lines on a chart at most; the table lists the rest
X_LABELS = 5  # labelled steps on the x axis at most

PROXY_MODEL_COLUMNS = (
    Column("name", "Model", flex=True), Column("requests", "Requests", True), Column("errors", "Errors", True),
    Column("p50", "p50", True), Column("estimated", "Estimated", True), Column("settled", "Settled", True),
    Column("p95", "p95", True, extra=True), Column("tokens", "Tokens in/out", True, extra=True),
    Column("trend", "vs before", True, extra=True),
)


def proxy_model_rows(models: Iterable[UsageFigures], tones: Tones) -> list[Row]:
    """One row per model: requests, error share, latency, estimated and settled cost (partial ones say so)."""
    out: list[Row] = []
    for m in models:
        settled = "pending" if m.settled_usd.known is None and m.requests > m.errors else fmt.money_total(
            m.settled_usd, fine=True)
        error_style = tones.get("bad", "") if m.errors else ""
        out.append((m.name, (
            cell(m.name), num_cell(f"{m.requests:,}", m.requests),
            cell(fmt.percent(m.error_pct), m.error_pct, right=True, style=error_style),
            num_cell(fmt.latency(m.p50_latency_s), m.p50_latency_s),
            cell(_estimate(m), m.estimated_usd.known, right=True,
                 style="" if m.estimated_usd.complete else tones.get("warn", "")),
            cell(settled, m.settled_usd.known, right=True,
                 style="" if m.settled_usd.complete else tones.get("muted", "")),
            num_cell(fmt.latency(m.p95_latency_s), m.p95_latency_s),
            num_cell(f"{m.prompt_tokens:,}/{m.completion_tokens:,}", m.prompt_tokens + m.completion_tokens),
            num_cell(_signed(fmt.percent(m.estimated_trend_pct)), m.estimated_trend_pct),
        )))
    return out


def _signed(text: str) -> str:
    return text if text.startswith(("-", fmt.MISSING)) or text == "0%" else "+" + text


def _estimate(m: UsageFigures) -> str:
    """The estimate, or `unpriced` when nothing is known because no price is."""
    missing = m.estimated_usd.missing
    if m.estimated_usd.known is None and missing and all(x.startswith("unpriced:") for x in missing):
        return fmt.UNPRICED
    return fmt.money_total(m.estimated_usd, fine=True)


def spend_plot(window: UsageWindow, series: Sequence[UsageSeries], figures: Sequence[UsageFigures]) -> SeriesPlot:
    """The estimated spend per step of the costliest series with a price (`figures`: the same groups' totals).
    A series with no priced request is not drawn (unpriced is not $0): the legend says so."""
    totals = {f.name: f for f in figures}
    drawn = [s for s in series if totals.get(s.name) is not None and totals[s.name].estimated_usd.known]
    lines = tuple((s.name, tuple(float(t.known or 0) for t in s.estimated_usd)) for s in drawn[:TOP_LINES])
    peak = max((v for _, values in lines for v in values), default=0.0)
    starts = window.step_starts
    every = max(1, -(-len(starts) // X_LABELS))
    short = window.step is not None and window.step < timedelta(days=1)
    labels = tuple((i, f"{at:%H:%M}" if short else fmt.day(at)) for i, at in enumerate(starts) if i % every == 0)
    return SeriesPlot(lines, labels, nice_ticks(peak * 1.05))


def spend_legend(plot: SeriesPlot, figures: Sequence[UsageFigures], colors: Sequence[str], tones: Tones) -> Text:
    """Each drawn line's colour, name, estimated spend and requests in the window; then what is not drawn."""
    text = Text()
    drawn = {name for name, _ in plot.lines}
    for i, (name, _) in enumerate(plot.lines):
        f = next(f for f in figures if f.name == name)
        text.append("━━ ", style=colors[i % len(colors)] if colors else "")
        text.append(f"{name} ")
        text.append(f"{_estimate(f)} · {fmt.counted(f.requests, 'requests')}",
                    style="" if f.estimated_usd.complete else tones.get("warn", ""))
        text.append("\n")
    unpriced = [f.name for f in figures if f.name not in drawn and not f.estimated_usd.known]
    more = len(figures) - len(drawn) - len(unpriced)
    if unpriced:
        text.append(f"not drawn, no price: {', '.join(unpriced)}\n", style=tones.get("muted", ""))
    if more > 0:
        text.append(f"{more} more in the table\n", style=tones.get("muted", ""))
    text.rstrip()
    return text if text.plain else Text("No requests through hfmon proxy in this window.", style=tones.get("muted", ""))
