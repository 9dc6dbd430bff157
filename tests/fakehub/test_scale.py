"""The fake's shortcuts for large accounts answer exactly as the request-by-request and whole-listing ways would:
traffic summed by the hour, listings built once and served page by page."""

from __future__ import annotations

import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from hfmon.fakehub import FakeHub, demo_scenario
from hfmon.fakehub.demo import START
from hfmon.fakehub.scenario import PLACEHOLDER_NANO_USD, period_bounds
from tests.fakehub.conftest import HUB, Clock, get

NOV = datetime(2026, 11, 1, tzinfo=UTC)


def by_request(hub: FakeHub, ns: str, lo: datetime, hi: datetime, now: datetime) -> tuple[int, int, Counter[str]]:
    """(requests, nano-USD with placeholders, requests per session settled) summed one request at a time."""
    cutoff = now - timedelta(seconds=hub.scenario.settle_delay_s)
    count = nano = 0
    sessions: Counter[str] = Counter()
    for r in hub.traffic.requests(ns, lo, hi, now):
        settled = datetime.fromtimestamp(r.t, UTC) <= cutoff
        count += 1
        nano += r.cost_nano_usd if settled else PLACEHOLDER_NANO_USD
        if settled and r.session is not None:
            sessions[r.session] += 1
    return count, nano, sessions


def test_traffic_summed_by_the_hour_equals_request_by_request() -> None:
    scn = demo_scenario()
    rng = random.Random(15)
    for _ in range(6):
        now = START + timedelta(seconds=rng.randint(0, 20 * 86400))
        lo = NOV + timedelta(seconds=rng.randint(0, 30 * 86400))
        hi = lo + timedelta(seconds=rng.randint(1, 12 * 86400))
        hub = FakeHub(scn, now=lambda now=now: now)
        for ns in ("ada", "ada-labs"):
            count, nano, sessions = by_request(hub, ns, lo, hi, now)
            totals = hub.traffic.totals(ns, lo, hi, now)
            assert (totals.num_requests, totals.used_nano_usd) == (count, nano), (ns, lo, hi, now)
            assert sum(n for n, _, _ in totals.providers.values()) == count
            by_period = hub.traffic.sessions(ns, lo, hi, now)
            got = Counter({sid: n for rows in by_period.values() for sid, (n, _) in rows.items()})
            assert got == sessions
            assert all(period_bounds(p)[0] == p for p in by_period)


def test_each_providers_requests_cost_and_time_summed_by_the_hour_equal_request_by_request() -> None:
    rng = random.Random(16)
    for scn in (demo_scenario(), demo_scenario(7, requests_per_minute=2.5)):
        for _ in range(4):
            now = START + timedelta(seconds=rng.randint(-3 * 86400, 25 * 86400))
            lo = NOV + timedelta(seconds=rng.randint(0, 20 * 86400))
            hi = lo + timedelta(seconds=rng.randint(1, 40 * 86400))
            hub = FakeHub(scn, now=lambda now=now: now)  # type: ignore[misc]
            cutoff = int(now.timestamp()) - scn.settle_delay_s
            for ns in ("ada", "ada-labs"):
                want: dict[str, tuple[int, int, int]] = {}
                settled: Counter[str] = Counter()
                for r in hub.traffic.requests(ns, lo, hi, now):
                    n, nano, ms = want.get(r.provider, (0, 0, 0))
                    cost = r.cost_nano_usd if r.t <= cutoff else PLACEHOLDER_NANO_USD
                    want[r.provider] = (n + 1, nano + cost, ms + r.duration_ms)
                    if r.t <= cutoff and r.session is not None:
                        settled[r.session] += r.cost_nano_usd
                assert hub.traffic.totals(ns, lo, hi, now).providers == dict(sorted(want.items()))
                got: Counter[str] = Counter()  # a session that spans two billing periods is in both
                for rows in hub.traffic.sessions(ns, lo, hi, now).values():
                    got.update({sid: nano for sid, (_, nano) in rows.items()})
                assert got == settled


def pages(hub: FakeHub, path: str) -> list[Any]:
    """Every item of a paginated listing, following Link rel=next."""
    items: list[Any] = []
    url: str | None = HUB + path
    while url is not None:
        r = get(hub, url)
        assert r.status_code == 200, r.text
        items += r.json()
        url = r.links.get("next", {}).get("url")
    return items


def test_pages_of_a_listing_are_the_whole_listing_cut_in_order() -> None:
    small, whole = (demo_scenario(orgs=3, spaces=60, repos=90, jobs=30, page_size=size) for size in (7, 1000))
    clock = Clock(START - timedelta(days=20))  # some repos, Spaces and jobs do not exist yet
    for _ in range(2):
        for path in ("/api/spaces?author=ada&expand=runtime&expand=private", "/api/models?sort=likes&direction=-1",
                     "/api/datasets?search=data", "/api/settings/repositories",
                     "/api/organizations/ada-labs/settings/repositories", "/api/jobs/ada-labs",
                     "/api/organizations/northwind/members"):
            paged = pages(FakeHub(small, now=clock), path)
            assert paged == pages(FakeHub(whole, now=clock), path), path
            assert len({item.get("id", item.get("_id")) for item in paged}) == len(paged)
        clock.advance(days=20)
