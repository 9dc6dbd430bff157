"""Model sizes across polls: each model's weights kept for a while, and asked for at most once per poll however
many namespaces' Endpoints serve it (the `models` sources of `hfmon.collect`)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from hfmon.clock import Clock
from hfmon.modelinfo import ModelWeights

if TYPE_CHECKING:
    from hfmon.api.hub import HubClient


class WeightsCache:
    """The weights of the models read by earlier polls, and this poll's requests for them."""

    def __init__(self, client: HubClient, clock: Clock) -> None:
        self.client = client
        self.clock = clock
        self._read: dict[str, tuple[datetime, ModelWeights]] = {}  # repo id -> (fetched at, weights)
        self._asked: dict[str, asyncio.Task[ModelWeights]] = {}  # this poll's model infos under way

    @contextmanager
    def poll(self) -> Iterator[None]:
        """One poll: its requests start afresh, and end with it (none outlives a cancelled or timed-out poll)."""
        self._asked = {}
        try:
            yield
        finally:
            for task in self._asked.values():
                task.cancel()

    def fresh(self, repos: Sequence[str], ttl_s: float) -> dict[str, ModelWeights]:
        """The cached weights of `repos` younger than `ttl_s`."""
        now = self.clock.now()
        return {repo: weights for repo, (at, weights) in self._read.items()
                if repo in repos and 0 <= (now - at).total_seconds() < ttl_s}

    async def weights_of(self, repos: Sequence[str], ttl_s: float) -> tuple[ModelWeights, ...]:
        """Each model's weights, from the cache when younger than `ttl_s`, else asked for (at once).
        What was read is kept even when another model's request failed; that failure then fails the source."""
        known = self.fresh(repos, ttl_s)
        missing = [repo for repo in repos if repo not in known]
        answers = await asyncio.gather(*(self.once(repo) for repo in missing), return_exceptions=True)
        failure: BaseException | None = None
        for repo, answer in zip(missing, answers, strict=True):
            if isinstance(answer, ModelWeights):
                self._read[repo] = (self.clock.now(), answer)
                known[repo] = answer
            elif failure is None or not isinstance(answer, Exception):
                failure = answer
        if failure is not None:
            raise failure
        return tuple(known[repo] for repo in repos)

    async def once(self, repo: str) -> ModelWeights:
        """One model's weights, asked for once per poll however many namespaces' Endpoints serve it. The request
        belongs to the poll, not to the namespace that asked first: one namespace's timeout cancels its wait only."""
        task = self._asked.get(repo)
        if task is None:
            task = self._asked[repo] = asyncio.ensure_future(self.client.model_weights(repo))
            task.add_done_callback(_retrieved)
        return await asyncio.shield(task)


def _retrieved(task: asyncio.Task[Any]) -> None:
    """Mark a shared request's failure as seen (every namespace that waited for it may have given up first)."""
    if not task.cancelled():
        task.exception()
