"""Inference: Inference Providers spend and requests by provider over the period, and by model for the requests
that went through `hfmon proxy`."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from hfmon import format as fmt
from hfmon.tui import rows
from hfmon.tui.ledger_rows import PROXY_MODEL_COLUMNS, proxy_model_rows
from hfmon.tui.screens.base import View, fill
from hfmon.tui.state import ViewState
from hfmon.tui.widgets.panel import Panel
from hfmon.tui.widgets.table import KeyedTable


class InferenceView(View):
    """Where the Inference Providers money goes."""

    def compose_body(self) -> ComposeResult:
        yield Static(id="inference-summary", classes="summary")
        with Horizontal(classes="xpair"):  # side by side from 160 cells wide
            yield Panel(KeyedTable(rows.PROVIDER_COLUMNS, default_sort="cost", default_reverse=True,
                                   id="providers"), title="By provider", id="providers-panel")
            yield Panel(KeyedTable(PROXY_MODEL_COLUMNS, default_sort="estimated", default_reverse=True, id="models"),
                        title="By model · requests through hfmon proxy this period", id="models-panel")

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
