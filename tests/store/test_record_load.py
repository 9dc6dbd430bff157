"""Recording snapshots and loading them back: exact values, deduplication, freshness rules."""

from __future__ import annotations

import threading
from datetime import UTC, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from hfmon.costs.billing_rules import BETWEEN_POLLS_STATE as BETWEEN
from hfmon.costs.billing_rules import BETWEEN_POLLS_STATES, BILLED_BETWEEN_POLLS_STATE
from hfmon.history import GONE, PollRun, StateChange, UsagePoint
from hfmon.store import HistoryStore
from tests.store.builders import (
    PERIOD_START,
    T0,
    billing,
    endpoint,
    job,
    minutes,
    namespace,
    snapshot,
    space,
)

US = timedelta(microseconds=1)  # a `BETWEEN` stretch starts 1 µs after the poll that last saw the old state


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    with HistoryStore.open(tmp_path / "history.sqlite3") as opened:
        yield opened


def test_round_trip_is_exact(store: HistoryStore) -> None:
    at = T0 + timedelta(microseconds=7)
    store.record(snapshot(
        at,
        namespace("alice", usage=billing("alice", "12.345678901234567", jobs="0.000000001"),
                  endpoints=[endpoint("alice", "llama", state="initializing", ready=0, target=3),
                             endpoint("alice", "odd", vendor=None, instance_type=None, size=None)],
                  spaces=[space("alice/demo", hardware=None, requested="a10g-small", current=2, wanted=2)],
                  jobs=[job("6721abc", stage="RUNNING", flavor="a100-large")]),
        namespace("acme", usage=billing("acme", "0")),
    ))
    history = store.load(T0 - timedelta(days=1))
    assert set(history.usage) == {
        UsagePoint("alice", at, PERIOD_START, Decimal("12.345678901234567"), Decimal("0.000000001")),
        UsagePoint("acme", at, PERIOD_START, Decimal("0"), None),
    }
    assert set(history.changes) == {
        StateChange("endpoint", "alice/llama", at, "initializing", "aws/nvidia-a10g/x1", 3),
        StateChange("endpoint", "alice/odd", at, "running", None, 1),
        StateChange("space", "alice/demo", at, "RUNNING", "a10g-small", 2),
        StateChange("job", "6721abc", T0, "RUNNING", "a100-large", 1),  # at the start the Job gives
    }
    assert all(p.at.tzinfo == UTC and p.at.microsecond == T0.microsecond + 7 for p in history.usage)
    assert [(p.namespace, str(p.inference_used_usd)) for p in history.usage] == [
        ("acme", "0"), ("alice", "12.345678901234567")]  # every digit kept as written


def test_unchanged_polls_add_nothing_until_the_hourly_usage_point(store: HistoryStore) -> None:
    def poll(at_minute: float, used: str = "1.50", state: str = "running") -> None:
        store.record(snapshot(minutes(at_minute), namespace(
            "alice", usage=billing("alice", used),
            endpoints=[endpoint("alice", "a", state=state), endpoint("alice", "b")],
            spaces=[space("alice/s")])))

    for m in range(0, 30):
        poll(m)
    poll(30, used="1.5")  # the same amount written differently is not a change
    poll(31, state="paused")
    for m in range(32, 70):
        poll(m, state="paused")
    history = store.load(T0 - timedelta(days=1))
    assert [p.at for p in history.usage] == [minutes(0), minutes(60)]  # the hourly keep-alive point
    assert [(c.resource, c.at, c.state) for c in history.changes] == [
        ("alice/a", minutes(0), "running"),
        ("alice/b", minutes(0), "running"),
        ("alice/s", minutes(0), "RUNNING"),
        ("alice/a", minutes(30) + US, BETWEEN),  # it stopped some time after the minute-30 poll (no time given)
        ("alice/a", minutes(31), "paused"),
    ]


