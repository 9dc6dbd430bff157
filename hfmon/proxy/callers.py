"""Whose token each request through the proxy carries: the account `whoami-v2` names, so that a request billed to
no org (no X-HF-Bill-To) counts for the account that made it only, when several share the history file.

Looked up once per token and remembered in memory by a keyed hash of it (the key is random per process): the token
itself is never kept, stored, logged or shown. A request never waits for the lookup: it runs beside the request, and
the request's ledger row is handed over once the name is known, or known to be unknown (whoami failed, answered
something else than a user name, or took longer than WHOAMI_WAIT_S).
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta

import httpx2

from hfmon.api.parse_billing import parse_whoami
from hfmon.api.parse_common import bad
from hfmon.clock import Clock
from hfmon.config import check_namespace
from hfmon.proxy import wire

log = logging.getLogger(__name__)

WHOAMI_WAIT_S = 10.0  # the whole lookup, however slowly its bytes come
WHOAMI_MAX_BYTES = 2 << 20  # as hfmon's own poll bounds whoami (api.hub.SMALL_BODY)
RETRY = timedelta(seconds=60)  # a failed lookup is tried again for a later request of the same token, not before
REMEMBERED = 1024  # tokens remembered at most; past it the oldest is forgotten (and looked up again if it comes back)


def name_of(lookup: asyncio.Future[str | None]) -> str | None:
    """The account name a finished lookup found; None when it failed or was cancelled (the proxy stopping)."""
    return None if lookup.cancelled() or lookup.exception() is not None else lookup.result()


class Callers:
    """The account behind each token the proxy has seen, from `GET {hub}/api/whoami-v2` with that token."""

    def __init__(self, hub: str, client: Callable[[], httpx2.AsyncClient], clock: Clock) -> None:
        self.url = f"{hub.rstrip('/')}/api/whoami-v2"
        self._client = client  # the proxy's own client, opened with its pool
        self._clock = clock
        self._key = secrets.token_bytes(32)
        self._seen: dict[bytes, tuple[asyncio.Task[str | None], datetime]] = {}  # keyed hash -> (lookup, started)

    def lookup(self, authorization: bytes | None) -> asyncio.Future[str | None]:
        """The account of the token in a request's Authorization header: a lookup under way or done (started now
        unless one for this token is, or succeeded, or failed less than RETRY ago). None without a header."""
        loop = asyncio.get_running_loop()
        if not authorization:
            nobody: asyncio.Future[str | None] = loop.create_future()
            nobody.set_result(None)
            return nobody
        digest = hashlib.blake2b(authorization, key=self._key, digest_size=16).digest()
        now = self._clock.now()
        seen = self._seen.get(digest)
        if seen is not None and not (seen[0].done() and name_of(seen[0]) is None
                                     and not timedelta(0) <= now - seen[1] <= RETRY):  # a clock set back: retry too
            return seen[0]
        self._seen.pop(digest, None)
        if len(self._seen) >= REMEMBERED:
            self._seen.pop(next(iter(self._seen)))
        task = loop.create_task(self._whoami(authorization))
        self._seen[digest] = (task, now)
        return task

    async def settle(self) -> None:
        """Wait for the lookups under way (each bounded by WHOAMI_WAIT_S), so that their rows are handed over."""
        pending = [task for task, _ in self._seen.values() if not task.done()]
        if pending:
            await asyncio.wait(pending)
        await asyncio.sleep(0)  # the rows' callbacks run after the lookups' own

    async def _whoami(self, authorization: bytes) -> str | None:
        try:
            async with asyncio.timeout(WHOAMI_WAIT_S):
                client = self._client()
                request = client.build_request("GET", self.url, headers=[(b"authorization", authorization)],
                                               timeout=WHOAMI_WAIT_S)
                resp = await client.send(request, stream=True)
                try:
                    resp.raise_for_status()
                    content = await wire.bounded(resp, WHOAMI_MAX_BYTES)
                finally:
                    await resp.aclose()
            name = parse_whoami(json.loads(content)).name
            try:
                return check_namespace(name)
            except ValueError:
                raise bad("whoami.name", "not a user name as Hugging Face spells them") from None
        except Exception as exc:  # noqa: BLE001 - any failure leaves the caller unknown, never someone's
            why = wire.why_unread(exc, WHOAMI_WAIT_S, WHOAMI_MAX_BYTES, "the whoami answer", "the Hub")
            log.warning("whose token made a request is unknown, so is whose account pays for it when it names no "
                        "org (X-HF-Bill-To): whoami could not be read: %s", why)
            return None
