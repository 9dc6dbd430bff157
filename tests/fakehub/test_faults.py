"""Each fault knob produces what it says, deterministically."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import httpx2
import pytest
from huggingface_hub import HfApi, close_session, set_client_factory
from huggingface_hub.utils import parse_ratelimit_headers
from huggingface_hub.utils._http import default_client_factory

from hfmon.fakehub import FULL_TOKEN, NO_BILLING_TOKEN, FakeHub, Faults, demo_scenario
from hfmon.fakehub.demo import START
from tests.fakehub.conftest import HUB, IE, Clock, get, over_its_period

URLS = [f"{HUB}/api/whoami-v2", f"{HUB}/api/spaces?author=ada&expand=runtime", f"{IE}/endpoint/ada",
        f"{HUB}/api/settings/billing/usage-v2?startDate={int(datetime(2026, 11, 1, tzinfo=UTC).timestamp())}"
        f"&endDate={int(START.timestamp())}"]


def hub_with(clock: Clock | None = None, **faults: float | int | bool) -> FakeHub:
    return FakeHub(demo_scenario(0, discrepancies=False, faults=Faults(**faults)), now=clock or (lambda: START))


def statuses(hub: FakeHub, n: int = 40) -> list[int]:
    return [get(hub, URLS[i % len(URLS)]).status_code for i in range(n)]


def test_error_rate_gives_that_share_of_5xx_with_hf_error_bodies() -> None:
    all_bad = hub_with(error_rate=1.0)
    r = get(all_bad, URLS[0])
    assert r.status_code in (500, 502, 503) and r.json()["error"] and r.headers["X-Error-Message"]
    some = statuses(hub_with(error_rate=0.3))
    bad = sum(s >= 500 for s in some)
    assert 0 < bad < len(some)
    assert statuses(hub_with(error_rate=0.3)) == some  # same seed, same request sequence, same faults
    assert all(s == 200 for s in statuses(hub_with()))


def test_rate_limit_burst_answers_429_with_retry_after_then_recovers() -> None:
    hub = hub_with(rate_limit_burst=3)
    rs = [get(hub, URLS[0]) for _ in range(4)]
    assert [r.status_code for r in rs] == [429, 429, 429, 200]
    assert rs[0].headers["Retry-After"].isdigit() and ";r=0;" in rs[0].headers["RateLimit"]
    hub.faults.rate_limit_burst = 1  # mutable at runtime: arms a new burst
    assert [get(hub, URLS[0]).status_code for _ in range(2)] == [429, 200]


def test_quota_window_is_per_token_and_resets_after_five_minutes(clock: Clock) -> None:
    hub = FakeHub(demo_scenario(0, discrepancies=False, rate_limit_quota=3), now=clock)
    rs = [get(hub, URLS[0]) for _ in range(4)]
    assert [r.status_code for r in rs] == [200, 200, 200, 429]
    assert [r.headers["RateLimit"].split(";")[1] for r in rs] == ["r=2", "r=1", "r=0", "r=0"]
    assert rs[0].headers["RateLimit-Policy"] == '"fixed window";"api";q=3;w=300'
    info = parse_ratelimit_headers(rs[1].headers)
    assert info is not None and (info.remaining, info.limit, info.window_seconds) == (1, 3, 300)
    assert int(rs[3].headers["Retry-After"]) == 300  # the window started exactly at the start instant
    clock.advance(minutes=5)
    assert get(hub, URLS[0]).status_code == 200


def test_stall_raises_a_timeout_in_process() -> None:
    hub = hub_with(stall_rate=1.0)
    with pytest.raises(httpx2.TimeoutException):
        get(hub, URLS[0])


def test_malformed_and_truncated_bodies_do_not_decode() -> None:
    for knob in ("malformed_rate", "truncate_rate"):
        hub = hub_with(**{knob: 1.0})
        r = get(hub, URLS[0])
        assert r.status_code == 200
        with pytest.raises(json.JSONDecodeError):
            json.loads(r.content)
    clean = get(hub_with(), URLS[0]).content
    assert clean.startswith(get(hub_with(truncate_rate=1.0), URLS[0]).content)


def test_schema_drift_adds_fields_drops_optional_ones_and_invents_enum_values() -> None:
    hub = hub_with(schema_drift=True)
    items = []
    for ns in ("ada", "ada-labs", "northwind"):
        items += get(hub, f"{IE}/endpoint/{ns}").json()["items"]
    states = {e["status"]["state"] for e in items}
    assert "quiescing" in states and len(states) > 1
    assert all("fakeDriftExtra" in e and "url" not in e["status"] for e in items)
    me = get(hub, URLS[0]).json()
    assert "email" not in me and me["name"] == "ada"


def test_huggingface_hub_still_parses_drifted_spaces() -> None:
    hub = hub_with(schema_drift=True)
    set_client_factory(lambda: httpx2.Client(transport=hub.transport()))
    try:
        spaces = list(HfApi(endpoint=HUB, token=FULL_TOKEN).list_spaces(author="ada", expand=["runtime"]))
    finally:
        set_client_factory(default_client_factory)
        close_session()
    stages = {s.runtime.stage for s in spaces if s.runtime}
    assert "HIBERNATING" in stages and all(s.runtime and s.runtime.sleep_time is None for s in spaces)


def test_latency_is_seeded_fixed_plus_jitter() -> None:
    def delays() -> list[float]:
        hub = FakeHub(demo_scenario(0, latency_ms=50, jitter_ms=20), now=lambda: START)
        req = httpx2.Request("GET", URLS[0], headers={"authorization": f"Bearer {FULL_TOKEN}"})
        return [hub.respond(req).delay_s for _ in range(5)]

    got = delays()
    assert all(0.05 <= d <= 0.07 for d in got) and len(set(got)) > 1 and got == delays()


def test_schema_drift_serves_the_billing_shapes_real_clients_met() -> None:
    """usage-v2 without `includedNanoUsd` or `jobs.usedMicroUsd` (hf-api.md 0.5), and usage/jobs answering a token
    without billing read in the spec's own shape (`hasAccess: false`, HTTP 200) instead of a 403."""
    hub = hub_with(schema_drift=True)
    usage = get(hub, over_its_period(hub, f"{HUB}/api/settings/billing/usage-v2")).json()["usage"]
    assert "includedNanoUsd" not in usage["inferenceProviders"] and "usedNanoUsd" in usage["inferenceProviders"]
    assert "usedMicroUsd" not in usage["jobs"] and "totalMinutes" in usage["jobs"]
    denied = get(hub, f"{HUB}/api/settings/billing/usage/jobs", NO_BILLING_TOKEN)
    assert denied.status_code == 200 and denied.json()["hasAccess"] is False
    assert denied.json()["usage"]["jobDetails"] == []
    assert get(hub, f"{HUB}/api/settings/billing/usage/jobs").json()["hasAccess"] is True
    assert get(hub_with(), f"{HUB}/api/settings/billing/usage/jobs", NO_BILLING_TOKEN).status_code == 403
