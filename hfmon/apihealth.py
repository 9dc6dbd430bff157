"""Hugging Face's health as hfmon sees it: the outcome and latency of each of hfmon's own requests, per API.

`RequestLog` keeps them in memory for the life of the process (the transport records every request into it),
in hourly buckets per API, so memory stays bounded however long hfmon runs: at most `SAMPLES_PER_HOUR` latencies
per API and hour (past that, a uniform sample of them), 25 hours kept. `summarize` aggregates the last 24 hours
once; front ends only format its `ApiHealth` rows.

An answer counts as a success unless it is a 5xx or a 429; a timeout or a connection that fails counts as a
failure. Latency is the time to the response's headers, over the requests that got an answer.
"""

from __future__ import annotations

import random
from array import array
from dataclasses import dataclass, field
from datetime import datetime

from hfmon.stats import percentile

APIS = ("Hub", "billing", "Endpoints", "router")
WINDOW_HOURS = 24
SAMPLES_PER_HOUR = 2048
HOUR_S = 3600


@dataclass(frozen=True, slots=True)
class ApiHealth:
    """One API over the last 24 hours: how many requests, how many failed, and the latency of the answers."""

    api: str  # Hub | billing | Endpoints | router
    requests: int
    failed: int
    p50_ms: float | None  # None: no answer to measure
    p95_ms: float | None
    sampled: bool = False  # the percentiles come from a uniform sample (more answers than SAMPLES_PER_HOUR)

    @property
    def success_pct(self) -> float | None:
        """Share of requests that succeeded (None: no request)."""
        return None if not self.requests else (self.requests - self.failed) * 100 / self.requests


@dataclass(slots=True)
class _Hour:
    """One API's requests in one hour."""

    requests: int = 0
    failed: int = 0
    answers: int = 0  # requests that got an answer (whose latency counts)
    latencies_ms: array[float] = field(default_factory=lambda: array("d"))


class RequestLog:
    """The outcome of every request of this process, per API and hour (in memory, bounded)."""

    def __init__(self, seed: int = 0) -> None:
        self._hours: dict[tuple[str, int], _Hour] = {}
        self._random = random.Random(seed)

    def record(self, api: str, at: datetime, ok: bool, latency_ms: float | None) -> None:
        """One request: whether it succeeded, and how long its answer took (None: no answer)."""
        hour = int(at.timestamp() // HOUR_S)
        bucket = self._hours.get((api, hour))
        if bucket is None:
            bucket = self._hours[(api, hour)] = _Hour()
            self._forget(hour)
        bucket.requests += 1
        bucket.failed += 0 if ok else 1
        if latency_ms is None:
            return
        bucket.answers += 1
        if len(bucket.latencies_ms) < SAMPLES_PER_HOUR:
            bucket.latencies_ms.append(latency_ms)
        else:  # reservoir sampling: every answer of the hour equally likely to be kept
            slot = self._random.randrange(bucket.answers)
            if slot < SAMPLES_PER_HOUR:
                bucket.latencies_ms[slot] = latency_ms

    def _forget(self, hour: int) -> None:
        for key in [k for k in self._hours if k[1] <= hour - WINDOW_HOURS - 1]:
            del self._hours[key]

    def summarize(self, now: datetime) -> tuple[ApiHealth, ...]:
        """Each API that was asked anything in the last 24 hours (this hour and the 23 before it)."""
        current = int(now.timestamp() // HOUR_S)
        out = []
        for api in APIS:
            hours = [b for (a, h), b in self._hours.items() if a == api and current - WINDOW_HOURS < h <= current]
            requests = sum(b.requests for b in hours)
            if not requests:
                continue
            samples = [x for b in hours for x in b.latencies_ms]
            out.append(ApiHealth(api, requests, sum(b.failed for b in hours), percentile(samples, 50),
                                 percentile(samples, 95), any(b.answers > len(b.latencies_ms) for b in hours)))
        return tuple(out)
