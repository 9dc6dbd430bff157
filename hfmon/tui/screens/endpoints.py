"""Endpoints: every dedicated Inference Endpoint with its state, $/h now, uptime and billed vs recomputed."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from hfmon import format as fmt
from hfmon.tui import rows
from hfmon.tui.screens.base import View, fill
from hfmon.tui.state import ViewState
from hfmon.tui.widgets.panel import Panel
from hfmon.tui.widgets.table import KeyedTable


class EndpointsView(View):
    """Dedicated Inference Endpoints."""

    def compose_body(self) -> ComposeResult:
        yield Static(id="endpoints-summary", classes="summary")
        yield Panel(KeyedTable(rows.ENDPOINT_COLUMNS, default_sort="rate", default_reverse=True, id="endpoints"),
                    title="Inference Endpoints", id="endpoints-panel", classes="grow")

    def render_state(self, state: ViewState) -> None:
        ns, t = state.namespace, state.tones
        items = [e for e in state.report.endpoints if rows.in_namespace(e.endpoint.namespace, ns)]
        billing = [e for e in items if e.cost.billed_now]
        rate = sum((e.cost.cost_per_hour_usd or Decimal(0) for e in billing), Decimal(0))
        billed = sum((e.cost.billed_usd or Decimal(0) for e in items), Decimal(0))
        no_price = sum(1 for e in billing if e.cost.cost_per_hour_usd is None)
        text = Text()
        text.append(f"{len(items)} endpoints · {len(billing)} billed now · ")
        text.append(fmt.per_hour(rate), style="bold " + t.get("accent", ""))
        if no_price:
            text.append(f" + {no_price} with no price", style=t.get("warn", ""))
        text.append(f" · billed {fmt.money(billed)} this period")
        self.query_one("#endpoints-summary", Static).update(text)
        fill(self.query_one("#endpoints-panel", Panel), self.query_one("#endpoints", KeyedTable),
             rows.endpoint_rows(state.report, ns, t), rows.panel_badge(state.report, "endpoints", ns, state.now),
             "endpoints")
