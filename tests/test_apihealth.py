"""HF's health as hfmon sees it: per API, requests, failures and p50/p95 latency over the last 24 hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hfmon.api.urls import BaseUrls
from hfmon.apihealth import SAMPLES_PER_HOUR, RequestLog

NOW = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)


def test_each_api_counts_its_requests_failures_and_latency_percentiles() -> None:
    log = RequestLog()
    hub_ms = [float(x) for x in range(10, 210, 10)]  # 20 answers: 10 .. 200 ms
    for i, ms in enumerate(hub_ms):
        log.record("Hub", NOW - timedelta(minutes=i), True, ms)
    log.record("Hub", NOW, False, None)  # a timeout: a failure with no latency
    log.record("billing", NOW - timedelta(hours=3), False, 900.0)  # a 503 that answered in 0.9 s
    log.record("billing", NOW - timedelta(hours=3), True, 100.0)
    by_api = {a.api: a for a in log.summarize(NOW)}
    assert set(by_api) == {"Hub", "billing"}  # nothing asked of Endpoints or the router: no row
    hub = by_api["Hub"]
    assert (hub.requests, hub.failed) == (21, 1)
    assert hub.success_pct == 20 * 100 / 21
    # nearest rank over the 20 answers: p50 is the 10th smallest (100 ms), p95 the 19th (190 ms)
    assert (hub.p50_ms, hub.p95_ms) == (100.0, 190.0)
    billing = by_api["billing"]
    assert (billing.requests, billing.failed, billing.p50_ms, billing.p95_ms) == (2, 1, 100.0, 900.0)


def test_only_the_last_24_hours_count_and_older_hours_are_forgotten() -> None:
    log = RequestLog()
    log.record("router", NOW - timedelta(hours=30), False, None)
    log.record("router", NOW - timedelta(hours=23), True, 50.0)
    log.record("router", NOW, True, 70.0)
    (router,) = log.summarize(NOW)
    assert (router.requests, router.failed) == (2, 0)  # the failure 30 h ago is out of the window
    assert log.summarize(NOW + timedelta(days=2)) == ()
    log.record("router", NOW + timedelta(days=2), True, 10.0)
    assert len(log._hours) == 1  # the hours that left the window were dropped: memory stays bounded


def test_memory_is_bounded_however_many_requests_an_hour_sees() -> None:
    log = RequestLog()
    for i in range(3 * SAMPLES_PER_HOUR):
        log.record("Hub", NOW, True, float(i % 100))
    (hub,) = log.summarize(NOW)
    assert hub.requests == 3 * SAMPLES_PER_HOUR and hub.sampled
    assert sum(len(b.latencies_ms) for b in log._hours.values()) == SAMPLES_PER_HOUR
    assert hub.p50_ms is not None and 35 <= hub.p50_ms <= 65  # a uniform sample of 0..99 ms


def test_a_request_url_is_attributed_to_its_api() -> None:
    real = BaseUrls()
    assert real.api_of("https://huggingface.co/api/spaces") == "Hub"
    assert real.api_of("https://huggingface.co/api/organizations/acme/billing/usage-v2") == "billing"
    assert real.api_of("https://huggingface.co/api/settings/billing/usage/live") == "billing"
    assert real.api_of("https://api.endpoints.huggingface.cloud/v2/endpoint/acme") == "Endpoints"
    assert real.api_of("https://router.huggingface.co/v1/models") == "router"
    fake = BaseUrls.single("http://127.0.0.1:8123")  # one server for all three: told apart by path
    assert fake.api_of("http://127.0.0.1:8123/v2/provider/acme") == "Endpoints"
    assert fake.api_of("http://127.0.0.1:8123/v1/models") == "router"
    assert fake.api_of("http://127.0.0.1:8123/api/whoami-v2") == "Hub"
