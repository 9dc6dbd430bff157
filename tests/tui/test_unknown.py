"""The dashboard when figures are unknown: Reports made by `evaluate()` from snapshots with missing inputs."""

from __future__ import annotations

from datetime import datetime

from textual.widgets import Static

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.errors import Failure
from hfmon.history import History
from hfmon.models import Snapshot, SourceResult, SourceStatus, ZeroGpuQuota
from hfmon.report import Report
from hfmon.tui.app import HfmonApp
from hfmon.tui.widgets.cells import REMAINDER_KEY
from tests.costs.builders import (
    account,
    at,
    billing,
    compute,
    endpoint,
    inference,
    missing,
    namespace,
    replace,
    snapshot,
    statement,
)
from tests.tui.builder import FakeSource
from tests.tui.test_app import app_for, settle, table, text_of
from tests.tui.test_details import detail_text, open_row
from tests.tui.test_totals import totals

NOW = at(20)


def source_of(snap: Snapshot) -> FakeSource:
    """A ReportSource whose every poll is `evaluate()` of this snapshot."""
    def make(now: datetime, tick: int) -> Report:
        return evaluate(snap, History(), Config(), NOW)
    return FakeSource(make, start=NOW)


async def overview(snap: Snapshot) -> tuple[str, str, str]:
    """Top bar, meter and flags card of the Overview after one poll."""
    app: HfmonApp = app_for(source_of(snap))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        return text_of(app, "#topbar"), text_of(app, "#meter"), text_of(app, "#flags")


async def test_nothing_read_shows_unknown_never_zero() -> None:
    snap = replace(snapshot(), account=missing("account"))  # nothing reachable: not even whoami
    top, meter, flags = await overview(snap)
    assert top.endswith("now unknown")
    assert meter.startswith("unknown") and "not in it: account unknown" in meter
    assert "$" not in top + meter
    assert "Nothing needs attention" not in flags and "not checked: account, zero_gpu" in flags


async def test_an_unread_listing_leaves_the_rate_partial_and_says_whose() -> None:
    # alice's endpoint runs at $0.80/h; acme's endpoints listing failed, so the rate is only a lower bound
    snap = snapshot(
        namespace("alice", billing=billing("alice"), endpoints=(endpoint("alice", "llm"),),
                  endpoint_catalog=(compute("nvidia-l4", "x1", "0.80"),)),
        namespace("acme", kind="org", billing=billing("acme"), endpoints=missing("endpoints:acme")),
        acct=account("alice", orgs=("acme",)))
    top, meter, _ = await overview(snap)
    assert top.endswith("now at least $0.80/h")
    assert meter.startswith("at least $0.80/h") and "≈ $19.20/day or more" in meter
    assert "not in it: endpoints unread (acme)" in meter


def healthy() -> Snapshot:
    """Every source answered."""
    return snapshot(namespace("alice", billing=billing("alice"), statement=statement("alice")),
                    zero_gpu=ZeroGpuQuota(1500, 1500, None), acct=account("alice", orgs=()))


def rejected() -> Snapshot:
    """whoami answered 401: the token was rejected."""
    gone = SourceResult("account", SourceStatus.ERROR, None, None, "401 Unauthorized on GET /api/whoami-v2",
                        "check the token", 401, Failure.REJECTED_TOKEN)
    return replace(snapshot(), account=gone)


