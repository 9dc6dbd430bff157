"""The router's live per-token prices as `hfmon proxy` keeps them: read from `/v1/models` within bounds, refreshed in
the background, the last ones kept (and why they are stale said) when a read fails."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from dataclasses import dataclass, field

import httpx2

from hfmon.api.parse_resources import parse_router_models
from hfmon.api.transport import DEFAULT_MAX_BYTES
from hfmon.pricing.catalog import ModelOverrides, model_prices
from hfmon.proxy import meter, wire

log = logging.getLogger(__name__)

PRICES_TTL_S = 600.0
PRICES_RETRY_S = 60.0  # after a failed read of the prices, not before
PRICES_MAX_BYTES = DEFAULT_MAX_BYTES  # the router's model list, bounded as hfmon's own poll bounds it
PRICES_WAIT_S = 30.0  # the whole read of the model list, however slowly its bytes come

@dataclass
class PriceBook:
    """The router's live per-token prices, fetched from `/v1/models` and refreshed every PRICES_TTL_S."""

    overrides: ModelOverrides = field(default_factory=dict)  # the config's [prices.models]: they win, read or not
    prices: meter.Prices = field(default_factory=dict)
    fetched_at: float | None = None
    tried_at: float | None = None
    unreadable: str | None = None  # why the last read failed ("router prices could not be read: …"); None: it did not
    free: frozenset[str] = frozenset()  # "model via provider" of the offers the router marks `is_free` (promos)
    _refreshing: asyncio.Task[None] | None = None

    async def refresh(self, client: httpx2.AsyncClient, url: str) -> None:
        """Fetch the prices (a body bounded by PRICES_MAX_BYTES, a read by PRICES_WAIT_S); on failure keep the last
        ones (none at first: everything is unpriced) and say why in `unreadable` and the log."""
        self.tried_at = time.monotonic()
        try:
            async with asyncio.timeout(PRICES_WAIT_S):
                resp = await client.send(client.build_request("GET", url, timeout=10.0), stream=True)
                try:
                    resp.raise_for_status()
                    content = await wire.bounded(resp, PRICES_MAX_BYTES)
                finally:
                    await resp.aclose()
            found = parse_router_models(json.loads(content))
        except Exception as exc:  # noqa: BLE001 - any failure leaves the requests unpriced, never $0
            why = wire.why_unread(exc, PRICES_WAIT_S, PRICES_MAX_BYTES)
            self.unreadable = f"router prices could not be read: {why}"
            log.error("%s (from %s); %s", self.unreadable, url,
                      "keeping the last ones" if self.prices else "requests stay unpriced until they are")
            return
        self.prices = model_prices(found, self.overrides)
        self.free = frozenset(f"{p.model} via {p.provider}" for p in found if p.is_free)
        self.fetched_at = time.monotonic()
        self.unreadable = None

    def why_unpriced(self, model: str, provider: str | None) -> str | None:
        """Why a request of `model` via `provider` has no price, when it is because the prices could not be read
        (None: they were, and the router prices it or not)."""
        return None if self.unreadable is None or (model, provider) in self.prices else self.unreadable

    def maybe_refresh(self, client: httpx2.AsyncClient, url: str) -> None:
        """Start a background refresh when the prices are older than PRICES_TTL_S."""
        now = time.monotonic()
        stale = self.fetched_at is None or now - self.fetched_at > PRICES_TTL_S
        retry = self.tried_at is None or now - self.tried_at > PRICES_RETRY_S
        if stale and retry and (self._refreshing is None or self._refreshing.done()):
            self._refreshing = asyncio.get_running_loop().create_task(self.refresh(client, url))
