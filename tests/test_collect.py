"""One poll → Snapshot against a small hand-written hub: values, source names, caching, and partial failure."""

from __future__ import annotations

import asyncio
import gc
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import httpx2
import pytest

from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.models import Snapshot, SourceStatus
from hfmon.poll_timing import CollectorSettings, next_poll_delay
from hfmon.usage_period import window_asks
from tests.api.minihub import TOKEN, Forever, MiniHub, stall

NOW = datetime(2026, 8, 20, 12, 0, tzinfo=UTC)


def collector(hub: MiniHub, *, token: str = TOKEN, namespaces: list[str] | None = None,
              deadline_s: float = 10.0) -> tuple[Collector, FrozenClock]:
    clock = FrozenClock(NOW)
    client = HubClient(token, BaseUrls.single("https://hub.test"), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001), live_timeout_s=2.0)
    settings = CollectorSettings(deadline_s=deadline_s, source_timeout_s=deadline_s)
    return Collector(client, clock, namespaces, settings=settings), clock


def texts(snap: Snapshot) -> str:
    return " ".join(f"{s.error} {s.hint}" for s in snap.sources())


async def test_a_full_poll_fills_every_source() -> None:
    hub = MiniHub()
    col, _ = collector(hub)
    snap = await col.poll()
    assert {s.name: s.status for s in snap.sources()} == {name: SourceStatus.OK for name in [
        "account", "spaces_hardware", "jobs_hardware", "router_prices", "zero_gpu",
        "job_charges:alice",  # the user only: HF has no org route for per-job charges
        "members:acme", "resource_groups:acme", "resource_group_usage:acme",  # orgs only (Team orgs too)
        *(f"{kind}:{ns}" for ns in ("alice", "acme") for kind in (
            "billing", "statement", "sessions", "endpoints", "endpoint_catalog", "spaces", "jobs", "storage",
            # models: the sizes of the models its Endpoints serve; model_repos, dataset_repos: the Hub's listings
            "scheduled_jobs", "live", "models", "model_repos", "dataset_repos",
            "billing_day_ago",  # usage-v2 up to a day ago: where the projection's rate starts without history
            "usage_windows"))]}  # usage-v2 for each spend window: their inference (audit 8 E2)
    assert hub.count(r"^/api/organizations/acme/billing/usage/jobs$") == 0
    assert hub.count(r"/overview$") == 0  # each org's plan comes from whoami
    account = snap.account.value
    assert account is not None and account.name == "alice" and account.orgs[0].plan == "team"
    alice = snap.namespace("alice")
    assert alice is not None and alice.kind == "user"
    billing = alice.billing.value
    # usage-v2 says $1.50, the live event of the same period (Aug 2026), answered no earlier, $1.75: HF's later figure
    assert billing is not None and billing.inference.used_usd == Decimal("1.75")
    assert [(p.provider, p.cost_usd) for p in billing.by_provider] == [("together", Decimal("0.9"))]
    assert billing.private_storage_bytes == 3
    assert alice.spaces.value is not None and len(alice.spaces.value) == 4
    assert alice.storage.value is not None and sum(r.bytes for r in alice.storage.value.repos) == 1500
    assert snap.zero_gpu.value is not None and snap.zero_gpu.value.remaining_s == 1810
    assert snap.requests_made == len(hub.requests)
    assert snap.rate_limit_remaining is not None and snap.rate_limit_remaining <= 900
    # Org billing goes to the org routes; usage-v2 got a Unix-second window from the month start, to now, and then
    # to a day and an hour ago (what the period had used then: the start of the projection's rate)
    # to a day and an hour ago (what the period had used then: the start of the projection's rate); and for each
    # spend window ending now, and the one before it
    month = str(int(datetime(2026, 8, 1, tzinfo=UTC).timestamp()))
    v2 = [r for r in hub.requests if r.url.path.endswith("/usage-v2") and r.url.params["startDate"] == month]
    assert sorted(r.url.path for r in v2) == 2 * ["/api/organizations/acme/billing/usage-v2"] + 2 * [
        "/api/settings/billing/usage-v2"]
    assert {(r.url.params["startDate"], r.url.params["endDate"]) for r in v2} == {
        (month, str(int(NOW.timestamp()))), (month, str(int((NOW - timedelta(hours=25)).timestamp())))}
    windows = sorted((r.url.path, r.url.params["startDate"], r.url.params["endDate"]) for r in hub.requests
                     if r.url.path.endswith("/usage-v2") and r.url.params["startDate"] != month)
    assert windows == sorted((path, str(int(start.timestamp())), str(int(end.timestamp())))
                             for path in ("/api/organizations/acme/billing/usage-v2", "/api/settings/billing/usage-v2")
                             for start, end in window_asks(NOW))
    spaces_req = next(r for r in hub.requests if r.url.path == "/api/spaces")
    assert spaces_req.url.params.get_list("expand") == ["runtime", "private", "usedStorage", "likes", "lastModified"]


