"""Figures shown as "now" while a source fails, in a long-running hfmon (the dashboard, the exporter, their alerts):
the first poll reads everything, then one source fails and the Report holds its last good value (stale).

The meter ($/h of everything billed now): what the last good listing held may have stopped or been joined since,
so the meter's part of it is missing (the top bar reads "at least", the cost-per-hour check cannot pass), never the
old listing's $/h shown as now; the stale rows stay on the Endpoints screen, badged STALE. The credits checks
(alerts, guard): a namespace whose usage-v2 failed is unknown, never checked on what it had used minutes ago."""

from __future__ import annotations

from decimal import Decimal

import jsonschema

from hfmon.alerts import checks
from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.jsonout import report_document
from hfmon.models import SourceStatus
from hfmon.monitor import Monitor
from hfmon.report import Report
from hfmon.schemas import once_schema
from hfmon.textout import render_text
from hfmon.tui.status import topbar


async def two_polls(failing: str) -> tuple[Report, Report]:
    """A poll of the demo account, then another 5 minutes later with the route `failing` answering 503."""
    scenario = demo_scenario(discrepancies=False)
    clock = FrozenClock(scenario.start)
    hub = FakeHub(scenario, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    monitor = Monitor(Collector(client, clock), clock, Config(), None)
    try:
        first = await monitor.poll()
        hub.route_faults.append(RouteFault(failing, status=503))
        clock.advance(300)
        return first, await monitor.poll()
    finally:
        await monitor.aclose()


async def test_a_failed_listing_takes_its_part_out_of_the_meter() -> None:
    first, second = await two_polls("/v2/endpoint/ada")

    source = second.source("endpoints:ada")
    assert source is not None and source.status is SourceStatus.STALE
    assert [e.endpoint.name for e in second.endpoints if e.endpoint.namespace == "ada"]  # still listed, as stale
    ada_endpoints = second.running_of("endpoints", "ada")
    assert first.running_of("endpoints", "ada").complete
    assert (ada_endpoints.known, ada_endpoints.missing) == (None, ("endpoints:ada",))
    now = second.running_in(None)
    assert now.value is None and "endpoints:ada" in now.missing
    assert now.known is not None and now.known > 0  # the rest of the meter, read this poll
    assert f"now at least ${now.known:,.2f}/h" in topbar(second, None, False, {}).plain
    [reading] = checks.cost_per_hour(second, (now.known or Decimal(0)) + 1)
    assert reading.outcome is checks.Outcome.UNKNOWN  # below the limit by what was read: cannot pass


async def test_credits_of_a_failed_usage_source_are_not_checked_as_now() -> None:
    first, second = await two_polls("/api/settings/billing/usage-v2")  # ada's (the user's) usage-v2
    source = second.source("billing:ada")
    assert source is not None and source.stale
    assert [c.namespace for c in second.credits] == ["ada", "ada-labs"]  # shown as stale on screen
    limit = Decimal(10_000)  # far above any projection: it held at the first poll
    before = {r.subject: r.outcome for r in checks.projected(first, lambda _ns: limit)}
    assert before == {"ada": checks.Outcome.OK, "ada-labs": checks.Outcome.OK, "northwind": checks.Outcome.UNKNOWN}
    readings = {r.subject: r for r in checks.projected(second, lambda _ns: limit)}
    assert readings["ada"].outcome is checks.Outcome.UNKNOWN  # not "holds" on a 5-minute-old usage
    assert readings["ada"].why.startswith("billing:ada failed this poll, its last good value 5m old")
    assert readings["ada-labs"].outcome is checks.Outcome.OK  # read this poll
    [remaining] = [r for r in checks.remaining_credits(second, lambda _ns: Decimal(0)) if r.subject == "ada"]
    assert remaining.outcome is checks.Outcome.UNKNOWN


async def test_credits_of_a_failed_usage_source_are_measured_as_of_when_it_was_read() -> None:
    """ada's usage-v2 fails 5 minutes after it was read: its credits (shown under a STALE badge) are that reading's,
    measured then; its $ used over 5 more minutes of the period would lower the rate and move the run-out 5 min on."""
    first, second = await two_polls("/api/settings/billing/usage-v2")
    [before] = [c for c in first.credits if c.namespace == "ada"]
    [after] = [c for c in second.credits if c.namespace == "ada"]
    assert after.used_usd == before.used_usd and before.exhausts_at is not None
    assert (after.exhausts_at, after.projected_period_usd, after.burn_rate_usd_per_day, after.days_left) == (
        before.exhausts_at, before.projected_period_usd, before.burn_rate_usd_per_day, before.days_left)
    [flag] = [f for f in second.flags if f.kind == "credits_run_out" and f.subject == "ada"]
    assert f"{before.exhausts_at:%b %d %H:%M} UTC" in flag.message  # its flag (shown STALE) says the same
    [fresh] = [c for c in second.credits if c.namespace == "ada-labs"]  # read this poll: measured now
    [was] = [c for c in first.credits if c.namespace == "ada-labs"]
    assert fresh.days_left < was.days_left


async def test_the_json_of_a_failed_sources_flag_says_it_is_stale() -> None:
    """The dashboard's JSON export while ada's usage-v2 fails: its credits flag is its last good value, not raised
    now (`stale`), as the Overview's Flags panel and the exporter say; every flag read this poll is not stale."""
    first, second = await two_polls("/api/settings/billing/usage-v2")
    assert not any(f["stale"] for f in report_document(first)["flags"])
    doc = report_document(second)
    jsonschema.validate(doc, once_schema())
    stale = {(f["kind"], f["subject"]) for f in doc["flags"] if f["stale"]}
    assert stale == {("credits_run_out", "ada")} and "billing:ada" in doc["flags_unchecked"]


async def test_a_failed_statement_is_its_last_good_value_never_behind() -> None:
    # audit 8 E10: both statements fail on the second poll; their last good lines were compared with fresh usage-v2
    # and group usage as if current: "jobs: the statement is $0.67 behind usage-v2 ... not in it: what the statement
    # has not billed yet", a wrong why (nothing is missing from it: it was not read) and a pending cross-check
    first, second = await two_polls("*/billing/usage")
    for name in ("statement:ada", "statement:ada-labs"):
        source = second.source(name)
        assert source is not None and source.status is SourceStatus.STALE
    assert [s.behind for s in second.spend] == [(), ()]
    assert not [c for c in second.crosscheck if "statement vs" in c.item]
    for spend, before in zip(second.spend, first.spend, strict=True):  # its parts are the last good lines
        assert (spend.endpoints_usd, spend.spaces_usd) == (before.endpoints_usd, before.spaces_usd)
    text = render_text(second)
    assert "behind usage" not in text and "not billed yet" not in text
    for ns in ("ada", "ada-labs"):  # under each namespace's Billed line
        billed = text[text.index(f"Billed    {ns}:"):]
        billed = billed[:billed.index("\n", billed.index("\n") + 1) + 80]
        assert "\n          the statement failed this poll: its lines are as of Nov 18 15:00\n" in billed, text
