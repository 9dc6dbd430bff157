"""How a poll went: each source's freshness (`SourceState`) and the poll as a whole (`Health`, `poll_health`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from hfmon.errors import Failure
from hfmon.models import SourceStatus


class Health(StrEnum):
    """How a poll went as a whole: the one decision `--once`'s exit code and the dashboard's polling follow."""

    OK = "ok"  # every source answered (a missing permission, or a cached answer not asked for again, counts)
    PARTIAL = "partial"  # some source failed; the rest is shown
    UNREACHABLE = "unreachable"  # no source answered this poll's request (a cached answer is none: `answered_now`)
    TOKEN_REJECTED = "token_rejected"  # HF rejected the token (401): every poll would fail the same way


@dataclass(frozen=True, slots=True)
class SourceState:
    """Freshness of one source, for the sources panel and the JSON."""

    name: str
    status: SourceStatus
    fetched_at: datetime | None
    age_s: int | None
    error: str | None
    hint: str | None
    http_status: int | None = None  # of the failed request: 401 tells a rejected token apart
    failure: Failure | None = None  # what happened to this poll's fetch (None: it answered)
    from_cache: bool = False  # not asked this poll: its value is a cached answer (a price list, whoami)
    read_in_part: str | None = None  # why it answered only part of what it lists (a listing cut at hfmon's bound)

    @property
    def kind(self) -> str:
        """What the source reads: `billing` of `billing:acme`, `account` of `account`."""
        return self.name.partition(":")[0]

    @property
    def scope(self) -> str:
        """The namespace a per-namespace source reads (`acme` of `billing:acme`), else ""."""
        return self.name.partition(":")[2]

    @property
    def answered(self) -> bool:
        """The source answered: with data, or by saying the token lacks a permission for it."""
        return self.status in (SourceStatus.OK, SourceStatus.NO_ACCESS)

    @property
    def answered_now(self) -> bool:
        """It answered a request of this poll: `answered`, and not a cached answer this poll did not ask for again (a
        price list or whoami read hours ago, a missing permission remembered) that says nothing of HF now."""
        return self.answered and not self.from_cache

    @property
    def stale(self) -> bool:
        """It failed this poll and what was read from it is its last good value (as old as `age_s`)."""
        return self.status is SourceStatus.STALE

    @property
    def value_missing(self) -> bool:
        """Nothing was read from it: it failed with no last good value, or the token may not read it."""
        return self.status in (SourceStatus.ERROR, SourceStatus.NO_ACCESS)

    @property
    def token_rejected(self) -> bool:
        """It failed because HF rejected the token. A 401 from one API while whoami accepted the token (a
        fine-grained token without that API's permission, an org's Endpoints) was already turned into NO_ACCESS
        by collect, so it does not count; whoami's own 401 does."""
        return not self.answered and (self.failure is Failure.REJECTED_TOKEN or self.http_status == 401)


def poll_health(sources: Sequence[SourceState]) -> Health:
    """Token rejected if any source says so; else unreachable if none answered this poll (`answered_now`: cached
    answers alone are no answer); else partial if one failed (a cached answer is no failure), else ok."""
    if any(s.token_rejected for s in sources):
        return Health.TOKEN_REJECTED
    if not any(s.answered_now for s in sources):
        return Health.UNREACHABLE
    return Health.PARTIAL if any(not s.answered for s in sources) else Health.OK
