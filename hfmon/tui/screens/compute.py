"""Compute: Spaces (stage, hardware, sleep time, GPU hours, cost), Jobs, and the ZeroGPU quota."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Static

from hfmon import format as fmt
from hfmon.report import Total
from hfmon.tui import rows
from hfmon.tui.bill_rows import remainder_row
from hfmon.tui.prepared import Prepared
from hfmon.tui.screens.base import View, fill
from hfmon.tui.state import ViewState
from hfmon.tui.widgets.panel import Panel
from hfmon.tui.widgets.table import KeyedTable


class ComputeView(View):
    """Spaces and Jobs hardware, and ZeroGPU."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.cache = rows.space_cache()

    def compose_body(self) -> ComposeResult:
        yield Panel(KeyedTable(rows.SPACE_COLUMNS, default_sort="rate", default_reverse=True, id="spaces"),
                    title="Spaces", id="spaces-panel", classes="grow")
        with Horizontal(classes="pair low"):
            yield Panel(KeyedTable(rows.JOB_COLUMNS, default_sort="rate", default_reverse=True, id="jobs"),
                        title="Jobs", id="jobs-panel")
            yield Panel(Static(id="zerogpu"), title="ZeroGPU · Spaces GPU hours", id="zerogpu-panel", classes="side")

    def prepare(self, state: ViewState) -> Prepared:
        """The Spaces rows (an account may have thousands), built in the poll worker's thread."""
        return Prepared(self.id or "", state.report, state.namespace, state.tones,
                        {"spaces": rows.space_rows(state.report, state.namespace, state.tones, self.cache)})

    def render_state(self, state: ViewState) -> None:
        r, ns, t = state.report, state.namespace, state.tones
        spaces = self.prepared_rows(state, "spaces")
        if spaces is None:
            spaces = rows.space_rows(r, ns, t, self.cache)
        fill(self.query_one("#spaces-panel", Panel), self.query_one("#spaces", KeyedTable),
             spaces, rows.panel_badge(r, "spaces", ns, state.now), "Spaces",
             remainder_row(r, "spaces", ns, rows.SPACE_COLUMNS, t))
        fill(self.query_one("#jobs-panel", Panel), self.query_one("#jobs", KeyedTable),
             rows.job_rows(r, ns, t), rows.panel_badge(r, "jobs", ns, state.now), "jobs",
             remainder_row(r, "jobs", ns, rows.JOB_COLUMNS, t))
        text = Text()
        q = r.zero_gpu
        if q is None:
            text.append("ZeroGPU quota unknown", style=t.get("muted", ""))
        else:
            used = q.base_s - q.remaining_s
            text.append(f"{fmt.duration(q.remaining_s)} left", style="bold")
            text.append(f" of {fmt.duration(q.base_s)} today")
            bar_w = 16
            filled = 0 if not q.base_s else round(bar_w * used / q.base_s)
            text.append("\n" + "█" * filled, style=t.get("accent", ""))
            text.append("░" * (bar_w - filled), style=t.get("muted", ""))
            text.append(f"\nresets {fmt.stamp(q.resets_at)}", style=t.get("muted", ""))
            if q.overquota_used_s:
                text.append(f"\nover quota: {fmt.duration(q.overquota_used_s)}", style=t.get("warn", ""))
            if q.runs is not None:
                text.append(f"\n{fmt.zero_gpu_runs(q.runs)}", style=t.get("warn", "") if q.runs.remaining == 0 else "")
        if r.gpu_hours_by_hardware or r.gpu_hours_missing:
            # Spaces' lines alone: Jobs' and Endpoints' GPU time is in their own tables, not here
            text.append("\nSpaces GPU hours this period:", style="bold")
            for hw, hrs in r.gpu_hours_by_hardware:
                text.append(f"\n {hw:<12} {fmt.hours(hrs):>9}")
            note = fmt.missing_note(Total(None, r.gpu_hours_missing), len(r.namespaces))
            if note:
                text.append(f"\n not in it: {note}", style=t.get("warn", ""))
        self.query_one("#zerogpu", Static).update(text)
        self.query_one("#zerogpu-panel", Panel).badge(rows.panel_badge(r, "zero_gpu", None, state.now))
