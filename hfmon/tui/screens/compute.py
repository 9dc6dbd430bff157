"""Compute: Spaces (stage, hardware, sleep time, GPU hours, cost), Jobs, and the ZeroGPU quota."""

from __future__ import annotations

from decimal import Decimal

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from hfmon import format as fmt
from hfmon.report import Report, Total
from hfmon.tui import rows
from hfmon.tui.bill_rows import remainder_row
from hfmon.tui.prepared import Prepared
from hfmon.tui.screens.base import View, fill
from hfmon.tui.state import ViewState
from hfmon.tui.widgets.fitted import FittedLines, Line
from hfmon.tui.widgets.panel import Panel
from hfmon.tui.widgets.table import KeyedTable

GPU_HOURS_HEADING = "Spaces only, this period:"
"""The heading of the ZeroGPU card's GPU hours by hardware (titled "ZeroGPU · GPU hours"): whose hours they are."""


class ComputeView(View):
    """Spaces and Jobs hardware, and ZeroGPU."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.cache = rows.space_cache()

    def compose_body(self) -> ComposeResult:
        yield Static(id="compute-summary", classes="summary")  # why a Billed figure is missing; hidden otherwise
        yield Panel(KeyedTable(rows.SPACE_COLUMNS, default_sort="rate", default_reverse=True, id="spaces"),
                    title="Spaces", id="spaces-panel", classes="grow")
        with Horizontal(classes="pair low"):
            yield Panel(KeyedTable(rows.JOB_COLUMNS, default_sort="rate", default_reverse=True, id="jobs"),
                        title="Jobs", id="jobs-panel")
            # the title short enough to be whole at 80 columns; the lines inside say the hours are the Spaces'
            yield Panel(FittedLines(id="zerogpu"), title="ZeroGPU · GPU hours", id="zerogpu-panel", classes="side")

    def prepare(self, state: ViewState) -> Prepared:
        """The Spaces rows (an account may have thousands), built in the poll worker's thread."""
        return Prepared(self.id or "", state.report, state.namespace, state.tones,
                        {"spaces": rows.space_rows(state.report, state.namespace, state.tones, self.cache)})

    def render_state(self, state: ViewState) -> None:
        r, ns, t = state.report, state.namespace, state.tones
        summary, note = self.query_one("#compute-summary", Static), billed_note(r, ns)
        summary.update(Text(note, style=t.get("warn", "")))
        summary.display = bool(note)
        spaces = self.prepared_rows(state, "spaces")
        if spaces is None:
            spaces = rows.space_rows(r, ns, t, self.cache)
        fill(self.query_one("#spaces-panel", Panel), self.query_one("#spaces", KeyedTable),
             spaces, rows.panel_badge(r, "spaces", ns, state.now), "Spaces",
             remainder_row(r, "spaces", ns, rows.SPACE_COLUMNS, t))
        fill(self.query_one("#jobs-panel", Panel), self.query_one("#jobs", KeyedTable),
             rows.job_rows(r, ns, t), rows.panel_badge(r, "jobs", ns, state.now), "jobs",
             remainder_row(r, "jobs", ns, rows.JOB_COLUMNS, t))
        card = self.query_one("#zerogpu", FittedLines)
        card.more_style = t.get("muted", "")
        card.show_lines(zero_gpu_lines(state))
        self.query_one("#zerogpu-panel", Panel).badge(rows.panel_badge(r, "zero_gpu", None, state.now))


def billed_note(report: Report, ns: str | None) -> str:
    """Why the Spaces' and Jobs' Billed figures are partial (`not in Billed: statement unread (northwind)`): a row's
    `—` or the totals row's `+` says so only in words here; "" when both bills are whole."""
    billed = Total.sum((report.billed_for(product, ns) for product in ("spaces", "jobs")), Decimal(0))
    note = fmt.missing_note(billed, len(report.namespaces))
    return f"not in Billed: {note}" if note else ""


def zero_gpu_lines(state: ViewState) -> list[Line]:
    """The ZeroGPU card: the quota, then the Spaces' GPU hours by hardware, most first (on a short card the
    fewest give way to "+N more"), then what is not in them."""
    r, t = state.report, state.tones
    lines: list[Line] = []
    q = r.zero_gpu
    if q is None:
        lines.append(Line(Text("ZeroGPU quota unknown", style=t.get("muted", ""))))
    else:
        used = q.base_s - q.remaining_s
        lines.append(Line(Text.assemble((f"{fmt.duration(q.remaining_s)} left", "bold"),
                                        f" of {fmt.duration(q.base_s)} today")))
        bar_w = 16
        filled = 0 if not q.base_s else round(bar_w * used / q.base_s)
        lines.append(Line(Text.assemble(("█" * filled, t.get("accent", "")),
                                        ("░" * (bar_w - filled), t.get("muted", "")))))
        lines.append(Line(Text(f"resets {fmt.stamp(q.resets_at)}", style=t.get("muted", ""))))
        if q.overquota_used_s:
            lines.append(Line(Text(f"over quota: {fmt.duration(q.overquota_used_s)}", style=t.get("warn", ""))))
        if q.runs is not None:
            lines.append(Line(Text(fmt.zero_gpu_runs(q.runs),
                                   style=t.get("warn", "") if q.runs.remaining == 0 else "")))
    if r.gpu_hours_by_hardware or r.gpu_hours_missing:
        # Spaces' lines alone: Jobs' and Endpoints' GPU time is in their own tables, not here (the card's title
        # says "GPU hours"; this heading, 25 cells, fits the card at 80 columns)
        lines.append(Line(Text(GPU_HOURS_HEADING, style="bold")))
        for hw, hrs in sorted(r.gpu_hours_by_hardware, key=lambda line: line[1], reverse=True):
            lines.append(Line(Text(f" {hw:<12} {fmt.hours(hrs):>9}"), optional=True))
        note = fmt.missing_note(Total(None, r.gpu_hours_missing), len(r.namespaces))
        if note:
            lines.append(Line(Text(f" not in it: {note}", style=t.get("warn", ""))))
    return lines
