"""Overview: account and plan, credits and their burn-down, the meter, what is billed (resource groups, scheduled
jobs), top spenders, flags, sources."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Static

from hfmon import format as fmt
from hfmon.tui import cards, money_rows, rows
from hfmon.tui.literal import literal
from hfmon.tui.rows_time import window_unread
from hfmon.tui.screens.advisor import summary_text
from hfmon.tui.screens.base import View, fill
from hfmon.tui.state import ViewState
from hfmon.tui.widgets.chart import BurnDownChart, burn_down
from hfmon.tui.widgets.panel import Panel
from hfmon.tui.widgets.phrased import Phrase, PhrasedText, phrased, sentence
from hfmon.tui.widgets.table import KeyedTable


class OverviewView(View):
    """The screen a person keeps open: is money burning, how fast, and what needs doing."""

    def compose_body(self) -> ComposeResult:
        with VerticalScroll(id="overview-scroll"):
            with Horizontal(classes="cards"):
                yield Panel(PhrasedText(id="account"), title="Account", id="account-panel", classes="card")
                yield Panel(Static(id="meter"), title="Running now", id="meter-panel", classes="card meter")
                yield Panel(PhrasedText(id="credits"), title="Inference credits this period", id="credits-panel",
                            classes="card wide")
            yield PhrasedText(id="advice-line", classes="summary", max_rows=1)
            # two columns from 160 cells wide (.xpair), one under the other below that; the money per namespace
            # right under the cards (above the fold at 80x24), the burn-down across the whole width
            with Horizontal(classes="xpair"):
                # what a window's spend leaves out is a sentence under the table, the panel's width: as the table's
                # last row it set the names' column to its length and pushed every figure out of view
                yield Panel(KeyedTable(money_rows.SPEND_COLUMNS, default_sort="total", default_reverse=True,
                                       id="spend"), PhrasedText(id="spend-why", classes="why"),
                            title="Billed this period", id="spend-panel", classes="column")
                yield Panel(KeyedTable(money_rows.SPENDER_COLUMNS, default_sort="cost", default_reverse=True,
                                       id="spenders"), title="Top spenders this period", id="spenders-panel",
                            classes="column")
            yield Panel(BurnDownChart(id="chart"), PhrasedText(id="legend"), title="Inference credits burn-down",
                        id="chart-panel")
            with Horizontal(classes="xpair"):
                with Vertical(classes="column"):
                    yield Panel(KeyedTable(money_rows.GROUP_COLUMNS, default_sort="used", default_reverse=True,
                                           id="groups"), title="Resource groups this month", id="groups-panel")
                    yield Panel(KeyedTable(money_rows.SCHEDULED_COLUMNS, default_sort="next", id="scheduled"),
                                title="Scheduled jobs · spend still to come", id="scheduled-panel")
                    yield Panel(PhrasedText(id="flags"), title="Flags", id="flags-panel")
                with Vertical(classes="column"):
                    yield Panel(Static(id="notes", classes="notes"), Static(id="api-health"),
                                KeyedTable(rows.SOURCE_COLUMNS, default_sort="status", id="sources"),
                                title="Sources", id="sources-panel")

    def focus_main(self) -> None:
        """The Overview scrolls as a whole; its tables are reached with tab."""
        scroll = self.query_one("#overview-scroll", VerticalScroll)
        scroll.focus()
        scroll.scroll_home(animate=False)

    def render_state(self, state: ViewState) -> None:
        r, ns = state.report, state.namespace
        self.query_one("#account", PhrasedText).show(cards.account_text(state))
        self.query_one("#account-panel", Panel).badge(rows.panel_badge(r, "account", None, state.now))
        self.query_one("#meter", Static).update(cards.meter_text(state))
        running_badge = rows.panel_badge(r, "running", ns, state.now)  # a stale listing's $/h is not "now"
        self.query_one("#meter-panel", Panel).badge(running_badge)
        self.query_one("#credits", PhrasedText).show(cards.credits_text(state))
        self.query_one("#credits-panel", Panel).badge(rows.panel_badge(r, "credits", ns, state.now))
        # the key first, on one line (a wrapped "→ 7" left a lone "7" on a line at 80 columns); what does not fit is
        # left out whole, from its parenthesis on ("… (12 findings, 2 of un…" at 80 columns), and marked " …"
        summary = summary_text(state)
        head, paren, rest = summary.plain.partition(" (")
        phrases = [Phrase(summary[:len(head)])] + ([Phrase(summary[len(head) + 1:])] if paren else [])
        self.query_one("#advice-line", PhrasedText).show(
            [phrased(Text("Advisor (7):", style=state.tones.get("muted", "")), *phrases)])
        chart_panel = self.query_one("#chart-panel", Panel)
        chart = self.query_one(BurnDownChart)
        credit = state.chart_credits()
        if credit is None:
            chart.show(None)
            chart_panel.border_title = literal("Inference credits burn-down")
            self.query_one("#legend", PhrasedText).show([phrased("No billing data for this namespace.")])
        else:
            data = burn_down(credit, state.now, state.observed.get(credit.namespace, ()))
            chart.show(data)
            chart_panel.border_title = literal(f"Inference credits burn-down · {credit.namespace}")
            self.query_one("#legend", PhrasedText).show(cards.legend_text(credit, data.limit is not None,
                                                                               data.history, state))
        chart_panel.badge(rows.panel_badge(r, "credits", credit.namespace if credit else ns, state.now))
        spend_panel = self.query_one("#spend-panel", Panel)
        spend_panel.display = bool(r.spend)
        spend_panel.border_title = literal("Billed this period" if state.window == "period" else
                                            f"Spent in the {fmt.window_label(state.window)} (from history; storage is "
                                            "monthly)")
        fill(spend_panel, self.query_one("#spend", KeyedTable), money_rows.spend_rows(r, ns, state.window, state.tones),
             rows.panel_badge(r, "credits", ns, state.now), "namespaces")
        why, spend_why = window_unread(r, ns, state.window), self.query_one("#spend-why", PhrasedText)
        spend_why.display = why is not None
        spend_why.show([] if why is None else [sentence(why, state.tones.get("warn", ""))])
        groups_panel, groups = self.query_one("#groups-panel", Panel), self.query_one("#groups", KeyedTable)
        groups_panel.display = bool(r.resource_groups) or bool(r.resource_groups_missing)  # unread: say so
        unread = money_rows.groups_unread(r, ns, state.tones)
        fill(groups_panel, groups, money_rows.group_rows(r, ns, state.tones),
             rows.panel_badge(r, "groups", ns, state.now), "groups", unread)
        if unread is not None and not groups.filter_text:  # the groups of an org unread: a count is a lower bound
            groups_panel.note(f"at least {fmt.counted(n, 'groups')}" if (n := groups.total_rows) else "groups unknown")
        scheduled, jobs = self.query_one("#scheduled-panel", Panel), self.query_one("#scheduled", KeyedTable)
        scheduled.display = bool(r.scheduled_jobs) or bool(r.scheduled_jobs_missing)  # unread: say so, never hide
        unread = money_rows.scheduled_unread(r, ns, state.tones)
        fill(scheduled, jobs, money_rows.scheduled_rows(r, ns, state.tones),
             rows.panel_badge(r, "scheduled", ns, state.now), "scheduled", unread)
        if unread is not None and not jobs.filter_text:  # a listing unread: a count is a lower bound
            scheduled.note(f"at least {n:,} scheduled" if (n := jobs.total_rows) else "scheduled jobs unknown")
        fill(self.query_one("#spenders-panel", Panel), self.query_one("#spenders", KeyedTable),
             money_rows.spender_rows(r, ns), rows.panel_badge(r, "spenders", ns, state.now), "shown",
             money_rows.spenders_remainder(r, ns, state.tones))
        self.query_one("#flags", PhrasedText).show(cards.flags_text(state))
        count = fmt.counted(len(r.current_flags), "flags")  # raised now: a flag of a failed source is STALE
        count = count if r.all_checked else f"at least {count}"  # more may hide in what was not read
        self.query_one("#flags-panel", Panel).note(count if r.flags else "")
        notes = self.query_one("#notes", Static)
        notes.display = bool(state.notes)
        notes.update(Text("\n".join(f"⚠ {n}" for n in state.notes), style=state.tones.get("warn", "")))
        self.query_one("#api-health", Static).update(cards.api_health_text(state))
        sources = rows.source_rows(r, state.now, state.tones)
        bad = sum(1 for s in r.sources if s.status.value != "ok")
        fill(self.query_one("#sources-panel", Panel), self.query_one("#sources", KeyedTable), sources,
             f"{bad} need attention" if bad else "", "sources")