async def test_a_banner_says_what_happened_and_stays_until_it_is_fixed() -> None:
    broken = snapshot(namespace("alice", billing=missing("billing:alice", failure=Failure.TIMED_OUT)),
                      acct=account("alice", orgs=()))  # the statement and ZeroGPU quota: unreachable
    snaps = [broken, broken, healthy()]
    source = FakeSource(lambda now, tick: evaluate(snaps[min(tick, 2)], History(), Config(), NOW), start=NOW)
    app: HfmonApp = app_for(source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        banner = app.query_one("#banner", Static)
        assert banner.display
        words = text_of(app, "#banner")
        assert "timed out: billing:alice" in words and "unreachable: zero_gpu, statement:alice" in words
        await pilot.press("r")
        await settle(app, pilot)
        assert banner.display and "timed out: billing:alice" in text_of(app, "#banner")  # still not fixed
        await pilot.press("r")
        await settle(app, pilot)
        assert not banner.display  # fixed: every source answered


async def test_a_rejected_token_gets_a_banner_that_says_what_to_do() -> None:
    snaps = [rejected(), healthy()]
    source = FakeSource(lambda now, tick: evaluate(snaps[min(tick, 1)], History(), Config(), NOW), start=NOW)
    app: HfmonApp = app_for(source)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        words = text_of(app, "#banner")
        assert words.startswith("⚠ Token rejected: every figure is unknown.") and "hf auth login" in words
        assert app.paused and text_of(app, "#topbar").endswith("now unknown")
        await pilot.press("r")  # the user fixed the token and retries
        await settle(app, pilot)
        assert not app.query_one("#banner", Static).display and not app.paused


async def test_credits_hf_did_not_state_are_unknown_with_the_reason_never_zero() -> None:
    # usage-v2 gave alice's spend ($1.82) but not her included credits: no "$1.82 of $0.00", no overage
    unstated = replace(billing("alice"), inference=replace(inference("1.82"), included_usd=None))
    snap = snapshot(namespace("alice", billing=unstated, statement=statement("alice")), acct=account("alice", orgs=()))
    app: HfmonApp = app_for(source_of(snap))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        credits = text_of(app, "#credits")
    said = " ".join(credits.split())
    # its used figure and why the rest is unknown, as the text output says them (it said only "alice credits
    # unknown: HF did not say the included credits")
    assert "alice $1.82 used · included unknown" in said
    assert "included unknown: usage-v2 did not say how many credits are included, so what is left and any overage " \
           "are unknown" in said
    assert "$0.00" not in credits and "overage $" not in credits


async def test_unknown_provider_figures_show_a_dash_and_the_summary_says_why() -> None:
    # usage-v2: $1.00 and 10 requests; the live split, read after it: novita $1.20 (8 requests), groq $0.30 with no
    # count. The rest would be -$0.50: it is unknown, and the screen says why
    usage = billing("alice", used="1", providers=(("novita", 8, "1.2"), ("groq", 0, "0.3")))
    usage = replace(usage, inference=replace(usage.inference, requests=10), by_provider=tuple(
        replace(p, requests=None) if p.provider == "groq" else p for p in usage.by_provider or ()))
    app: HfmonApp = app_for(source_of(snapshot(namespace("alice", billing=usage))))
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        providers = table(app, "providers")
        assert providers.get_cell("groq", "requests").cell.plain == "—"  # not 0
        assert providers.get_cell("groq", "cost").cell.plain == "$0.30"
        assert providers.get_cell("not broken down", "cost").cell.plain == "—"  # not -$0.50
        assert providers.get_cell("not broken down", "requests").cell.plain == "—"  # not 10 - 8 = 2
        summary = " ".join(text_of(app, "#inference-summary").split())
        assert "$1.00 this period · 10 requests" in summary
        assert ("not broken down: cost unknown, as the providers count $0.50 more than the total (read after it); "
                "request count unknown, as HF did not give every count") in summary
        await open_row(app, pilot, "2", "providers", "not broken down")
        detail = " ".join(detail_text(app).split())
        assert "spend this period unknown requests unknown cost unknown, as the providers count $0.50" in detail


async def test_scheduled_jobs_not_read_are_a_panel_that_says_so_not_no_panel() -> None:
    alice = replace(namespace("alice", billing=billing("alice")), scheduled_jobs=missing("scheduled_jobs:alice"))
    app: HfmonApp = app_for(source_of(snapshot(alice, acct=account("alice", orgs=()))))
    async with app.run_test(size=(120, 60)) as pilot:
        await settle(app, pilot)
        panel = app.query_one("#scheduled-panel")
        assert panel.display  # was hidden: read as "no scheduled jobs"
        assert totals(table(app, "scheduled"), REMAINDER_KEY, "name") == "not in it: scheduled jobs unread (alice)"
        assert totals(table(app, "scheduled"), REMAINDER_KEY, "most") == "unknown"
        assert str(panel.border_subtitle).startswith("scheduled jobs unknown")
