"""`hfmon_flags_unchecked_sources` counts sources, as its HELP says; the checks of single resources not made (an idle
GPU over a stretch no poll watched) are `hfmon_flags_unchecked_resource_checks`. Polled in-process against the fake
with history on, scraped over HTTP. A source answered from hfmon's cache is `hfmon_source_cached`.

The demo account at its first poll: the full token cannot read northwind's billing, so its usage-v2
(billing:northwind) and usage by resource group (resource_group_usage:northwind), both inputs of flags, are not read;
four GPU resources run (ada/forgotten-finetune, ada-labs/qwen-prod, ada-labs/rag-service, ada-labs/video-gen), and
whether each sat idle before hfmon's first poll is unknown."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from hfmon.fakehub.faults import RouteFault
from hfmon.store.db import HistoryStore
from tests.exporter.test_scrape import Exporter, lab, scrape, serving


@pytest.fixture
async def recorded(tmp_path: Path) -> AsyncIterator[Exporter]:
    """The exporter of the demo account, with a history database (idle GPUs are judged on what it recorded)."""
    async with serving(HistoryStore.open(tmp_path / "history.sqlite3")) as served:
        yield served


async def test_unchecked_sources_and_unchecked_resource_checks_are_counted_apart(recorded: Exporter) -> None:
    await recorded.watch.poll_once()
    first = scrape(recorded.port)
    assert first["hfmon_flags_unchecked_sources"] == {lab(): 2.0}  # billing and resource_group_usage of northwind
    assert first["hfmon_flags_unchecked_resource_checks"] == {lab(): 4.0}  # the four GPU resources' idle_gpu
    no_access = {dict(k)["source"] for k, v in first["hfmon_source_no_access"].items() if v == 1.0}
    assert {"billing:northwind", "resource_group_usage:northwind"} <= no_access

    recorded.hub.route_faults.append(RouteFault("/api/settings/billing/usage-v2", status=503))  # billing:ada
    recorded.clock.advance(300)
    await recorded.watch.poll_once()
    second = scrape(recorded.port)
    assert second["hfmon_source_up"][lab(source="billing:ada", namespace="ada")] == 0.0
    assert second["hfmon_flags_unchecked_sources"] == {lab(): 3.0}  # one source more, and only that


async def test_a_cached_answer_is_served_as_cached(recorded: Exporter) -> None:
    await recorded.watch.poll_once()
    recorded.clock.advance(300)  # whoami and the price lists are cached for longer: not asked again
    await recorded.watch.poll_once()
    cached = {dict(k)["source"] for k, v in scrape(recorded.port)["hfmon_source_cached"].items() if v == 1.0}
    assert {"account", "spaces_hardware", "jobs_hardware", "router_prices"} <= cached
    assert "billing:ada" not in cached and "endpoints:ada" not in cached  # asked every poll


async def test_unpriced_resources_is_absent_when_no_listing_was_read(recorded: Exporter) -> None:
    """Every route but whoami answering 503: `hfmon_unpriced_resources` read 0 ("none unpriced") where no resource
    could be looked at (audit 10 G8); now absent, as its HELP says. With the listings read it is the demo's 1."""
    await recorded.watch.poll_once()
    assert scrape(recorded.port)["hfmon_unpriced_resources"] == {lab(): 1.0}
    recorded.hub.route_faults.append(RouteFault("/api/whoami-v2"))  # first match, unchanged
    recorded.hub.route_faults.append(RouteFault("*", status=503))
    recorded.clock.advance(300)
    await recorded.watch.poll_once()
    assert not scrape(recorded.port).get("hfmon_unpriced_resources")
