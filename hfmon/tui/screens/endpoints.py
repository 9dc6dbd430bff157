"""Endpoints: every dedicated Inference Endpoint with its state, $/h now, uptime and billed vs recomputed."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.widgets import Static

from hfmon import format as fmt
from hfmon.report import Total
from hfmon.tui import rows
from hfmon.tui.bill_rows import remainder_row
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
        listed, billing = state.report.listed_count("endpoints", ns), state.report.billed_now_count("endpoints", ns)
        rate, billed = state.report.running_of("endpoints", ns), state.report.billed_for("endpoints", ns)
        note = fmt.missing_note(Total(None, (*listed.missing, *rate.missing, *billed.missing)),
                                len(state.report.namespaces))
        text = Text()
        if listed.known is None:  # no listing read: no count, rate or bill to show, only why
            text.append(f"Endpoints unknown: {note}", style=t.get("warn", ""))
        else:
            text.append(f"{fmt.counted_total(listed, 'endpoints')} · {fmt.count_total(billing)} billed now · ")
            text.append(fmt.money_total(rate, unit="/h"),
                        style="bold " + t.get("accent" if rate.complete else "warn", ""))
            text.append(f" · billed {fmt.money_total(billed)} this period")
            unlisted = state.report.billed_unlisted("endpoints", ns)
            if unlisted:  # the table's rows add up to the bill with this remainder
                now = state.report.billed_now_unlisted("endpoints", ns)
                text.append(f" ({fmt.money(unlisted)} of it by endpoints "
                            f"{'not listed, some billed now' if now else 'no longer listed'})")
            spent = state.report.window_total(state.window, ns) if state.window != "period" else None
            if spent is not None:
                text.append(f" · {fmt.money_total(spent.product('endpoints'))} in the {fmt.window_label(state.window)}")
            if note:
                text.append(f"\nnot in it: {note}", style=t.get("warn", ""))
        table = self.query_one("#endpoints", KeyedTable)
        if table.filter_text:
            text.append(f"\nfilter “{table.filter_text}”: the totals row adds up the endpoints shown; the figures "
                        "above are for all", style=t.get("muted", ""))
        self.query_one("#endpoints-summary", Static).update(text)
        fill(self.query_one("#endpoints-panel", Panel), self.query_one("#endpoints", KeyedTable),
             rows.endpoint_rows(state.report, ns, t), rows.panel_badge(state.report, "endpoints", ns, state.now),
             "endpoints", remainder_row(state.report, "endpoints", ns, rows.ENDPOINT_COLUMNS, t))
