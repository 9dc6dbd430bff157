"""A namespace's Jobs, read with one listing per poll: the active ones on their own, the finished ones from a whole
listing read at most every `finished_jobs_ttl_s` (a Job that has just ended reads it again)."""

from __future__ import annotations

from datetime import datetime

from hfmon.api.hub import HubClient
from hfmon.clock import Clock
from hfmon.models import Job, SourceResult
from hfmon.poll_timing import CollectorSettings

ACTIVE_JOB_STAGES = ("RUNNING", "SCHEDULING")


class JobsReader:
    """The Collector's Jobs listings and what it keeps of them between polls, per namespace."""

    def __init__(self, client: HubClient, clock: Clock, settings: CollectorSettings) -> None:
        self.client = client
        self.clock = clock
        self.settings = settings
        # namespace -> its last whole listing of Jobs: when, its finished Jobs, why it was cut (None: it was not)
        self._finished: dict[str, tuple[datetime, tuple[Job, ...], str | None]] = {}
        self.listed_at: dict[str, datetime] = {}  # namespace -> its last whole listing, when not this poll's
        self.cut: dict[str, str] = {}  # namespace -> why this poll's Jobs hold only some of the finished ones

    async def read(self, ns: str, previous: SourceResult[tuple[Job, ...]] | None) -> tuple[Job, ...]:
        """A namespace's jobs: the active ones (`stage` filter), plus the finished ones from a whole listing read at
        most every `finished_jobs_ttl_s`, or again when a job has just ended. A whole listing cut at hfmon's bound
        (`JobListing.cut`, said in `cut`) keeps the finished Jobs it read; the active ones are then listed on their
        own, whole (the running cost and the flags need every one)."""
        cached = self._finished.get(ns)
        now = self.clock.now()
        self.cut.pop(ns, None)  # said again below when this poll's Jobs are a cut listing's
        if cached is not None:  # until this poll lists every Job (a failed listing lists none)
            self.listed_at[ns] = cached[0]
        if cached is not None and 0 <= (now - cached[0]).total_seconds() < self.settings.finished_jobs_ttl_s:
            active = await self.client.jobs(ns, ACTIVE_JOB_STAGES)
            ids = {j.id for j in active}
            was_active = {j.id for j in (previous.value if previous is not None else None) or ()
                          if j.stage in ACTIVE_JOB_STAGES}
            if was_active <= ids:
                if cached[2] is not None:
                    self.cut[ns] = cached[2]
                return _merged(active, cached[1])
        listing = await self.client.every_job(ns)
        finished = tuple(j for j in listing.jobs if j.stage not in ACTIVE_JOB_STAGES)
        every = listing.jobs if listing.cut is None else \
            _merged(await self.client.jobs(ns, ACTIVE_JOB_STAGES), finished)
        self.listed_at.pop(ns, None)
        if listing.cut is not None:
            self.cut[ns] = f"{listing.cut}: the ended Jobs past them are not counted (the running ones all are)"
        self._finished[ns] = (now, finished, self.cut.get(ns))
        return every


def _merged(active: tuple[Job, ...], finished: tuple[Job, ...]) -> tuple[Job, ...]:
    """The active Jobs of a listing of their own, with the finished ones of a whole listing that it does not hold, in
    the listing's own order."""
    ids = {j.id for j in active}
    return tuple(sorted(active + tuple(j for j in finished if j.id not in ids), key=_newest_first))


def _newest_first(job: Job) -> float:
    return -job.created_at.timestamp() if job.created_at is not None else 0.0
