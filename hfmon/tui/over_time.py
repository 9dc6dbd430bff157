"""Pure view code for the Inference screen's charts over time: spend per model (the proxy ledger's estimate)
and per provider (billed, from history) in each step of the chosen window, and their legends."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from rich.text import Text

from hfmon import format as fmt
from hfmon.ledger import UsageWindow
from hfmon.provider_spend import ProviderSpendWindow
from hfmon.report import Total
from hfmon.tui.ledger_rows import money_or_unpriced
from hfmon.tui.rows import Tones
from hfmon.tui.widgets.series_chart import SeriesPlot, nice_ticks

TOP_LINES = 5  # lines on a chart at most; the tables list the rest
X_LABELS = 5  # labelled steps on the x axis at most


@dataclass(frozen=True, slots=True)
class ChartLine:
    """One series to draw: its spend per step, its total over the window, and its requests when known."""

    name: str
    steps: tuple[Total[Decimal], ...]
    total: Total[Decimal]
    requests: int | None = None


def model_lines(window: UsageWindow) -> list[ChartLine]:
    """The proxy ledger's models in a window, the costliest first."""
    totals = {f.name: f for f in window.by_model}
    return [ChartLine(s.name, s.estimated_usd, totals[s.name].estimated_usd, totals[s.name].requests)
            for s in window.models_over_time if s.name in totals]


def provider_lines(window: ProviderSpendWindow) -> list[ChartLine]:
    """The providers' billed spend in a window, the costliest first."""
    return [ChartLine(s.name, s.usd, s.total) for s in window.providers]


def spend_plot(starts: Sequence[datetime], step: timedelta, lines: Sequence[ChartLine]) -> SeriesPlot:
    """The costliest lines with something known, each step at its known spend; a step with nothing known is a
    gap, and a line with nothing known is not drawn (never $0): the legend names it."""
    drawn = [line for line in lines if line.total.known is not None and (line.total.complete or line.total.known)
             and any(t.known is not None for t in line.steps)]  # (known $0 of an incomplete total: nothing known)
    values = tuple((line.name, tuple(None if t.known is None else float(t.known) for t in line.steps))
                   for line in drawn[:TOP_LINES])
    peak = max((v for _, vs in values for v in vs if v is not None), default=0.0)
    every = max(1, -(-len(starts) // X_LABELS))
    short = step < timedelta(days=1)
    labels = tuple((i, f"{at:%H:%M}" if short else fmt.day(at)) for i, at in enumerate(starts) if i % every == 0)
    return SeriesPlot(values, labels, nice_ticks(peak * 1.05))


def spend_legend(plot: SeriesPlot, lines: Sequence[ChartLine], colors: Sequence[str], tones: Tones,
                 empty: str) -> Text:
    """Each drawn line's colour, name and spend over the window (and requests); then what is not drawn."""
    text = Text()
    by_name = {line.name: line for line in lines}
    for i, (name, _) in enumerate(plot.lines):
        line = by_name[name]
        text.append("━━ ", style=colors[i % len(colors)] if colors else "")
        text.append(f"{name} ")
        requests = f" · {fmt.counted(line.requests, 'requests')}" if line.requests is not None else ""
        text.append(money_or_unpriced(line.total) + requests,
                    style="" if line.total.complete else tones.get("warn", ""))
        text.append("\n")
    drawn = {name for name, _ in plot.lines}
    hidden = [line for line in lines if line.name not in drawn]
    unpriced = [line.name for line in hidden if money_or_unpriced(line.total) == fmt.UNPRICED]
    unknown = [line.name for line in hidden if line.total.known is None and line.name not in unpriced]
    more = len(hidden) - len(unpriced) - len(unknown)
    if unpriced:
        text.append(f"not drawn, no price: {', '.join(unpriced)}\n", style=tones.get("muted", ""))
    if unknown:
        text.append(f"not drawn, unknown: {', '.join(unknown)}\n", style=tones.get("muted", ""))
    if more > 0:
        text.append(f"{more} more in the table\n", style=tones.get("muted", ""))
    text.rstrip()
    return text if text.plain else Text(empty, style=tones.get("muted", ""))
