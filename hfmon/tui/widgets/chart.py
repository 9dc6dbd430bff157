"""The credits burn-down chart: used vs included over the billing period, today marked, projection ahead.

The included credits, the spending limit and the projection are drawn as braille lines like used itself, so a
figure above a line is never drawn below it (plotext's horizontal lines and dots sit on whole rows, braille on
quarter rows). The y
axis has round ticks ($0, $1, $2 …) up to the first above every figure; used beyond the included credits
(the overage) is drawn in the error colour.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Generic, TypeVar

from textual.color import Color, ColorParseError
from textual_plotext import PlotextPlot

from hfmon import format as fmt
from hfmon.report import Credits

D = TypeVar("D")


@dataclass(frozen=True, slots=True)
class BurnDown:
    """What the chart draws, in days since the period start and USD (pure; see `burn_down`)."""

    used: tuple[tuple[float, float], ...]
    projection: tuple[tuple[float, float], ...]
    today: float
    length: float
    included: float
    limit: float | None  # None: no limit, or far above everything else
    top: float  # the highest tick
    period_start: datetime
    history: bool  # False: no points between the period start and now, so the used line is a straight guess
    ticks: tuple[float, ...] = ()  # round y ticks from $0 to `top` (at most 5 steps)
    peak: float = 0.0  # the value the y axis must reach (the highest line, with a little room)
    overage: tuple[tuple[float, float], ...] = ()  # the part of `used` at or above the included credits


def burn_down(credits: Credits, now: datetime, observed: tuple[tuple[datetime, Decimal], ...] = ()) -> BurnDown:
    """The chart's lines: the series from history (or what this session observed), then the projection."""
    start = credits.period_start

    def day(moment: datetime) -> float:
        return (moment - start).total_seconds() / 86400

    points = {day(t): float(v) for t, v in (credits.series or observed) if start <= t <= credits.period_end}
    today = min(max(day(now), 0.0), day(credits.period_end))
    points.setdefault(0.0, 0.0)
    points[today] = float(credits.used_usd)
    used = tuple(sorted(points.items()))
    history = len(used) > 2
    length = day(credits.period_end)
    projected = credits.projected_period_usd
    # no rate to project with yet (the period's first 4 h): no projection line, never a flat one at $0
    projection = () if projected is None else ((today, float(credits.used_usd)), (length, float(projected)))
    included = float(credits.included_usd)
    highest = max(included, *(v for _, v in projection), float(credits.used_usd), 0.01)
    limit = None if credits.limit_usd is None else float(credits.limit_usd)
    if limit is not None and limit > highest * 1.6:
        limit = None  # far above everything else: drawing it would flatten the lines; the legend names it
    peak = max(highest, limit or 0.0) * 1.04  # a little room above the highest line
    ticks = round_ticks(peak)
    return BurnDown(used, projection, today, length, included, limit, ticks[-1], start, history, ticks=ticks,
                    peak=peak, overage=overage_part(used, included))


def round_ticks(highest: float, most: int = 5) -> tuple[float, ...]:
    """Ticks 0, s, 2s, … up to the first at or above `highest`, with s in 1, 2, 2.5, 5 x 10^k and at most
    `most` steps."""
    magnitude = max(10.0 ** math.floor(math.log10(highest / most)), 0.01) if highest > 0 else 0.01  # cents
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if math.ceil(highest / (m * magnitude) - 1e-9) <= most)
    steps = max(1, math.ceil(highest / step - 1e-9))
    return tuple(round(i * step, 10) for i in range(steps + 1))


def overage_part(used: tuple[tuple[float, float], ...], included: float) -> tuple[tuple[float, float], ...]:
    """The used line from where it reached the included credits on (empty when it has not, or there are none)."""
    if included <= 0:
        return ()
    for i, (x, v) in enumerate(used):
        if v >= included:
            if i == 0 or v == included:
                return used[i:]
            (x0, v0) = used[i - 1]
            crossing = x0 + (x - x0) * (included - v0) / (v - v0)  # where the line crosses the included credits
            return ((crossing, included), *used[i:])
    return ()


class ThemedPlot(PlotextPlot, Generic[D]):
    """A plotext chart of one immutable value (None: nothing to draw), redrawn when the value, the size or the theme
    changes; subclasses draw it in `replot`, in the theme's colours (`_rgb`)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: D | None = None

    def show(self, data: D | None) -> None:
        """Redraw with new data (None: nothing to draw)."""
        if data == self.data:
            return
        self.data = data
        self.replot()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.replot())
        self.replot()

    def on_resize(self) -> None:
        """How many y ticks fit depends on the height."""
        self.replot()

    def _rgb(self, variable: str) -> tuple[int, int, int]:
        try:
            return Color.parse(self.app.theme_variables.get(variable, "#888888")).rgb
        except ColorParseError:
            return (136, 136, 136)

    def replot(self) -> None:
        """Rebuild the plot from `data` in the current theme's colours."""
        raise NotImplementedError


class BurnDownChart(ThemedPlot[BurnDown]):
    """A plotext chart of one namespace's credits; the legend lives in the panel around it."""

    def replot(self) -> None:
        """Rebuild the plot from `data` in the current theme's colours."""
        plt = self.plt
        plt.clear_data()
        plt.clear_figure()
        data = self.data
        if data is None:
            self.refresh()
            return
        plt.xlim(0, data.length)
        # a short chart gets fewer ticks, so that each keeps a row or two to itself
        y_ticks = round_ticks(data.peak, max(1, min(5, (self.size.height - 4) // 2))) if data.peak else data.ticks
        plt.ylim(0, y_ticks[-1])
        ticks = [float(d) for d in range(0, int(data.length) + 1, 7)]
        plt.xticks(ticks, [fmt.day(data.period_start + timedelta(days=d)) for d in ticks])
        ys = list(y_ticks)
        plt.yticks(ys, [short_money(y) for y in ys])
        muted = "foreground-darken-3" if self.app.current_theme.dark else "foreground-lighten-3"
        plt.vertical_line(data.today, color=self._rgb(muted))
        if data.included > 0:
            plt.plot([0.0, data.length], [data.included] * 2, marker="braille", color=self._rgb("success"))
        if data.limit is not None:
            plt.plot([0.0, data.length], [data.limit] * 2, marker="braille", color=self._rgb("error"))
        if data.projection:
            xs, vs = zip(*data.projection, strict=True)
            # braille like the other lines (a dot is a whole row: it would sit below a line it is above); the
            # projection starts where used ends, so the two never share a column
            plt.plot(list(xs), list(vs), marker="braille", color=self._rgb("secondary"))
        xs, vs = zip(*data.used, strict=True)
        plt.plot(list(xs), list(vs), marker="braille" if data.history else "dot", color=self._rgb("primary"))
        if len(data.overage) > 1:
            xs, vs = zip(*data.overage, strict=True)
            plt.plot(list(xs), list(vs), marker="braille" if data.history else "dot", color=self._rgb("warning"))
        self.refresh()


def short_money(value: float) -> str:
    """Axis labels: `$0`, `$2`, `$2.50`, `$0.05`, `$480`, `$1.5k`, `$2k`."""
    if value >= 1000:
        thousands = value / 1000
        return f"${thousands:.0f}k" if thousands == round(thousands) else f"${thousands:.1f}k"
    if value == round(value):
        return f"${value:.0f}"
    return f"${value:.2f}"
