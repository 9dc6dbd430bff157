"""Each flag names the sources it is computed from, and `Report.current_flags` leaves out a flag computed from a
source that failed this poll (its last good value): what the exporter serves. The flags stay in `Report.flags`
for the front ends that show a stale value as stale."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hfmon.config import Config
from hfmon.costs import evaluate
from hfmon.fakehub import demo_scenario
from hfmon.history import History
from hfmon.models import SourceResult, SourceStatus
from tests.costs.builders import at, billing, endpoint, flavor, namespace, paid, snapshot, space
from tests.costs.test_scenario import poll_report

NOW = at(20)


def stale(name: str, value: Any) -> SourceResult[Any]:
    """A source that failed this poll, holding the value read an hour before."""
    return SourceResult(name, SourceStatus.STALE, value, at(19, 23), "503 Service Unavailable")


def kinds(flags: Any) -> set[tuple[str, str]]:
    return {(f.kind, f.subject) for f in flags}


def test_a_flag_from_a_source_that_failed_this_poll_is_not_current() -> None:
    forgotten = space("alice/forgotten", sleep=None)
    pinned = endpoint("alice", "pinned", min_replica=1)
    snap = snapshot(namespace("alice", billing=stale("billing:alice", billing("alice", used="3", included="2")),
                              spaces=(forgotten,), statement=paid("alice", forgotten),
                              endpoints=stale("endpoints:alice", (pinned,))),
                    spaces_hw=(flavor("t4-small", "0.01", gpu=True),), taken_at=NOW)
    report = evaluate(snap, History(), Config(), NOW)
    assert kinds(report.flags) == {("credits_exhausted", "alice"), ("cannot_scale_to_zero", "alice/pinned"),
                                   ("no_sleep_time", "alice/forgotten")}
    assert {"billing:alice", "endpoints:alice"} <= set(report.flags_unchecked)
    # usage-v2 and the Endpoints listing failed this poll: only the Space's flag, read now, is current
    assert kinds(report.current_flags) == {("no_sleep_time", "alice/forgotten")}


async def test_every_flag_of_the_demo_names_sources_that_were_polled() -> None:
    report, _ = await poll_report(demo_scenario(), datetime(2026, 11, 18, 15, 0, tzinfo=UTC))
    polled = {s.name for s in report.sources}
    assert report.flags
    for flag in report.flags:
        assert flag.sources and set(flag.sources) <= polled, flag
    assert report.current_flags == report.flags  # every source they need answered
