"""Poll timing: how long a poll and each of its sources may take, how long the Collector's caches last, and when
the next poll goes (`hfmon.collect`)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta

from hfmon.models import Snapshot

HOURS = 3600.0
# usage-v2 is also asked what the period had used this long ago, at most every DAY_AGO_TTL_S: the start of the
# projection's trailing rate while history holds no usage total a day old (a new install, `--no-history`). A day
# and an hour: settled, and at least a day before any window end the rate may take (`credits.rate_window`).
DAY_AGO = timedelta(hours=25)
DAY_AGO_TTL_S = 1800.0


@dataclass
class CollectorSettings:
    """Timing knobs of a Collector."""

    deadline_s: float = 20.0
    """No poll runs longer than this; stalled sources are cut off at it."""
    source_timeout_s: float = 12.0
    """One source (all its pages and retries) gets at most this long."""
    identity_ttl_s: float = 6 * HOURS
    catalog_ttl_s: float = 6 * HOURS
    finished_jobs_ttl_s: float = 1 * HOURS
    """Finished jobs do not change: every poll asks only for running and scheduling ones, and the whole listing
    is read again after this long, or at once when a job seen active is active no more."""
    no_access_recheck_s: float = 15 * 60
    """A source that answered 403 is asked again only after this long (clock time)."""
    listings_ttl_s: float = 15 * 60
    """Models, datasets (downloads, likes) and org members change slowly: read at most this often."""
    model_info_ttl_s: float = 6 * HOURS
    """A model's size hardly changes: the info of a model an Endpoint serves is asked again after this long."""


def next_poll_delay(snapshot: Snapshot, base_s: float) -> float:
    """How long to wait before the next poll: `base_s`, longer when the rate limit would not last a poll."""
    remaining, reset = snapshot.rate_limit_remaining, snapshot.rate_limit_reset_s
    if remaining is not None and reset is not None and remaining < 2 * max(snapshot.requests_made, 1):
        return max(base_s, float(reset) + 1.0)
    return base_s


@contextmanager
def no_cyclic_gc() -> Iterator[None]:
    """No cyclic garbage collection during a poll (the collector as it was after it): a poll allocates in bursts, the
    answers its chains wait on, and the collections they set off landed there (5-10 ms of CPU a poll, 20 ms and more
    for a full one). Reference counting frees what a poll throws away; its few cycles are collected after it."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()
