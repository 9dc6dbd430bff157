"""End to end: a burst booked at placeholder value just before one end of the credits' rate window neither drops the
rate to $0/day nor multiplies it (audit 10 G2).

The demo account without discrepancies (seed 7); 200 Inference Providers requests billed to ada in the 2 minutes
before a poll, each $0.0003 (300,000 nano-USD) booked at the $0.01 placeholder until it settles 120 s later.
`hfmon --once --json --namespace ada` polls at Nov 17 14:30 and 14:45 and Nov 18 14:30 (hfmon's clock pinned to
the fake's), then the user runs `hfmon guard --max-projected-usd 3` and `--once --json` at Nov 18 15:00. The rate is
measured over [Nov 17 14:30, Nov 18 14:30).

The fake's own traffic, settled (`hub.traffic.totals`): ada's spend over that window is $0.112735 (demo traffic)
with the batch before it, $0.172735 with the batch inside it ($0.06 = 200 x $0.0003); used at 15:00 is $1.912048;
12.375 days are left, so the true projections are 1.912048 + 0.112735 x 12.375 = $3.31 and 1.912048 + 0.172735 x
12.375 = $4.05, and the $2.00 of credits run out Nov 19 09:43 and 03:13.

Before: the batch before the start made the start point read $3.689864 (its settled total $1.769264): end - start
< 0, the rate $0.00/day, projected $1.91 (the figure used), no run-out, and the guard said OK. The batch before the
end read $2.10/day, projected $27.92, credits out Nov 18 16:00. Each end is now the settlement seen after it (the
least reading up to the first at least 30 min later): Nov 17 14:30 at 14:45's $1.769705, Nov 18 14:30 at 15:00's
$1.912048, so the rate is off the true one by at most the spend between each end and that reading (`_slack`: $0.030
over [Nov 18 14:30, 15:00), the demo's traffic is busiest near 15:00, $0.0004 over [Nov 17 14:30, 14:45)).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from hfmon.fakehub import FakeHub, demo_scenario
from hfmon.fakehub.server import serve
from hfmon.fakehub.traffic import Routed
from tests.cli.test_once_e2e import Run, Served

pytestmark = pytest.mark.e2e

START, END = datetime(2026, 11, 17, 14, 30, tzinfo=UTC), datetime(2026, 11, 18, 14, 30, tzinfo=UTC)
NOW = datetime(2026, 11, 18, 15, 0, tzinfo=UTC)
PERIOD = datetime(2026, 11, 1, tzinfo=UTC)
NANO, MICRO = Decimal("1e-9"), Decimal("0.000001")
BATCH = 200


@contextmanager
def _polled(tmp_path: Path, batch_before: datetime, polls: tuple[datetime, ...] = (START, START + timedelta(minutes=15),
            END), now: datetime = NOW) -> Iterator[tuple[Served, FakeHub]]:
    clock = [START]
    hub = FakeHub(demo_scenario(seed=7, discrepancies=False), now=lambda: clock[0])
    first = int((batch_before - timedelta(minutes=2)).timestamp())
    for i in range(BATCH):  # spread over the 2 minutes before `batch_before`
        hub.traffic.record(Routed(first + i * 119 // BATCH, "ada", "meta-llama/Llama-3.3-70B-Instruct", "groq",
                                  300, 200, 300_000, None, 800))
    with serve(hub, port=0) as server:
        served = Served(hub, server.base_url, tmp_path / "data")
        for at in polls:
            clock[0] = at
            run = served.run("--once", "--json", "--namespace", "ada", frozen_clock=True)
            assert run.code in (0, 1), run.stderr
        clock[0] = now
        yield served, hub


def _settled(hub: FakeHub, start: datetime, end: datetime, now: datetime = NOW) -> Decimal:
    """ada's spend over [start, end) as the fake has settled it by `now`."""
    return (Decimal(hub.traffic.totals("ada", start, end, now).used_nano_usd) * NANO).quantize(MICRO)


def _slack(hub: FakeHub) -> float:
    """How far the rate may be off (USD/day): the spend between each end and the reading that showed it settled."""
    return float(_settled(hub, START, START + timedelta(minutes=15)) + _settled(hub, END, NOW))  # over a day


def _credits(run: Run) -> dict[str, object]:
    doc = run.doc()
    c = doc["credits"]
    found = c[0] if isinstance(c, list) else c
    assert isinstance(found, dict)
    return found