def test_a_changed_total_or_replica_count_is_recorded(store: HistoryStore) -> None:
    store.record(snapshot(minutes(0), namespace("alice", usage=billing("alice", "1"),
                                                endpoints=[endpoint("alice", "a", ready=1)])))
    store.record(snapshot(minutes(1), namespace("alice", usage=billing("alice", "1.01"),
                                                endpoints=[endpoint("alice", "a", ready=2)])))
    store.record(snapshot(minutes(2), namespace("alice", usage=billing("alice", "1.01", jobs="0.5"),
                                                endpoints=[endpoint("alice", "a", ready=2, size="x4")])))
    history = store.load(T0)
    assert [(p.inference_used_usd, p.jobs_used_usd) for p in history.usage] == [
        (Decimal("1"), None), (Decimal("1.01"), None), (Decimal("1.01"), Decimal("0.5"))]
    assert [(c.at, c.state, c.replicas, c.hardware) for c in history.changes] == [
        (minutes(0), "running", 1, "aws/nvidia-a10g/x1"),
        # 1 -> 2 replicas, both billing on one hardware: billed all through, the fewer replicas at least
        (minutes(0) + US, BILLED_BETWEEN_POLLS_STATE, 1, "aws/nvidia-a10g/x1"),
        (minutes(1), "running", 2, "aws/nvidia-a10g/x1"),
        # other hardware, both sides billing: on both (no catalog prices it: audit 9 F2), $0 certain
        (minutes(1) + US, BETWEEN, 2, "aws/nvidia-a10g/x1 -> aws/nvidia-a10g/x4"),
        (minutes(2), "running", 2, "aws/nvidia-a10g/x4")]


def test_stale_and_failed_sources_are_not_recorded(store: HistoryStore) -> None:
    store.record(snapshot(minutes(0), namespace("alice", usage=billing("alice", "1"),
                                                endpoints=[endpoint("alice", "a")], spaces=[space("alice/s")])))
    # Billing and endpoints are stale (old values), Spaces failed: nothing new is known.
    store.record(snapshot(minutes(90), namespace(
        "alice", usage=billing("alice", "9"), endpoints=[endpoint("alice", "a", state="paused")], spaces=None,
        stale=("billing", "endpoints"))))
    history = store.load(T0)
    assert [p.at for p in history.usage] == [minutes(0)]
    assert [(c.resource, c.state) for c in history.changes] == [("alice/a", "running"), ("alice/s", "RUNNING")]


def test_load_includes_the_last_row_before_since(store: HistoryStore) -> None:
    store.record(snapshot(minutes(0), namespace("alice", usage=billing("alice", "1"),
                                                endpoints=[endpoint("alice", "a")], jobs=[job("j1")])))
    store.record(snapshot(minutes(10), namespace("alice", usage=billing("alice", "2"),
                                                 endpoints=[endpoint("alice", "a", state="paused")],
                                                 jobs=[job("j1")])))
    store.record(snapshot(minutes(20), namespace("alice", usage=billing("alice", "3"),
                                                 endpoints=[endpoint("alice", "a")], jobs=[job("j1")])))
    history = store.load(minutes(15))
    assert [(p.at, p.inference_used_usd) for p in history.usage] == [
        (minutes(10), Decimal("2")), (minutes(20), Decimal("3"))]
    assert history.changes_of("endpoint", "alice/a") == (
        # paused at 10, running again some time after it (no time given): the state when the window opens
        StateChange("endpoint", "alice/a", minutes(10) + US, BETWEEN, "aws/nvidia-a10g/x1", 1),
        StateChange("endpoint", "alice/a", minutes(20), "running", "aws/nvidia-a10g/x1", 1),
    )
    assert [c.at for c in history.changes_of("job", "j1")] == [minutes(0)]  # its state when the window opens
    assert [c.at for c in history.changes] == sorted(c.at for c in history.changes)


def test_a_late_snapshot_from_another_process_is_placed_in_time(store: HistoryStore) -> None:
    store.record(snapshot(minutes(0), namespace("alice", endpoints=[endpoint("alice", "a")])))
    store.record(snapshot(minutes(10), namespace("alice", endpoints=[endpoint("alice", "a", state="paused")])))
    # A snapshot taken at minute 5 arrives last: it saw the endpoint still running, which adds nothing.
    store.record(snapshot(minutes(5), namespace("alice", endpoints=[endpoint("alice", "a")])))
    # One taken at minute 7 saw it failed: a real transition, placed between the two.
    store.record(snapshot(minutes(7), namespace("alice", endpoints=[endpoint("alice", "a", state="failed")])))
    # (the stretch from the minute-0 poll to the minute-10 one was recorded as `BETWEEN`; the late polls narrow it)
    assert [(c.at, c.state) for c in store.load(T0).changes if c.state not in BETWEEN_POLLS_STATES] == [
        (minutes(0), "running"), (minutes(5), "running"), (minutes(7), "failed"), (minutes(10), "paused")]
    # The latest state is still the minute-10 one: a poll that sees "paused" again adds nothing.
    store.record(snapshot(minutes(11), namespace("alice", endpoints=[endpoint("alice", "a", state="paused")])))
    assert len(store.load(T0).changes) == 5


