"""Collector against the fake Hugging Face in-process: values match the scenario, and faults stay contained."""

from __future__ import annotations

import logging
from datetime import datetime
from decimal import Decimal

import pytest

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.fakehub import FULL_TOKEN, NO_BILLING_TOKEN, NO_ENDPOINTS_TOKEN, FakeHub, Faults, Scenario, demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.health import Health
from hfmon.history import History
from hfmon.models import Snapshot, SourceStatus
from hfmon.poll_timing import CollectorSettings
from hfmon.usage_period import window_asks

BILLING_KINDS = ("billing", "statement", "job_charges", "sessions", "live", "resource_group_usage")


def make(scenario: Scenario, token: str = FULL_TOKEN, *, deadline_s: float = 10.0) -> tuple[Collector, FakeHub]:
    at = scenario.start
    hub = FakeHub(scenario, now=lambda: at)
    clock = FrozenClock(at)
    client = HubClient(token, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001), live_timeout_s=3.0)
    return Collector(client, clock, settings=CollectorSettings(deadline_s=deadline_s,
                                                               source_timeout_s=deadline_s)), hub


def texts(snap: Snapshot) -> str:
    return " ".join(f"{s.error} {s.hint}" for s in snap.sources())


def kind(name: str) -> str:
    return name.split(":")[0]


async def test_values_match_the_demo_scenario() -> None:
    scn = demo_scenario()
    col, hub = make(scn)
    snap = await col.poll()
    now = scn.start
    account = snap.account.value
    assert account is not None and account.name == scn.user.name and account.plan == scn.user.plan
    assert {(o.name, o.plan, o.role) for o in account.orgs} == {(o.name, o.plan, o.role) for o in scn.orgs}
    assert [ns.namespace for ns in snap.namespaces] == list(scn.namespaces())
    for ns in snap.namespaces:
        org = scn.org(ns.namespace)
        assert ns.spaces.value is not None and ns.endpoints.value is not None and ns.jobs.value is not None
        assert {s.id for s in ns.spaces.value} == {s.id for s in scn.spaces if s.namespace == ns.namespace
                                                    and s.created_at <= now}
        assert {e.name for e in ns.endpoints.value} == {e.name for e in scn.endpoints
                                                        if e.namespace == ns.namespace and e.created_at <= now}
        assert {j.id for j in ns.jobs.value} == {j.id for j in scn.jobs if j.namespace == ns.namespace
                                                 and j.created_at <= now}
        assert ns.storage.value is not None
        repo_ids = {r.id for r in ns.storage.value.repos}
        assert {r.id for r in scn.repos if r.namespace == ns.namespace} <= repo_ids
        if org is not None and not org.billing_readable:
            assert all(s.status is SourceStatus.NO_ACCESS for s in ns.sources() if kind(s.name) in BILLING_KINDS)
            continue
        billing = ns.billing.value
        assert billing is not None
        assert billing.inference.included_usd == Decimal(scn.included_nano_usd(ns.namespace)).scaleb(-9)
        # ada-labs' usage-v2 omits the period, as real payloads may: not an error; it counts over the period the
        # namespace's usage/live event names (the calendar month here)
        assert billing.inference.period_start == datetime(now.year, now.month, 1, tzinfo=now.tzinfo)
        assert billing.by_provider, "the live stream's per-provider split was folded in"
        assert ns.statement.status is SourceStatus.OK
    assert {f.name for f in snap.spaces_hardware.value or ()} == {f.name for f in scn.space_flavors}
    assert {p.model for p in snap.router_prices.value or ()} == {m.id for m in scn.router_models}
    assert snap.requests_made == len(hub.requests)


