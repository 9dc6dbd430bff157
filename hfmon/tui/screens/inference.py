"""Inference: Inference Providers spend and requests by provider over the period, and by model for the requests
that went through `hfmon proxy`, with their spend over time (per model and per provider) in the chosen window."""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.widgets import Static

from hfmon import format as fmt
from hfmon.report import Inference
from hfmon.tui import rows
from hfmon.tui.ledger_rows import PROXY_MODEL_COLUMNS, proxy_model_rows
from hfmon.tui.literal import literal
from hfmon.tui.over_time import ChartLine, model_lines, provider_lines, spend_legend, spend_plot
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
        # this period's, as the Overview has it; usage-v2 of a namespace counting over another period (its credits')
        # is no part of it, only of the split by provider below, which says so
        this_period = state.report.billed_for("inference", None)
        elsewhen = fmt.counted_from(state.report.inference_elsewhen)
        text = Text()
        tone = "accent" if this_period.complete else "warn"
        text.append(fmt.money_total(this_period), style="bold " + t.get(tone, ""))
        text.append(" this period")
        if not elsewhen:
            text.append(f" · {fmt.count_total(inf.requests)} requests")
        spent = state.report.window_total(state.window, state.namespace) if state.window != "period" else None
        if spent is not None:
            text.append(f" · {fmt.money_total(spent.product('inference'))} in the {fmt.window_label(state.window)}")
        if not elsewhen:
            text.append(per_1k_requests(inf))
        note = fmt.missing_note(this_period, len(state.report.namespaces))
        if note:
            text.append(f"\nnot in it: {note}", style=t.get("warn", ""))
        if elsewhen:
            text.append(f"\nBy provider: usage over each namespace's credits period ({elsewhen}): "
                        f"{fmt.money_total(inf.cost_usd)} · {fmt.count_total(inf.requests)} requests")
            text.append(per_1k_requests(inf))
        if inf.not_broken_down is not None and inf.not_broken_down.why:
            text.append(f"\n{inf.not_broken_down.name}: {inf.not_broken_down.why}", style=t.get("warn", ""))
        text.append("\nTotals cover every namespace whose billing the token can read",
                    style=t.get("muted", ""))
        if state.namespace is not None:
            text.append(" (not filtered by namespace)", style=t.get("muted", ""))
        self.query_one("#inference-summary", Static).update(text)
        badge = rows.panel_badge(state.report, "inference", None, state.now)
        fill(self.query_one("#providers-panel", Panel), self.query_one("#providers", KeyedTable),
             rows.share_rows(((p.name, p.requests, p.cost_usd) for p in inf.parts
                              if p is not inf.not_broken_down or p.cost_usd != 0 or p.requests != 0), t),
             badge, "providers")
        proxy = state.report.proxy
        period = proxy.window("period") if proxy is not None else None
        models_panel = self.query_one("#models-panel", Panel)
        models_panel.display = bool(period and period.by_model)
        fill(models_panel, self.query_one("#models", KeyedTable),
             proxy_model_rows(period.by_model if period else (), t), "", "models")
        window = proxy.window(state.window) if proxy is not None else None
        billed = next((w for w in state.report.provider_spend if w.name == state.window), None)
        label = fmt.window_label(state.window)
        used = window is not None and window.step is not None and models_panel.display  # the proxy was used
        models = (window.step_starts, window.step, model_lines(window)) if window and window.step and used else None
        self._over_time("models", models,
                        f"Spend per model over time · {label} · estimated, requests through hfmon proxy",
                        "No requests through hfmon proxy in this window.", state)
        providers = (billed.step_starts, billed.step, provider_lines(billed)) if billed else None
        self._over_time("providers", providers,
                        f"Spend per provider over time · {label} · billed, as the polls saw it",
                        "No spend through any provider in this window.", state)

    def _over_time(self, what: str, data: tuple[tuple[datetime, ...], timedelta, list[ChartLine]] | None,
                   title: str, empty: str, state: ViewState) -> None:
        """One chart of spend per step of the chosen window, with its legend; hidden without the data."""
        panel = self.query_one(f"#{what}-over-time", Panel)
        panel.display = bool(data)
        if not data:
            return
        starts, step, lines = data
        chart = self.query_one(f"#{what}-chart", SeriesChart)
        plot = spend_plot(starts, step, lines)
        chart.show(plot)
        self.query_one(f"#{what}-legend", Static).update(spend_legend(plot, lines, chart.line_colors(),
                                                                      state.tones, empty))
        panel.border_title = literal(title)
        panel.note(f"a point per {fmt.duration(step.total_seconds())}")


def per_1k_requests(inf: Inference) -> str:
    """` · $0.45 per 1k requests` of usage-v2's figures, "" when either is unknown or no request was made."""
    cost, requests = inf.cost_usd.value, inf.requests.value
    return f" · {fmt.money(cost * 1000 / Decimal(requests))} per 1k requests" if cost is not None and requests else ""
