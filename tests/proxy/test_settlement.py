"""Settled costs: after the fake router's settlement delay (its scenario clock, never the wall clock), the
sessions hfmon chose come back from `usage-by-inference-session` with what the rows estimated."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import openai

from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.fakehub import FULL_TOKEN
from hfmon.store import HistoryStore
from hfmon.store import ledger as stored
from tests.proxy.conftest import Rig

QWEN = "Qwen/Qwen3-235B-A22B-Instruct-2507"
LLAMA = "meta-llama/Llama-3.3-70B-Instruct"


def read_sessions(rig: Rig, store: HistoryStore) -> None:
    async def go() -> None:
        async with HubClient(FULL_TOKEN, BaseUrls.single(rig.fake.base_url)) as hub:
            now = rig.clock()
            found = await hub.sessions("ada", user=True, start=now - timedelta(days=1), end=now)
        stored.store_sessions(store, found, rig.clock())

    asyncio.run(go())


def test_settled_session_costs_match_the_estimates_once_the_router_settles(rig: Rig, tmp_path: Path) -> None:
    c = openai.OpenAI(base_url=f"{rig.url}/v1", api_key=FULL_TOKEN, max_retries=0)
    for model in (f"{QWEN}:novita", f"{QWEN}:novita", f"{LLAMA}:groq"):
        c.chat.completions.create(model=model, messages=[{"role": "user", "content": f"hi {model}"}])
    rows = rig.rows.wait(3)
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        stored.append(store, rows)
        sessions = {r.session_id or "" for r in rows}
        assert len(sessions) == 2  # one per model in this hour
        read_sessions(rig, store)
        assert stored.settled(store, sessions) == {}  # nothing settled yet: pending, not $0
        rig.clock.advance(seconds=rig.hub.scenario.settle_delay_s + 1)
        read_sessions(rig, store)
        settled = stored.settled(store, sessions)
    for sid in sessions:
        mine = [r for r in rows if r.session_id == sid]
        routed = [r for r in rig.hub.traffic.ledger if r.session == sid]
        assert settled[sid].requests == len(mine) == len(routed)
        assert settled[sid].settled_usd == sum(Decimal(r.cost_nano_usd) for r in routed) / 10**9
        assert settled[sid].settled_usd == sum(r.estimated_usd or Decimal(1) for r in mine)