async def test_token_without_billing_read_loses_only_billing() -> None:
    col, _ = make(demo_scenario(), NO_BILLING_TOKEN)
    snap = await col.poll()
    for s in snap.sources():
        if kind(s.name) in BILLING_KINDS or s.name == "zero_gpu":
            assert s.status is SourceStatus.NO_ACCESS and s.http_status == 403, s.name
            assert s.hint and ("billing" in s.hint.lower()), s.name
        else:
            assert s.status is SourceStatus.OK, (s.name, s.error)
    user = snap.namespace("ada")
    assert user is not None and "Billing > Read billing usage" in (user.billing.hint or "")


async def test_rejected_token() -> None:
    col, hub = make(demo_scenario(), "hf_NotAKnownToken_5566778899")
    snap = await col.poll()
    assert (snap.account.status, snap.account.http_status) == (SourceStatus.ERROR, 401)
    assert snap.namespaces == ()
    # whoami, the 4 catalogs and the user's 6 billing and storage requests sent while whoami was on its way, with
    # usage-v2 for each of the user's 8 spend windows (a cold poll cannot tell a rejected token before whoami
    # answers); each once, none after the 401
    windows = len(window_asks(snap.taken_at))
    assert len(hub.requests) <= 11 + windows
    assert all(hub.requests.count(r.path) == (1 + windows if r.path.endswith("/usage-v2") else 1)
               for r in hub.requests)
    # the next poll, after a failed whoami, sends no window ahead: the 11 at most
    hub.requests.clear()
    again = await col.poll(snap)
    assert again.account.http_status == 401 and len(hub.requests) <= 11
    assert hub.requests.count("/api/settings/billing/usage-v2") <= 1


async def test_5xx_faults_are_retried_a_bounded_number_of_times() -> None:
    col, hub = make(demo_scenario(faults=Faults(error_rate=0.3)))
    snap = await col.poll()
    sources = list(snap.sources())
    assert any(s.status is SourceStatus.OK for s in sources)
    assert all(s.status is not SourceStatus.ERROR or "50" in (s.error or "") or "timed" in (s.error or "")
               or "live" in (s.error or "") for s in sources)
    ok_requests = hub.requests.count(status=200)
    assert len(hub.requests) - ok_requests <= 2 * ok_requests + 3 * len(sources)
    assert snap.extra["retries"] > 0


async def test_a_429_burst_is_not_hammered() -> None:
    col, hub = make(demo_scenario(faults=Faults(rate_limit_burst=1000)), deadline_s=2.0)
    snap = await col.poll()
    assert snap.account.status is SourceStatus.ERROR and snap.account.http_status == 429
    # The first 429s close the window for every request of the client: nothing else is sent than the first round
    # (whoami, the 4 catalogs, the user's 6 requests and its 8 spend windows' sent ahead of whoami's answer).
    assert len(hub.requests) <= 11 + len(window_asks(snap.taken_at))
    assert all(r.status == 429 for r in hub.requests)


async def test_a_short_429_burst_is_waited_out_within_the_deadline() -> None:
    scn = demo_scenario(faults=Faults(rate_limit_burst=1))
    col, hub = make(scn, deadline_s=10.0)
    hub_now = scn.start.replace(minute=4, second=59)  # one second before the 5-minute window resets
    hub._now = lambda: hub_now  # noqa: SLF001 - pin the fake's clock so Retry-After is 1 s
    snap = await col.poll()
    assert snap.account.status is SourceStatus.OK
    assert hub.requests.count(status=429) == 1


@pytest.mark.parametrize("fault", [Faults(malformed_rate=1.0), Faults(truncate_rate=1.0)])
async def test_malformed_and_truncated_bodies_are_bad_responses_not_crashes(fault: Faults) -> None:
    col, hub = make(demo_scenario(faults=fault))
    snap = await col.poll()
    assert snap.account.status is SourceStatus.ERROR
    assert "JSON" in (snap.account.error or "")
    assert all(s.status is not SourceStatus.OK for s in snap.sources())
    # account + 4 account-wide sources + the user's 6 and its 8 spend windows' sent ahead of whoami's answer, at
    # most; no retry storm
    assert len(hub.requests) <= 11 + len(window_asks(snap.taken_at))


