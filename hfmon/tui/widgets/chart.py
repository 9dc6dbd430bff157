"""The credits burn-down chart: used vs included over the billing period, today marked, projection ahead."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from textual.color import Color, ColorParseError
from textual_plotext import PlotextPlot

from hfmon import format as fmt
from hfmon.report import Credits


@dataclass(frozen=True, slots=True)
class BurnDown:
    """What the chart draws, in days since the period start and USD (pure; see `burn_down`)."""

    used: tuple[tuple[float, float], ...]
    projection: tuple[tuple[float, float], ...]
    today: float
    length: float
    included: float
    limit: float | None  # None: no limit, or far above everything else
    top: float
    period_start: datetime
    history: bool  # False: no points between the period start and now, so the used line is a straight guess


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
    projection = ((today, float(credits.used_usd)), (length, float(credits.projected_period_usd)))
    included = float(credits.included_usd)
    top = max(included, float(credits.projected_period_usd), float(credits.used_usd), 0.01)
    limit = None if credits.limit_usd is None else float(credits.limit_usd)
    if limit is not None and limit > top * 1.6:
        limit = None  # far above everything else: drawing it would flatten the lines; the legend names it
    top = max(top, limit or 0.0)
    return BurnDown(used, projection, today, length, included, limit, top * 1.12, start, history)


class BurnDownChart(PlotextPlot):
    """A plotext chart of one namespace's credits; the legend lives in the panel around it."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.data: BurnDown | None = None

    def show(self, data: BurnDown | None) -> None:
        """Redraw with new data (None: nothing to draw)."""
        if data == self.data:
            return
        self.data = data
        self.replot()

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, lambda _theme: self.replot())
        self.replot()

    def _rgb(self, variable: str) -> tuple[int, int, int]:
        try:
            return Color.parse(self.app.theme_variables.get(variable, "#888888")).rgb
        except ColorParseError:
            return (136, 136, 136)

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
        plt.ylim(0, data.top)
        ticks = [float(d) for d in range(0, int(data.length) + 1, 7)]
        plt.xticks(ticks, [fmt.day(data.period_start + timedelta(days=d)) for d in ticks])
        ys = [data.top * i / 4 for i in range(5)]
        plt.yticks(ys, [_short_money(y) for y in ys])
        if data.included > 0:
            plt.horizontal_line(data.included, color=self._rgb("success"))
        if data.limit is not None:
            plt.horizontal_line(data.limit, color=self._rgb("error"))
        muted = "foreground-darken-3" if self.app.current_theme.dark else "foreground-lighten-3"
        plt.vertical_line(data.today, color=self._rgb(muted))
        xs, vs = zip(*data.projection, strict=True)
        plt.plot(list(xs), list(vs), marker="dot", color=self._rgb("secondary"))
        xs, vs = zip(*data.used, strict=True)
        plt.plot(list(xs), list(vs), marker="braille" if data.history else "dot", color=self._rgb("primary"))
        self.refresh()


def _short_money(value: float) -> str:
    """Axis labels: `$0`, `$1.50`, `$480`, `$1.2k`."""
    if value >= 1000:
        return f"${value / 1000:.1f}k"
    if value >= 100 or value == 0:
        return f"${value:.0f}"
    return f"${value:.2f}"
