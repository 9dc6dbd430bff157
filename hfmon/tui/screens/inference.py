"""Inference: Inference Providers spend and requests by provider over the period, and by model for the requests
that went through `hfmon proxy`, with their spend over time (per model and per provider) in the chosen window."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from hfmon import format as fmt
from hfmon.ledger import UsageWindow
from hfmon.tui import rows
from hfmon.tui.ledger_rows import PROXY_MODEL_COLUMNS, proxy_model_rows, spend_legend, spend_plot
from hfmon.tui.screens.base import View, fill
from hfmon.tui.state import ViewState
from hfmon.tui.widgets.panel import Panel
from hfmon.tui.widgets.series_chart import SeriesChart
from hfmon.tui.widgets.table import KeyedTable


class InferenceView(View):
    """Where the Inference Providers money goes."""

    DEFAULT_CSS = """
    #inference-scroll { height: 1fr; }
    .over-time { height: auto; }
    .over-time > Panel { height: auto; }
    .over-time SeriesChart { height: 10; }
    .over-time Static { height: auto; }
    """

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="inference-scroll"):  # the charts may sit below the fold: the screen scrolls
            yield Static(id="inference-summary", classes="summary")
            with Horizontal(classes="xpair"):  # side by side from 160 cells wide
                yield Panel(KeyedTable(rows.PROVIDER_COLUMNS, default_sort="cost", default_reverse=True,
                                       id="providers"), title="By provider", id="providers-panel")
                yield Panel(KeyedTable(PROXY_MODEL_COLUMNS, default_sort="estimated", default_reverse=True,
                                       id="models"),
                            title="By model · requests through hfmon proxy this period", id="models-panel")
            with Horizontal(classes="xpair over-time"):
                for what in ("models", "providers"):
                    yield Panel(SeriesChart(id=f"{what}-chart"), Static(id=f"{what}-legend"),
                                title=f"Spend per {what[:-1]} over time", id=f"{what}-over-time")

    def render_state(self, state: ViewState) -> None:
        inf, t = state.report.inference, state.tones
        text = Text()
        tone = "accent" if inf.cost_usd.complete else "warn"
        text.append(fmt.money_total(inf.cost_usd), style="bold " + t.get(tone, ""))
        text.append(f" this period · {fmt.count_total(inf.requests)} requests")
        spent = state.report.window_total(state.window, state.namespace) if state.window != "period" else None
        if spent is not None:
            text.append(f" · {fmt.money_total(spent.product('inference'))} in the {fmt.window_label(state.window)}")
        cost, requests = inf.cost_usd.value, inf.requests.value
        if cost is not None and requests:
            text.append(f" · {fmt.money(cost * 1000 / Decimal(requests))} per 1k requests")
        note = fmt.missing_note(inf.cost_usd, len(state.report.namespaces))
        if note:
            text.append(f"\nnot in it: {note}", style=t.get("warn", ""))
        text.append("\nTotals cover every namespace whose billing the token can read",
                    style=t.get("muted", ""))
        if state.namespace is not None:
            text.append(" (not filtered by namespace)", style=t.get("muted", ""))
        self.query_one("#inference-summary", Static).update(text)
        badge = rows.panel_badge(state.report, "inference", None, state.now)
        fill(self.query_one("#providers-panel", Panel), self.query_one("#providers", KeyedTable),
             rows.share_rows(((p.name, p.requests, p.cost_usd) for p in inf.by_provider + (inf.not_broken_down,)
                              if p is not inf.not_broken_down or p.cost_usd or p.requests), t), badge, "providers")
        proxy = state.report.proxy
        period = proxy.window("period") if proxy is not None else None
        models_panel = self.query_one("#models-panel", Panel)
        models_panel.display = bool(period and period.by_model)
        fill(models_panel, self.query_one("#models", KeyedTable),
             proxy_model_rows(period.by_model if period else (), t), "", "models")
        window = proxy.window(state.window) if proxy is not None else None
        for what in ("models", "providers"):
            self._over_time(what, window, state)

    def _over_time(self, what: str, window: UsageWindow | None, state: ViewState) -> None:
        """One chart of the proxy ledger's estimated spend per step of the chosen window, with its legend."""
        panel = self.query_one(f"#{what}-over-time", Panel)
        if window is None:
            panel.display = False
            return
        series, figures = ((window.models_over_time, window.by_model) if what == "models"
                           else (window.providers_over_time, window.by_provider))
        panel.display = bool(window.step and series)
        if not panel.display:
            return
        chart = self.query_one(f"#{what}-chart", SeriesChart)
        plot = spend_plot(window, series, figures)
        chart.show(plot)
        self.query_one(f"#{what}-legend", Static).update(spend_legend(plot, figures, chart.line_colors(),
                                                                      state.tones))
        step = fmt.duration(window.step.total_seconds()) if window.step else ""
        panel.border_title = (f"Spend per {what[:-1]} over time · {fmt.window_label(state.window)} · estimated, "
                              "requests through hfmon proxy")
        panel.note(f"a point per {step}" if step else "")