async def test_stalls_end_as_errors_with_bounded_retries() -> None:
    col, hub = make(demo_scenario(faults=Faults(stall_rate=1.0)), deadline_s=3.0)
    snap = await col.poll()
    assert snap.account.status is SourceStatus.ERROR and "timed out" in (snap.account.error or "")
    # whoami, 4 catalogs, the user's 6 and its 8 spend windows' sent ahead: each tried 3 times at most
    assert len(hub.requests) <= (11 + len(window_asks(snap.taken_at))) * 3


async def test_schema_drift_is_absorbed() -> None:
    col, _ = make(demo_scenario(faults=Faults(schema_drift=True)))
    snap = await col.poll()
    bad = [(s.name, s.error) for s in snap.sources() if s.status not in (SourceStatus.OK, SourceStatus.NO_ACCESS)]
    assert bad == []
    states = {e.state for ns in snap.namespaces for e in ns.endpoints.value or ()}
    stages = {s.stage for ns in snap.namespaces for s in ns.spaces.value or ()}
    assert "quiescing" in states or "HIBERNATING" in stages  # unknown enum values are kept, not rejected


@pytest.mark.parametrize("faults", [Faults(), Faults(error_rate=0.5), Faults(malformed_rate=0.5),
                                    Faults(rate_limit_burst=3)])