async def test_repo_listings_and_members_are_read_with_their_fields_and_cached() -> None:
    hub = MiniHub()
    col, clock = collector(hub)
    first = await col.poll()
    alice, acme = first.namespace("alice"), first.namespace("acme")
    assert alice is not None and acme is not None
    models_req = next(r for r in hub.requests if r.url.path == "/api/models")
    assert models_req.url.params["author"] in ("alice", "acme")
    assert set(models_req.url.params.get_list("expand")) == {"private", "downloads", "likes", "usedStorage",
                                                             "lastModified"}
    assert alice.model_repos is not None and alice.model_repos.value is not None
    m = alice.model_repos.value[0]
    assert (m.id, m.type, m.private, m.downloads, m.likes, m.used_storage_bytes) == ("alice/m", "model", True, 42,
                                                                                     3, 999)
    assert m.last_modified == datetime(2026, 8, 1, 10, tzinfo=UTC)
    assert alice.model_repos.value[1].used_storage_bytes is None  # not sent: unknown, not 0
    assert alice.members is None  # a user has no members listing
    assert acme.members is not None and acme.members.value is not None
    assert [(u.user, u.role, u.is_pro) for u in acme.members.value] == [("alice", "admin", True), ("bob", None, False)]
    members_req = next(r for r in hub.requests if r.url.path == "/api/organizations/acme/members")
    assert members_req.url.params["limit"] == "10000"  # the largest page HF's spec allows: few requests
    storage_req = next(r for r in hub.requests if r.url.path == "/api/organizations/acme/settings/repositories")
    assert storage_req.url.params["limit"] == "100000"  # the spec allows any limit and has no cursor: one answer
    clock.advance(60)
    await col.poll(first)
    assert hub.count(r"^/api/models$") == 2  # one per namespace, not again a minute later
    clock.advance(15 * 60)
    await col.poll(first)
    assert hub.count(r"^/api/models$") == 4


async def test_a_failed_repo_listing_is_an_error_not_an_empty_list() -> None:
    hub = MiniHub()
    hub.override(r"^/api/datasets$", lambda request: httpx2.Response(500, json={"error": "boom"}))
    col, _ = collector(hub)
    snap = await col.poll()
    alice = snap.namespace("alice")
    assert alice is not None and alice.dataset_repos is not None
    assert alice.dataset_repos.status is SourceStatus.ERROR and alice.dataset_repos.value is None
    assert alice.model_repos is not None and alice.model_repos.status is SourceStatus.OK


async def test_identity_and_catalogs_are_cached_between_polls() -> None:
    hub = MiniHub()
    col, clock = collector(hub)
    first = await col.poll()
    clock.advance(60)
    second = await col.poll(first)
    assert hub.count(r"^/api/whoami-v2$") == 1
    assert hub.count(r"^/api/spaces/hardware$") == 1
    assert hub.count(r"^/v1/models$") == 1
    assert hub.count(r"^/v2/provider/") == 2
    # billing is polled every time; what it had used a day ago, once per namespace in DAY_AGO_TTL_S; each spend
    # window every time
    assert hub.count(r"/billing/usage-v2$") == 2 + 2 + 2 + 2 * 2 * len(window_asks(NOW))
    assert second.account.fetched_at == first.account.fetched_at == NOW
    clock.advance(7 * 3600)
    await col.poll(second)
    assert hub.count(r"^/api/whoami-v2$") == 2


async def test_a_new_collector_reuses_a_fresh_previous_snapshot_as_cache() -> None:
    hub = MiniHub()
    col, _ = collector(hub)
    first = await col.poll()
    col2, _ = collector(hub)
    await col2.poll(first)
    assert hub.count(r"^/api/whoami-v2$") == 1


async def test_no_billing_permission_only_affects_billing() -> None:
    hub = MiniHub()
    hub.override(r"/billing/|/zero-gpu/", httpx2.Response(403, json={"error": f"forbidden for {TOKEN}"}))
    col, _ = collector(hub)
    snap = await col.poll()
    billing_kinds = ("billing", "statement", "job_charges", "sessions", "live", "resource_group_usage")
    for s in snap.sources():
        if s.name.split(":")[0] in billing_kinds or s.name == "zero_gpu":
            assert (s.status, s.http_status, s.value) == (SourceStatus.NO_ACCESS, 403, None), s.name
        else:
            assert s.status is SourceStatus.OK, s.name
    alice, acme = snap.namespace("alice"), snap.namespace("acme")
    assert alice is not None and acme is not None
    assert "Billing > Read billing usage" in (alice.billing.hint or "")
    assert "admin" in (acme.billing.hint or "")
    assert TOKEN not in texts(snap)