def test_nothing_but_the_recorded_figures_reaches_the_file(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    secret = "hf_SECRETtokenvalue123"
    with HistoryStore.open(path) as store:
        store.record(snapshot(minutes(0), namespace(
            "alice", usage=billing("alice", "1"),
            endpoints=[endpoint("alice", "a", url=f"https://x.endpoints.huggingface.cloud/?t={secret}")]),
            account_name=secret))
    written = b"".join(p.read_bytes() for p in tmp_path.iterdir())
    assert secret.encode() not in written
    assert b"alice/a" in written  # the scan does see recorded text


def test_naive_times_are_refused(store: HistoryStore) -> None:
    with pytest.raises(ValueError, match="naive"):
        store.load(T0.replace(tzinfo=None))


def test_threads_may_share_one_store(store: HistoryStore) -> None:
    def poll(name: str) -> None:
        for i in range(40):
            store.record(snapshot(minutes(i), namespace(name, usage=billing(name, str(i)),
                                                        endpoints=[endpoint(name, "a", ready=i % 3 + 1)])))

    threads = [threading.Thread(target=poll, args=(name,)) for name in ("alice", "acme")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    history = store.load(T0)
    assert len(history.usage) == 80
    # each change after a poll's stretch (`BETWEEN`, or its billed-on-both-sides kind)
    assert len([c for c in history.changes if c.state not in BETWEEN_POLLS_STATES]) == 80
    assert len(history.changes) == 80 + 2 * 39


def test_a_resource_missing_from_a_fresh_listing_is_recorded_as_gone(store: HistoryStore) -> None:
    both = [endpoint("alice", "a"), endpoint("alice", "b")]
    store.record(snapshot(minutes(0), namespace("alice", endpoints=both, jobs=[job("j1")]),
                          namespace("acme", endpoints=[endpoint("acme", "c")])))
    # A stale endpoints listing and a failed jobs listing say nothing about deletions; nor does acme's absence.
    store.record(snapshot(minutes(1), namespace("alice", endpoints=[endpoint("alice", "a")], stale=("endpoints",))))
    store.record(snapshot(minutes(2), namespace("alice", endpoints=[endpoint("alice", "a")])))  # b deleted
    store.record(snapshot(minutes(3), namespace("alice", endpoints=[endpoint("alice", "a")])))
    store.record(snapshot(minutes(9), namespace("alice", endpoints=both)))  # b created again
    history = store.load(T0)
    # deleted some time after the last fresh listing that held it (minute 0), created again after minute 3's
    assert [(c.at, c.state, c.hardware, c.replicas) for c in history.changes_of("endpoint", "alice/b")] == [
        (minutes(0), "running", "aws/nvidia-a10g/x1", 1), (minutes(0) + US, BETWEEN, "aws/nvidia-a10g/x1", 1),
        (minutes(2), GONE, None, 0), (minutes(3) + US, BETWEEN, "aws/nvidia-a10g/x1", 1),
        (minutes(9), "running", "aws/nvidia-a10g/x1", 1)]
    assert len(history.changes_of("endpoint", "alice/a")) == 1
    assert len(history.changes_of("endpoint", "acme/c")) == 1
    assert len(history.changes_of("job", "j1")) == 1


def test_poll_times_are_kept_as_runs_of_polls_no_more_than_the_break_apart(tmp_path: Path) -> None:
    with HistoryStore.open(tmp_path / "h.sqlite3") as store:
        for at in (0, 10, 14, 40, 45, 12):  # minute 12 comes late, from another process: it changes nothing
            store.record(snapshot(minutes(at), namespace("alice", endpoints=[endpoint("alice", "a")])))
        store.record(snapshot(minutes(50), namespace("alice")))  # no listing answered: not a poll that saw anything
        runs = store.load(minutes(0)).poll_runs
        later = store.load(minutes(41)).poll_runs
    # 14 -> 40 is 26 minutes, more than the 15-minute break: a new run
    assert runs == (PollRun(minutes(0), minutes(14), 600.0), PollRun(minutes(40), minutes(45), 300.0))
    assert later == runs[1:]
    assert runs[0].max_gap_s == (minutes(10) - minutes(0)).total_seconds()