@pytest.mark.parametrize("token", [FULL_TOKEN, NO_BILLING_TOKEN, "hf_DistinctiveRejectedToken_31337"])
async def test_the_token_never_appears_in_errors_or_logs(faults: Faults, token: str,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    col, _ = make(demo_scenario(faults=faults), token, deadline_s=3.0)
    snap = await col.poll()
    assert token not in texts(snap)
    assert token not in caplog.text
    assert token not in repr(snap)


async def test_near_the_rate_limit_optional_sources_are_skipped_and_no_429_is_provoked() -> None:
    # the fake's clock is frozen: the window never resets; a cold poll (75 requests: 16 of them usage-v2 asked for
    # each spend window, audit 8 E2) goes before any answer says what is left, so the quota lets one through
    col, hub = make(demo_scenario(rate_limit_quota=88))
    snap = None
    for _ in range(4):
        snap = await col.poll(snap)
    assert snap is not None
    assert hub.requests.count(status=429) == 0
    assert len(hub.requests) <= 88
    skipped = [s.name for s in snap.sources() if "skipped to save rate limit" in (s.error or "")
               or "rate limit is used up" in (s.error or "")]
    assert skipped
    assert snap.rate_limit_remaining is not None and snap.rate_limit_remaining <= 5


async def test_a_token_whoami_accepts_but_the_endpoints_api_refuses_loses_only_the_endpoints() -> None:
    """A fine-grained token without the Inference Endpoints permissions: the Endpoints API answers 401, whoami 200.
    Those sources are NO ACCESS with what to do; everything else is read as with the full token; not "rejected"."""
    full = {s.name: s.status for s in (await make(demo_scenario())[0].poll()).sources()}
    col, _ = make(demo_scenario(), NO_ENDPOINTS_TOKEN)
    snap = await col.poll()
    seen = {s.name: s.status for s in snap.sources()}
    refused = {name for name in seen if kind(name) in ("endpoints", "endpoint_catalog")}
    assert refused and all(s.http_status == 401 for s in snap.sources() if s.name in refused)
    assert {name: status for name, status in seen.items() if name not in refused} == {
        name: status for name, status in full.items() if name not in refused and kind(name) != "models"}
    assert {seen[name] for name in refused} == {SourceStatus.NO_ACCESS}
    ada = snap.namespace("ada")
    assert ada is not None and "Inference Endpoints" in (ada.endpoints.hint or "")
    report = evaluate(snap, History(), Config(), snap.taken_at)
    assert report.health is Health.OK and report.rejected_by is None


async def test_a_401_on_the_word_of_a_cached_whoami_makes_the_next_poll_ask_whoami_again() -> None:
    col, hub = make(demo_scenario())
    first = await col.poll()
    assert first.account.status is SourceStatus.OK and hub.requests.count("/api/whoami-v2") == 1
    await col.poll(first)
    assert hub.requests.count("/api/whoami-v2") == 1  # cached for hours
    hub.route_faults.append(RouteFault("/v2/endpoint/ada", status=401, reason="Invalid credentials"))
    second = await col.poll(first)
    endpoints = second.namespace("ada")
    assert endpoints is not None and endpoints.endpoints.status is SourceStatus.NO_ACCESS
    assert hub.requests.count("/api/whoami-v2") == 1  # this poll believed the cached whoami
    hub.route_faults.append(RouteFault("/api/whoami-v2", status=401, reason="Invalid credentials"))
    third = await col.poll(second)
    assert hub.requests.count("/api/whoami-v2") == 2  # asked again: a revoked token is then said as such
    assert third.account.http_status == 401
    assert evaluate(third, History(), Config(), third.taken_at).health is Health.TOKEN_REJECTED
    # still revoked: the next poll asks whoami again rather than believing its cached answer once more
    fourth = await col.poll(third)
    assert hub.requests.count("/api/whoami-v2") == 3 and fourth.account.http_status == 401
    assert evaluate(fourth, History(), Config(), fourth.taken_at).health is Health.TOKEN_REJECTED
    # accepted again (a new token): whoami answers, and its answer is cached again
    hub.route_faults.clear()
    fifth = await col.poll(fourth)
    assert fifth.account.status is SourceStatus.OK and hub.requests.count("/api/whoami-v2") == 4
    await col.poll(fifth)
    assert hub.requests.count("/api/whoami-v2") == 4


USER_AHEAD = ("/api/settings/repositories", "/api/settings/billing/usage-v2", "/api/settings/billing/usage/live",
              "/api/settings/billing/usage", "/api/settings/billing/usage/jobs",
              "/api/settings/billing/usage-by-inference-session")


async def test_the_users_own_requests_go_while_whoami_is_on_its_way_and_are_read_once() -> None:
    col, hub = make(demo_scenario())
    snap = await col.poll()
    paths = [r.path for r in hub.requests]
    first_named = min(i for i, p in enumerate(paths) if p in ("/api/jobs/ada", "/api/spaces", "/api/models"))
    for path in USER_AHEAD:  # sent before any request that needed whoami's answer, and not sent again after it
        # then asked what the period had used a day ago, and for each spend window (audit 8 E2)
        again = 1 + len(window_asks(snap.taken_at)) if path.endswith("/usage-v2") else 0
        assert paths.count(path) == 1 + again and paths.index(path) < first_named, path
    user = snap.namespace("ada")
    assert user is not None
    assert all(s.status is SourceStatus.OK for s in (user.storage, user.billing, user.live, user.statement,
                                                     user.sessions, user.job_charges) if s is not None)
    assert snap.requests_made == len(hub.requests)


async def test_a_poll_of_named_namespaces_sends_nothing_ahead() -> None:
    col, hub = make(demo_scenario())
    col.namespaces = ("ada-labs",)
    snap = await col.poll()
    assert [ns.namespace for ns in snap.namespaces] == ["ada-labs"]
    assert hub.requests.count(prefix="/api/settings/") == 0


async def test_a_second_poll_asks_no_whoami_and_sends_nothing_ahead() -> None:
    col, hub = make(demo_scenario())
    first = await col.poll()
    hub.requests.clear()
    second = await col.poll()
    assert hub.requests.count("/api/whoami-v2") == 0
    assert second.requests_made == len(hub.requests) <= first.requests_made
    windows = len(window_asks(second.taken_at))  # usage-v2 asked for each spend window every poll (audit 8 E2)
    assert all(hub.requests.count(path) <= 1 + (windows if path.endswith("/usage-v2") else 0) for path in USER_AHEAD)
