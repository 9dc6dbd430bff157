"""A time-series line chart: one braille line per series over the steps of a window (the Inference screen's
spend per model and per provider over time). The legend lives in the panel around it, in the same colours."""

from __future__ import annotations

import math
from dataclasses import dataclass

from textual.color import Color

from hfmon.tui.widgets.chart import ThemedPlot, short_money

# theme variables the lines take in turn (the legend uses `SeriesChart.line_colors` for the same ones)
LINE_COLORS = ("primary", "secondary", "accent", "success", "warning", "error")


@dataclass(frozen=True, slots=True)
class SeriesPlot:
    """What the chart draws: a value per step for each line, the x axis's labelled steps, the y axis's ticks."""

    lines: tuple[tuple[str, tuple[float | None, ...]], ...]  # (name, a value per step; None: unknown, a gap)
    x_labels: tuple[tuple[int, str], ...]  # (step index, label)
    y_ticks: tuple[float, ...]
    money: bool = True  # USD on the y axis (else a count)


def nice_ticks(highest: float, most: int = 4) -> tuple[float, ...]:
    """Ticks 0, s, 2s, … up to the first at or above `highest`, with s in 1, 2, 2.5, 5 x 10^k (any k: a demo's
    spend per hour is a fraction of a cent) and at most `most` steps."""
    if highest <= 0:
        return (0.0, 1.0)
    magnitude = 10.0 ** math.floor(math.log10(highest / most))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if math.ceil(highest / (m * magnitude) - 1e-9) <= most)
    steps = max(1, math.ceil(highest / step - 1e-9))
    return tuple(round(i * step, 12) for i in range(steps + 1))


def tick_label(value: float, money: bool) -> str:
    """An axis label: `$0`, `$2.50`, `$1.5k`, `$0.0004`; counts as `12`, `1.5k`."""
    if not money:
        return f"{value / 1000:g}k" if value >= 1000 else f"{value:g}"
    if value == 0 or value >= 0.01:
        return short_money(value)
    return f"${value:.{max(2, 1 - math.floor(math.log10(value)))}f}".rstrip("0")


class SeriesChart(ThemedPlot[SeriesPlot]):
    """A plotext chart of a SeriesPlot (None: nothing to draw)."""

    def line_colors(self) -> list[str]:
        """The colour of each line in turn, as `#rrggbb` in the current theme (for the legend)."""
        return [Color(*self._rgb(name)).hex for name in LINE_COLORS]

    def replot(self) -> None:
        """Rebuild the plot from `data` in the current theme's colours."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        data = self.data
        if data is None or not data.lines:
            self.refresh()
            return
        steps = max(len(values) for _, values in data.lines)
        plt.xlim(0, max(steps - 1, 1))
        plt.xticks([float(i) for i, _ in data.x_labels], [label for _, label in data.x_labels])
        room = max(1, min(4, (self.size.height - 3) // 2))  # a short chart gets fewer ticks, each a row or two
        ticks = data.y_ticks if len(data.y_ticks) - 1 <= room else nice_ticks(data.y_ticks[-1], room)
        plt.ylim(0, ticks[-1])
        plt.yticks(list(ticks), [tick_label(t, data.money) for t in ticks])
        for i, (_, values) in enumerate(data.lines):
            color = self._rgb(LINE_COLORS[i % len(LINE_COLORS)])
            for xs, ys in segments(values):
                plt.plot(xs, ys, marker="braille", color=color)
        self.refresh()


def segments(values: tuple[float | None, ...]) -> list[tuple[list[float], list[float]]]:
    """The runs of known values (x, y), split where a value is unknown: a gap is drawn as a gap, not as $0."""
    out: list[tuple[list[float], list[float]]] = []
    run: tuple[list[float], list[float]] = ([], [])
    for x, y in enumerate(values):
        if y is None:
            if run[0]:
                out.append(run)
            run = ([], [])
        else:
            run[0].append(float(x))
            run[1].append(y)
    if run[0]:
        out.append(run)
    return out