async def test_a_rejected_token_still_returns_a_snapshot() -> None:
    hub = MiniHub()
    col, _ = collector(hub, token="hf_WrongTokenValue_42")
    snap = await col.poll()
    assert (snap.account.status, snap.account.http_status) == (SourceStatus.ERROR, 401)
    assert snap.namespaces == ()
    assert "hf_WrongTokenValue_42" not in texts(snap)


async def test_a_failing_source_keeps_its_previous_value_stale() -> None:
    hub = MiniHub()
    col, clock = collector(hub)
    first = await col.poll()
    clock.advance(60)
    hub.override(r"^/api/spaces$", httpx2.Response(503))
    hub.override(r"^/v2/endpoint/acme$", httpx2.Response(200, content=b'{"items": [{"name": "x", "sta'))
    second = await col.poll(first)
    alice, acme = second.namespace("alice"), second.namespace("acme")
    assert alice is not None and acme is not None
    assert alice.spaces.status is SourceStatus.STALE
    assert alice.spaces.value == first.namespace("alice").spaces.value  # type: ignore[union-attr]
    assert alice.spaces.fetched_at == NOW and alice.spaces.http_status == 503
    assert acme.endpoints.status is SourceStatus.STALE and "malformed" in (acme.endpoints.error or "")
    assert alice.billing.status is SourceStatus.OK and alice.billing.fetched_at == clock.now()
    assert hub.count(r"^/api/spaces$") == 2 + 3 * 2  # first poll 2 namespaces; then 1 try + 2 retries each


async def test_whoami_failure_with_a_previous_account_keeps_polling_namespaces() -> None:
    hub = MiniHub()
    col, clock = collector(hub)
    first = await col.poll()
    hub.override(r"^/api/whoami-v2$", httpx2.Response(500))
    clock.advance(7 * 3600)  # past the identity cache
    second = await col.poll(first)
    assert second.account.status is SourceStatus.STALE and second.account.value == first.account.value
    assert [ns.namespace for ns in second.namespaces] == ["alice", "acme"]


async def test_live_stream_failure_is_its_own_source_error_and_the_split_is_unknown() -> None:
    hub = MiniHub()
    hub.override(r"/usage/live$", httpx2.Response(500))
    col, _ = collector(hub)
    snap = await col.poll()
    alice = snap.namespace("alice")
    assert alice is not None and alice.billing.status is SourceStatus.OK
    assert alice.live is not None and alice.live.status is SourceStatus.ERROR and alice.live.http_status == 500
    assert alice.live in list(snap.sources())
    assert alice.billing.value is not None and alice.billing.value.by_provider is None  # unknown, not empty
    assert alice.billing.value.inference.used_usd == Decimal("1.5")  # usage-v2's credits still stand


async def test_a_live_stream_that_never_sends_usage_fails_at_the_poll_deadline() -> None:
    hub = MiniHub()
    keepalive = b"event: count\ndata: 1\n\n" + b"event: usage\ndata: {\"rateLimits\": {}}\n\n"
    hub.override(r"/usage/live$", lambda _request: httpx2.Response(
        200, headers={"content-type": "text/event-stream"}, stream=Forever(keepalive)))
    col, _ = collector(hub, deadline_s=1.5)
    col.client.live_timeout_s = None  # the poll's deadline bounds the read, not a fixed timeout
    snap = await col.poll()
    alice = snap.namespace("alice")
    assert alice is not None and alice.live is not None and alice.live.status is SourceStatus.ERROR
    assert "within 1." in (alice.live.error or "")  # cut at the poll's deadline (1.5 s), not a fixed timeout
    assert alice.billing.status is SourceStatus.OK and alice.statement.status is SourceStatus.OK


async def test_a_stalled_source_cannot_hold_the_poll_past_its_deadline() -> None:
    hub = MiniHub()
    hub.override(r"^/api/jobs/alice$", stall)
    col, _ = collector(hub, deadline_s=0.5)
    snap = await col.poll()
    alice = snap.namespace("alice")
    assert alice is not None and alice.jobs.status is SourceStatus.ERROR
    assert alice.spaces.status is SourceStatus.OK


