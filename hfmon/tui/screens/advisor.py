"""Advisor: what would cost less, in $/month, with the exact command for each finding (hfmon applies nothing)."""

from __future__ import annotations

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.widgets import DataTable, Static

from hfmon import format as fmt
from hfmon.advice import Finding
from hfmon.advice.engine import advice_in
from hfmon.advice.model import Outcome
from hfmon.advice.text import finding_saving, summary_line
from hfmon.scrub import scrub
from hfmon.tui import rows
from hfmon.tui.rows import Tones, in_namespace, toned
from hfmon.tui.screens.base import View, fill
from hfmon.tui.state import ViewState
from hfmon.tui.widgets.cells import Cell, Column, Row, cell
from hfmon.tui.widgets.panel import Panel
from hfmon.tui.widgets.phrased import Phrased, PhrasedText, phrased, words
from hfmon.tui.widgets.table import KeyedTable

ADVICE_COLUMNS = (
    Column("resource", "Resource", flex=True), Column("kind", "Finding"), Column("saving", "Saves /month", True),
    Column("how", "How sure"),
)
NO_ADVICE = "The advisor has nothing yet: it runs on each poll."


def _line(text: str, style: str = "", indent: int = 2) -> Phrased:
    """One line of the finding's detail, broken only between words."""
    first, *rest = words(text, style)
    return phrased(first.text, *rest, indent=indent)


def finding_key(f: Finding) -> str:
    """A finding's row key: one kind of finding per resource."""
    return f"{f.kind}:{f.resource}"


def advice_rows(findings: list[Finding], tones: Tones) -> list[Row]:
    """One row per finding; an unknown saving says so and sorts last."""
    out: list[Row] = []
    for f in findings:
        saving = f.saving_usd_month
        text = finding_saving(f)
        out.append((finding_key(f), (
            cell(f.resource), cell(f.kind.replace("_", " ")),
            # an unknown or one-off saving sorts last, whichever way
            Cell(text, (1, text), tones.get("warn" if saving is None and f.recurring else "muted", ""), True)
            if saving is None else cell(fmt.money(saving), saving, right=True),
            cell(toned(f.confidence.value, "good" if f.confidence.value == "measured" else "muted", tones)),
        )))
    return out


def summary_text(state: ViewState) -> Text:
    """The advisor's one line for a namespace (or all of them), as the Overview and this screen show it."""
    t = state.tones
    advice = state.report.advice
    if advice is None:
        return Text(NO_ADVICE, style=t.get("muted", ""))
    shown = advice_in(advice, state.namespace)
    tone = {Outcome.FOUND: "accent", Outcome.NONE_FOUND: "good"}.get(shown.outcome, "warn")
    return Text(summary_line(shown), style=t.get(tone, ""))


class AdvisorView(View):
    """Findings, largest saving first; the cursor row's assumption, evidence and commands in full below."""

    def __init__(self, *, id: str) -> None:
        super().__init__(id=id)
        self.findings: dict[str, Finding] = {}

    def compose_body(self) -> ComposeResult:
        yield Static(id="advice-summary", classes="summary")
        yield Panel(KeyedTable(ADVICE_COLUMNS, default_sort="saving", default_reverse=True, id="findings"),
                    title="Findings", id="findings-panel", classes="grow")
        yield Panel(PhrasedText(id="advice-detail"), title="Finding", id="advice-detail-panel")

    def render_state(self, state: ViewState) -> None:
        r, t = state.report, state.tones
        text = summary_text(state)
        text.append("\nhfmon never applies a change: run the command shown, or use the web setting.",
                    style=t.get("muted", ""))
        notes = [note for ns, note in (r.advice.not_judged if r.advice else ()) if in_namespace(ns, state.namespace)]
        for note in notes:  # what a rule could not judge: said, never guessed
            text.append(f"\nNot judged: {scrub(note)}", style=t.get("warn", ""))
        self.query_one("#advice-summary", Static).update(text)
        findings = [f for f in (r.advice.findings if r.advice else ()) if in_namespace(f.namespace, state.namespace)]
        # a finding on what a failed listing last said wears its STALE badge, as the listing's own screen does
        fill(self.query_one("#findings-panel", Panel), self.query_one("#findings", KeyedTable),
             advice_rows(findings, t), rows.panel_badge(r, "advisor", state.namespace, state.now), "findings")
        self.findings = {finding_key(f): f for f in findings}
        self._show_detail()

    @on(DataTable.RowHighlighted, "#findings")
    def _row_highlighted(self, event: DataTable.RowHighlighted) -> None:
        self._show_detail()

    def _show_detail(self) -> None:
        key = self.query_one("#findings", KeyedTable).cursor_key()
        # before the table has drawn its cursor, the first row: the largest saving, as the table sorts
        f = self.findings.get(key) if key is not None else next(iter(self.findings.values()), None)
        muted = self.state.tones.get("muted", "") if self.state else ""
        detail: list[Phrased] = []
        if f is not None:
            # a narrow screen breaks each line between words, under its indent: a command's flags go on under it
            # (the rest of "hf endpoints update …" began in the first column, as if it were another line)
            detail.append(_line(f"{f.resource}: {f.change}", "bold"))
            detail.append(_line(f"{finding_saving(f)} ({f.confidence.value}): {f.basis}"))
            detail += [_line(f"• {e}", muted) for e in f.evidence]
            for how, what in (("hf", f.apply.cli), ("web", f.apply.web), ("api", f.apply.api)):
                if what:
                    detail += [_line(f"{how:<4} {row}", indent=5) for row in what.split("\n")]
        self.query_one("#advice-detail", PhrasedText).show(detail)
