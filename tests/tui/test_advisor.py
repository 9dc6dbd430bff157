"""The Advisor screen and the Overview's savings line, on the hand-built report (advice as the Monitor adds it)."""

from __future__ import annotations

from decimal import Decimal

from textual.widgets import Static

from hfmon.tui.app import HfmonApp
from hfmon.tui.widgets.panel import Panel
from tests.tui.builder import FakeSource, build_report

MONTH_H = Decimal(730)
NEEDED_H = (Decimal(8) + Decimal(15) / 60) * 5 * MONTH_H / 168


async def test_advisor_lists_findings_and_shows_the_command_for_the_cursor_row() -> None:
    report = build_report()
    assert report.advice is not None
    top = report.advice.findings[0]
    llm = next(r for r in report.endpoints if r.endpoint.id == "acme/llm-prod")
    assert llm.cost.price is not None and llm.endpoint.min_replica == 1
    # the largest: acme/llm-prod bills its one min replica at its price every hour, all but the needed hours
    assert top.resource == "endpoint acme/llm-prod"
    assert top.saving_usd_month == (llm.cost.price.usd_per_hour * (MONTH_H - NEEDED_H)).quantize(Decimal("0.000001"))
    app = HfmonApp(FakeSource(), interval_s=60, tick_s=3600)
    async with app.run_test(size=(110, 32)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        line = str(app.query_one("#advice-line", Static).render())
        assert line.startswith("Advisor (7): At least $") and "of savings found" in line  # two savings are unknown
        await pilot.press("7")
        await pilot.pause()
        detail = str(app.query_one("#advice-detail", Static).render())
        assert f"hf   {top.apply.cli}" in detail
        assert "hf endpoints update llm-prod --namespace acme --min-replica 0 --scale-to-zero-timeout 15" in detail
        summary = str(app.query_one("#advice-summary", Static).render())
        assert "saving" in summary and "unknown size" in summary
        # acme's Endpoints listing failed this poll (7 minutes ago its last good value): its findings say so
        assert "STALE 7m acme (endpoints)" in str(app.query_one("#findings-panel", Panel).border_subtitle)


async def test_what_the_advisor_could_not_judge_is_said_and_a_change_without_hf_command_shows_none() -> None:
    from dataclasses import replace

    from hfmon.advice import Confidence, Finding, HowToApply

    pin = Finding("cheaper_provider", "alice", "model Qwen/Qwen3-235B-A22B-Instruct-2507",
                  "send its requests to together", Decimal("9999"), "at this period's pace", Confidence.MEASURED,
                  ("tokens",), HowToApply("", "settings: put together first", "POST .../chat/completions"))
    note = ("acme", "endpoint acme/rerank: hardware size not judged: the size of BAAI/bge-reranker-v2-m3 is unknown")

    def make(now, tick):  # type: ignore[no-untyped-def]
        report = build_report(now, tick=tick)
        assert report.advice is not None
        return replace(report, advice=replace(report.advice, findings=(pin, *report.advice.findings),
                                              not_judged=(note,)))

    app = HfmonApp(FakeSource(make), interval_s=60, tick_s=3600)
    async with app.run_test(size=(160, 40)) as pilot:
        await pilot.app.workers.wait_for_complete()
        await pilot.press("7")
        await pilot.pause()
        summary = str(app.query_one("#advice-summary", Static).render())
        assert f"Not judged: {note[1]}" in summary
        detail = str(app.query_one("#advice-detail", Static).render())  # the largest saving: the cursor's row
        assert detail.startswith(f"{pin.resource}: {pin.change}")
        assert "hf   " not in detail and "web  settings: put together first" in detail
