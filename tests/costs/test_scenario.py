"""The Report of a poll of the fake hub matches figures recomputed from the scenario definition, to the micro-dollar.

Each test polls the in-process fake with the real collector at a frozen scenario time, evaluates, and
compares with `scenario_expect`, which reads only the scenario's timelines, catalogs and traffic.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from types import MappingProxyType

import pytest

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.costs.credits import MIN_PROJECTION_SPAN, TOO_EARLY
from hfmon.fakehub import FULL_TOKEN, FakeHub, Scenario, demo_scenario
from hfmon.history import History
from hfmon.models import SourceStatus
from hfmon.pricing import PriceOverrides
from hfmon.report import CheckStatus, PriceSource, Report
from tests.costs import scenario_expect as expect

D = Decimal
START = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
TIMES = [START, START + timedelta(days=6, hours=18, minutes=17), datetime(2026, 12, 1, 1, 30, tzinfo=UTC)]
BILLING = ("ada", "ada-labs")  # northwind's billing is not readable with the full token


async def poll_report(scn: Scenario, now: datetime, config: Config | None = None,
                      history: History | None = None) -> tuple[Report, FakeHub]:
    clock = FrozenClock(now)
    hub = FakeHub(scn, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    async with Collector(client, clock) as collector:
        snapshot = await collector.poll()
    failing = {s.name for s in snapshot.sources() if s.status is not SourceStatus.OK}
    assert failing == {f"{k}:northwind" for k in ("billing", "statement", "sessions", "live", "resource_group_usage")}
    return evaluate(snapshot, history or History(), config or Config(), now), hub


def hours_left(now: datetime) -> Decimal:
    return D((expect.period_of(now)[1] - now) // timedelta(seconds=1)) / 3600


@pytest.fixture(scope="module")
def scenario() -> Scenario:
    return demo_scenario()


@pytest.mark.parametrize("now", TIMES, ids=["start", "a-week-on", "new-period"])
async def test_per_resource_figures_match_the_scenario(scenario: Scenario, now: datetime) -> None:
    report, _ = await poll_report(scenario, now, history=expect.history(scenario, now))
    want_spaces, want_eps, want_jobs = (expect.spaces(scenario, now), expect.endpoints(scenario, now),
                                        expect.jobs(scenario, now))
    start = expect.period_of(now)[0]
    elapsed = int((now - start).total_seconds())
    timelines = expect.timelines(scenario)
    rows = [("space", row.space.id, row.space.namespace, row.cost, want_spaces[row.space.id])
            for row in report.spaces]
    rows += [("endpoint", f"{r.endpoint.namespace}/{r.endpoint.name}", r.endpoint.namespace, r.cost,
              want_eps[f"{r.endpoint.namespace}/{r.endpoint.name}"]) for r in report.endpoints]
    rows += [("job", r.job.id, r.job.namespace, r.cost, want_jobs[r.job.id]) for r in report.jobs]
    assert len(rows) == len(want_spaces) + len(want_eps) + len(want_jobs)
    for kind, name, ns, cost, want in rows:
        billed, timeline = timelines[(kind, name)]
        day = expect.billed_seconds(timeline, billed, now - timedelta(hours=24), now)
        assert cost.uptime_pct == (D(want.billed_seconds) * 100 / elapsed).quantize(D("0.01")), name
        assert cost.uptime_24h_pct == (D(day) * 100 / 86400).quantize(D("0.01")), name
        assert cost.cost_per_hour_usd == want.cost_per_hour, name
        if cost.cost_per_hour_usd is not None:
            ahead = hours_left(now)
            rate = cost.cost_per_hour_usd
            if kind == "job":
                ahead = min(ahead, D(expect.job_seconds_left(scenario, name, now)) / 3600)
                stage = next(r.job.stage for r in report.jobs if r.job.id == name)
                if stage == "SCHEDULING":  # not started: its price for up to its timeout once it starts
                    rate = want.hourly
                elif stage != "RUNNING":
                    ahead = D(0)
            if kind == "endpoint":
                ep = next(r.endpoint for r in report.endpoints if f"{r.endpoint.namespace}/{r.endpoint.name}" == name)
                # waiting to be deployed, or updating with none ready: its min replicas once it starts
                if ep.state in ("pending", "updating") and ep.min_replica:
                    rate = want.hourly * ep.min_replica if want.hourly is not None else None
            if kind == "space" and next(r.space.stage for r in report.spaces if r.space.id == name) == "BUILDING":
                rate = want.hourly  # the demo's asks for one replica: its price once the build ends in a run
            assert rate is not None
            assert cost.to_period_end_usd == (rate * ahead).quantize(expect.MICRO), name
        if ns not in BILLING:
            assert cost.billed_usd is None and cost.recomputed_usd is None, name
            continue
        assert cost.billed_minutes == want.minutes, name
        assert cost.billed_usd == want.billed_usd, name
        assert cost.recomputed_usd == want.recomputed_usd, name
        assert (cost.price is None) == (want.hourly is None), name
        if cost.price is not None:
            assert cost.price.source is PriceSource.LIVE and cost.price.usd_per_hour == want.hourly, name
    running = sum((w.cost_per_hour for w in [*want_spaces.values(), *want_eps.values(), *want_jobs.values()]
                   if w.cost_per_hour is not None), D(0))
    assert report.running_cost_per_hour_usd.known == running
    # a billed resource without a price is named as missing from the rate, never counted as $0
    assert all(m.startswith("unpriced:") for m in report.running_cost_per_hour_usd.missing)


@pytest.mark.parametrize("now", TIMES, ids=["start", "a-week-on", "new-period"])
async def test_credits_and_inference_match_the_scenario(scenario: Scenario, now: datetime) -> None:
    report, hub = await poll_report(scenario, now)
    start, end = expect.period_of(now)
    assert [c.namespace for c in report.credits] == list(BILLING)
    total, requests, providers = D(0), 0, dict[str, Decimal]()
    for c, included in zip(report.credits, (D(2), D(10)), strict=True):  # PRO; Team org of 5 seats
        # usage-v2 is asked for [period start, the poll's second); the live event, answered at the same (frozen)
        # instant, covers the period up to and including it, and is HF's later word: its spend, count and split
        # are the credits' figures (at 'a-week-on' ada's $0.01 placeholder of 09:17:00 is in it, not in usage-v2)
        used, n, by = expect.inference(hub, c.namespace, now, live=True)
        assert sum(by.values(), D(0)) == used  # one event: its providers add up to its total
        days = D((now - start) // timedelta(microseconds=1)) / 10**6 / 86400
        average = used / days
        # no history: the projection's rate starts at usage-v2's figure of 25 h ago, when that is in the period
        day_ago = now - timedelta(hours=25)
        rate = (used - expect.inference(hub, c.namespace, now, until=day_ago)[0]) / (D(25) / 24) \
            if day_ago > start else average
        assert (c.period_start, c.period_end) == (start, end)
        assert (c.used_usd, c.included_usd) == (used, included)
        assert c.remaining_usd == max(included - used, D(0)) and c.overage_usd == max(used - included, D(0))
        assert c.burn_rate_usd_per_day == (average.quantize(expect.MICRO) if now - start >= MIN_PROJECTION_SPAN
                                           else None)
        left = D((end - now) // timedelta(microseconds=1)) / 10**6 / 86400
        if now - start < MIN_PROJECTION_SPAN:  # 01:30 on the 1st: its last 30 min are placeholders, no pace yet
            assert (c.projected_period_usd, c.rate_usd_per_day, c.rate_unknown_why) == (None, None, TOO_EARLY)
        else:
            assert c.projected_period_usd == (used + rate * left).quantize(expect.MICRO)
        if now - start >= MIN_PROJECTION_SPAN and used < included and used + rate * left >= included:
            assert c.exhausts_at is not None and start < c.exhausts_at <= end
        total, requests = total + used, requests + n
        for p, usd in by.items():
            providers[p] = providers.get(p, D(0)) + usd
    assert (report.inference.cost_usd.known, report.inference.requests.known) == (total, requests)
    unreadable = [f"billing:{o.name}" for o in scenario.orgs if not o.billing_readable]
    assert list(report.inference.cost_usd.missing) == unreadable  # partial, and says whose billing is missing
    assert {p.name: p.cost_usd for p in report.inference.by_provider} == providers
    # the total and its split are one event's: the parts add up to it, the rest is $0 and 0 requests, told
    rest = report.inference.not_broken_down
    assert rest is not None and (rest.cost_usd, rest.requests, rest.why) == (D(0), 0, None)
    assert sum((p.cost_usd for p in report.inference.by_provider), rest.cost_usd) == total


async def test_the_org_without_billing_access(scenario: Scenario) -> None:
    report, _ = await poll_report(scenario, START)
    assert report.billing_access is True
    assert {o.name: o.billing_access for o in report.orgs} == {"ada-labs": True, "northwind": False}
    assert "northwind" not in {c.namespace for c in report.credits}
    assert not [c for c in report.crosscheck if "northwind" in c.item]


async def test_the_injected_unit_price_is_drift_and_the_missing_flavor_unpriced(scenario: Scenario) -> None:
    report, _ = await poll_report(scenario, START)
    whisper = expect.spaces(scenario, START)["ada/whisper-api"]
    row = next(c for c in report.crosscheck if c.item == "space ada/whisper-api t4-small")
    assert row.status is CheckStatus.DRIFT
    assert row.billed_usd == D(whisper.minutes * 7000) / 10**6
    assert row.delta_usd == D(whisper.minutes * (7000 - 6667)) / 10**6
    video = next(r for r in report.spaces if r.space.id == "ada-labs/video-gen")
    assert video.cost.price is None and video.cost.recomputed_usd is None
    assert video.cost.billed_usd == expect.spaces(scenario, START)["ada-labs/video-gen"].billed_usd  # still shown
    assert "space ada-labs/video-gen (h100)" in report.unpriced
    assert next(c for c in report.crosscheck if c.item == "space ada-labs/video-gen h100").status \
        is CheckStatus.UNPRICED
    others = [c for c in report.crosscheck if c.status is CheckStatus.DRIFT and "whisper" not in c.item]
    assert others == []  # everything else agrees within the tolerance


async def test_without_discrepancies_everything_checks_out() -> None:
    report, _ = await poll_report(demo_scenario(discrepancies=False), START)
    assert {c.status for c in report.crosscheck} == {CheckStatus.OK}
    assert report.unpriced == ()


async def test_a_price_change_in_the_live_catalog(scenario: Scenario) -> None:
    dearer = replace(scenario, space_flavors=tuple(replace(f, hourly_usd=D("0.75")) if f.name == "t4-small" else f
                                                   for f in scenario.space_flavors))
    now = START + timedelta(hours=2)  # whisper-api runs from START + 70 min to START + 160 min
    before, _ = await poll_report(scenario, now)
    after, _ = await poll_report(dearer, now)
    old = next(r for r in before.spaces if r.space.id == "ada/whisper-api").cost
    new = next(r for r in after.spaces if r.space.id == "ada/whisper-api").cost
    assert old.price is not None and old.price.usd_per_hour == D("0.400020")
    assert new.price is not None and new.price.usd_per_hour == D("0.75") and new.price.source is PriceSource.LIVE
    assert new.cost_per_hour_usd == D("0.75")
    minutes = expect.spaces(dearer, now)["ada/whisper-api"].minutes
    assert new.recomputed_usd == (D("0.75") * minutes / 60).quantize(expect.MICRO)
    assert after.running_cost_per_hour_usd.known - before.running_cost_per_hour_usd.known == D("0.75") - D("0.400020")
    override = Config(prices=PriceOverrides(spaces=MappingProxyType({"t4-small": D("0.5")})))
    mine, _ = await poll_report(dearer, now, override)
    cost = next(r for r in mine.spaces if r.space.id == "ada/whisper-api").cost
    assert cost.price is not None and cost.price.source is PriceSource.OVERRIDE and cost.cost_per_hour_usd == D("0.5")


async def test_gpu_hours_by_hardware(scenario: Scenario) -> None:
    report, _ = await poll_report(scenario, START)
    want: dict[str, int] = {}
    spaces = expect.spaces(scenario, START)
    # ZeroGPU (zero-*) is shared and quota-metered: no GPU hours
    gpu = {f.name for f in scenario.space_flavors if f.gpu and not f.name.startswith("zero-")} | {"h100"}
    for sp in scenario.spaces:
        if sp.namespace in BILLING and sp.requested_hardware in gpu and spaces[sp.id].minutes:
            want[sp.requested_hardware] = want.get(sp.requested_hardware, 0) + spaces[sp.id].minutes
    assert dict(report.gpu_hours_by_hardware) == {hw: (D(m) / 60).quantize(expect.MICRO) for hw, m in want.items()}


@pytest.mark.parametrize("now", TIMES[:2], ids=["start", "a-week-on"])
async def test_minutes_billed_beyond_what_history_saw_are_drift(scenario: Scenario, now: datetime) -> None:
    report, _ = await poll_report(scenario, now, history=expect.history(scenario, now))
    rows = {c.item: c for c in report.crosscheck if c.item.endswith("minutes vs history")}
    billed_namespaces = {s.id for s in scenario.spaces if s.namespace in BILLING}
    assert {i.split()[1] for i in rows} >= {s for s in billed_namespaces if expect.spaces(scenario, now)[s].minutes}
    qwen = rows["endpoint ada-labs/qwen-prod aws/nvidia-a100/x1 minutes vs history"]
    want = expect.endpoints(scenario, now)["ada-labs/qwen-prod"]
    unit = D(expect.unit_micro(D("2.5"))) / 10**6
    assert qwen.status is CheckStatus.DRIFT
    assert qwen.billed_usd == want.billed_usd
    assert qwen.recomputed_usd == (want.minutes - 37) * unit  # what ran, at the billed unit price
    assert qwen.delta_usd == 37 * unit
    assert [i for i, c in rows.items() if c.status is not CheckStatus.OK] == [qwen.item]


async def test_without_history_single_replica_uptime_comes_from_billed_minutes(scenario: Scenario) -> None:
    now = TIMES[1]
    report, _ = await poll_report(scenario, now)
    elapsed = int((now - expect.period_of(now)[0]).total_seconds())
    single = {s.id for s in scenario.spaces if all(iv.replicas <= 1 for iv in s.timeline)}
    single |= {e.id for e in scenario.endpoints if e.max_replica <= 1}
    # ZeroGPU hosting is not billed: the statement says nothing of a ZeroGPU Space's time (chat-demo's one line is
    # 30 GPU-minutes over the quota), so without history its uptime is unknown, not 30 min / 24 days = 0.09%
    zero = {s.id for s in scenario.spaces if s.requested_hardware.startswith("zero-")}
    checked = zero_checked = 0
    for key, ns, cost, want in [(r.space.id, r.space.namespace, r.cost, expect.spaces(scenario, now)[r.space.id])
                                for r in report.spaces] + [
            (f"{r.endpoint.namespace}/{r.endpoint.name}", r.endpoint.namespace, r.cost,
             expect.endpoints(scenario, now)[f"{r.endpoint.namespace}/{r.endpoint.name}"]) for r in report.endpoints]:
        if key in zero and ns in BILLING:
            assert cost.uptime_pct is None and cost.uptime_at_least_pct is None, key
            zero_checked += 1
        elif key in single and ns in BILLING:
            assert cost.uptime_pct == (D(want.billed_seconds) * 100 / elapsed).quantize(D("0.01")), key
            checked += 1
    assert checked >= 8 and zero_checked >= 1