def test_a_burst_before_the_rate_windows_start_no_longer_reads_zero_and_the_guard_fails(tmp_path: Path) -> None:
    with _polled(tmp_path, START) as (served, hub):
        assert _settled(hub, START, END) == Decimal("0.112735")  # the batch settled before the window
        assert _settled(hub, PERIOD, NOW) == Decimal("1.912048")
        guard = served.run("guard", "--namespace", "ada", "--max-projected-usd", "3", frozen_clock=True)
        assert guard.code == 1, guard.stdout + guard.stderr  # was 0: "ok ... $1.91 (limit $3.00)"
        assert "FAIL" in guard.stdout and "projected Inference Providers usage this period (ada)" in guard.stdout
        c = _credits(served.run("--once", "--json", "--namespace", "ada", frozen_clock=True))
        assert (c["rate_measured_from"], c["rate_measured_to"]) == ("2026-11-17T14:30:00Z", "2026-11-18T14:30:00Z")
        assert c["rate_includes_unsettled"] is False
        rate, projected = c["projection_rate_usd_per_day"], c["projected_period_usd"]
        assert isinstance(rate, float) and isinstance(projected, float)
        assert abs(rate - 0.112735) <= _slack(hub)  # was 0.0
        assert abs(projected - 3.31) <= _slack(hub) * 12.375  # was 1.912048: the figure used, as if nothing more
        assert c["exhausts_at"] is not None  # was null: true Nov 19 09:43


def test_a_burst_before_the_rate_windows_end_is_no_false_run_out(tmp_path: Path) -> None:
    with _polled(tmp_path, END) as (served, hub):
        assert _settled(hub, START, END) == Decimal("0.172735")  # the batch's $0.06 is inside the window
        c = _credits(served.run("--once", "--json", "--namespace", "ada", frozen_clock=True))
        rate, projected, out = c["projection_rate_usd_per_day"], c["projected_period_usd"], c["exhausts_at"]
        assert isinstance(rate, float) and isinstance(projected, float) and isinstance(out, str)
        assert abs(rate - 0.172735) <= _slack(hub)  # was 2.10
        assert abs(projected - 4.05) <= _slack(hub) * 12.375  # was 27.92
        assert out >= "2026-11-19T00:00:00Z"  # was Nov 18 16:00; true Nov 19 03:13
        guard = served.run("guard", "--namespace", "ada", "--max-projected-usd", "10", frozen_clock=True)
        assert guard.code == 0, guard.stdout + guard.stderr  # was 1: a false FAIL at $27.92


def test_credits_already_run_out_are_dated_by_settled_spend_not_by_a_bursts_placeholders(tmp_path: Path) -> None:
    """The batch before Nov 18 14:30 made that point read $3.810917 of $2.00 (settled $1.88): the credits 'ran out by
    Nov 18 14:30' though they ran out at about Nov 18 17:18 (settled), first shown by the Nov 19 03:00 poll."""
    later = datetime(2026, 11, 19, 12, 0, tzinfo=UTC)
    crossed_by = datetime(2026, 11, 19, 3, 0, tzinfo=UTC)
    polls = (START, START + timedelta(minutes=15), END, NOW, crossed_by, datetime(2026, 11, 19, 11, 0, tzinfo=UTC))
    with _polled(tmp_path, END, polls, later) as (served, hub):
        assert _settled(hub, PERIOD, NOW, later) < 2 <= _settled(hub, PERIOD, crossed_by, later)  # ran out between
        c = _credits(served.run("--once", "--json", "--namespace", "ada", frozen_clock=True))
        assert c["used_usd"] == float(_settled(hub, PERIOD, later, later)) > 2
        assert c["exhausts_at"] == "2026-11-19T03:00:00Z"  # was 2026-11-18T14:30:00Z, before they ran out
        text = served.run("--once", "--namespace", "ada", frozen_clock=True).stdout
        assert "credits ran out by Nov 19 03:00" in text and "ran out by Nov 18" not in text


def test_pending_spend_is_counted_from_the_settled_point_not_hidden_by_a_bursts_placeholders(tmp_path: Path) -> None:
    """The 30 min old point (Nov 18 14:30) read $3.810917 with the batch's placeholders, above used now ($1.912048):
    'nothing pending: all of it is older than 30 min' (provisional 0.0; true: $0.030050 booked since 14:30, settled).
    Counted from its settlement (the 14:45 reading, $1.910413, itself holding the demo's last placeholders) it is
    $0.001635: no longer none, still at most what was booked in the last 30 min."""
    with _polled(tmp_path, END, (START, START + timedelta(minutes=15), END, END + timedelta(minutes=15))) as (
            served, hub):
        c = _credits(served.run("--once", "--json", "--namespace", "ada", frozen_clock=True))
        pending = c["provisional_usd"]
        assert isinstance(pending, float)
        assert 0 < pending <= _settled(hub, END, NOW) == Decimal("0.030050")  # was 0.0
        text = served.run("--once", "--namespace", "ada", frozen_clock=True).stdout
        assert "nothing pending" not in text and "of the last 30 min is provisional" in text