async def test_namespace_restriction_and_org_endpoints_401_is_no_access() -> None:
    hub = MiniHub()
    hub.override(r"^/v2/endpoint/acme$", httpx2.Response(401))
    col, _ = collector(hub, namespaces=["acme"])
    snap = await col.poll()
    assert [ns.namespace for ns in snap.namespaces] == ["acme"]
    acme = snap.namespaces[0]
    assert acme.kind == "org" and acme.endpoints.status is SourceStatus.NO_ACCESS
    assert hub.count(r"^/api/settings/") == 0


@pytest.mark.parametrize(("remaining", "reset", "made", "expected"), [
    (None, None, 30, 60.0), (500, 100, 30, 60.0), (40, 100, 30, 101.0)])
def test_next_poll_delay_waits_for_the_window_when_short(remaining: int | None, reset: int | None, made: int,
                                                         expected: float) -> None:
    snap = Snapshot(NOW, *(None,) * 6, requests_made=made, rate_limit_remaining=remaining,  # type: ignore[arg-type]
                    rate_limit_reset_s=reset)
    assert next_poll_delay(snap, 60.0) == expected


async def test_a_missing_permission_is_not_asked_again_every_poll() -> None:
    hub = MiniHub()
    hub.override(r"/billing/usage-v2$", httpx2.Response(403))
    col, clock = collector(hub, namespaces=["alice"])
    first = await col.poll()
    clock.advance(60)
    second = await col.poll(first)
    assert hub.count(r"/billing/usage-v2$") == 1
    assert second.namespaces[0].billing.status is SourceStatus.NO_ACCESS
    clock.advance(20 * 60)
    await col.poll(second)
    assert hub.count(r"/billing/usage-v2$") == 2


async def test_cancelling_a_poll_leaves_no_request_running() -> None:
    hub = MiniHub()
    both_stalled = asyncio.Event()

    async def stall_and_tell(request: httpx2.Request) -> httpx2.Response:
        if hub.count(r"^/api/jobs/") == 2:
            both_stalled.set()
        return await stall(request)

    hub.override(r"^/api/jobs/", stall_and_tell)
    col, _ = collector(hub)
    poll = asyncio.ensure_future(col.poll())
    await both_stalled.wait()
    poll.cancel()
    with pytest.raises(asyncio.CancelledError):
        await poll
    await asyncio.sleep(0)
    assert asyncio.all_tasks() == {asyncio.current_task()}


async def test_a_poll_runs_without_cyclic_garbage_collection_and_leaves_the_collector_as_it_found_it() -> None:
    hub = MiniHub()
    collecting: list[bool] = []
    stalled = asyncio.Event()

    async def zero_gpu(request: httpx2.Request) -> httpx2.Response:
        collecting.append(gc.isenabled())
        if len(collecting) < 3:
            return httpx2.Response(200, json={"remaining": 60})
        stalled.set()
        return await stall(request)

    hub.override(r"^/api/spaces/zero-gpu/quota$", zero_gpu)
    col, _ = collector(hub)
    assert gc.isenabled()
    await col.poll()
    assert gc.isenabled() and collecting == [False]
    gc.disable()
    try:
        await col.poll()
        assert not gc.isenabled()  # disabled by someone else: still so
    finally:
        gc.enable()
    poll = asyncio.ensure_future(col.poll())  # the third zero-gpu request stalls: the poll is cancelled
    await asyncio.wait_for(stalled.wait(), 10)
    poll.cancel()
    with pytest.raises(asyncio.CancelledError):
        await poll
    assert gc.isenabled() and collecting == [False, False, False]


async def test_every_request_of_a_poll_is_logged_against_its_api() -> None:
    hub = MiniHub()
    hub.override(r"^/v2/endpoint/", lambda request: httpx2.Response(503, json={"error": "down"}))
    col, _ = collector(hub)
    snap = await col.poll()

    def api(path: str) -> str:
        return ("Endpoints" if path.startswith("/v2/") else "router" if path.startswith("/v1/") else
                "billing" if "/billing/" in path else "Hub")

    sent: dict[str, int] = {}
    for r in hub.requests:
        sent[api(r.url.path)] = sent.get(api(r.url.path), 0) + 1
    by_api = {a.api: a for a in snap.api_health}
    assert {name: a.requests for name, a in by_api.items()} == sent
    failed = sum(1 for r in hub.requests if r.url.path.startswith("/v2/endpoint/"))
    assert failed >= 2 and by_api["Endpoints"].failed == failed  # each 503, retries included
    assert by_api["Hub"].failed == 0 and by_api["Hub"].p50_ms is not None
