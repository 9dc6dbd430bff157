"""End to end: `hfmon --once` (a cron job) on a machine whose clock was set back 1 h after an earlier run recorded
HF's figures (audit 7 C2). usage-v2 is asked up to the machine's time before any answer has dated HF's, so its figure
is HF's of an hour ago: below the one already recorded. It used to read lower, unsaid ($1.829567 after $1.875447,
fell $0.00); now the fall is said with why, and so is the clock (the `Date` of HF's answers). The loopback fake,
frozen; usage/live fails (as it may), so usage-v2's figure is the credits'. Figures are the fake's own traffic."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import jsonschema
import pytest

from hfmon.fakehub import FakeHub, demo_scenario
from hfmon.fakehub.faults import RouteFault
from hfmon.fakehub.server import serve
from hfmon.schemas import once_schema
from tests.cli.test_once_e2e import Served

pytestmark = pytest.mark.e2e
NOV_1 = datetime(2026, 11, 1, tzinfo=UTC)
AT_1530 = datetime(2026, 11, 18, 15, 30, tzinfo=UTC)


def usage_v2_used(hub: FakeHub, end: datetime) -> Decimal:
    """ada's used credits as usage-v2 counts them over [Nov 1, `end`) at the fake's time (placeholders included)."""
    return (Decimal(hub.traffic.totals("ada", NOV_1, end, hub.now()).used_nano_usd) * Decimal("1e-9")).quantize(
        Decimal("0.000001"))


def test_a_figure_below_one_recorded_by_a_later_clock_is_a_fall_and_the_clock_is_named(tmp_path: Path) -> None:
    moment = [AT_1530]
    hub = FakeHub(demo_scenario(seed=7), now=lambda: moment[0])
    hub.route_faults.append(RouteFault("*/billing/usage/live", status=500))
    with serve(hub, port=0) as server:
        served = Served(hub, server.base_url, tmp_path / "data")
        first = served.run("--once", "--json", "--namespace", "ada", frozen_clock=True).doc()
        read = Decimal(str(first["credits"]["used_usd"]))
        assert read == usage_v2_used(hub, AT_1530)
        assert not [f for f in first["flags"] if f["kind"] == "clock_skew"]

        moment[0] = AT_1530 + timedelta(minutes=10)  # HF's 15:40; the machine reads 14:40
        machine = moment[0] - timedelta(hours=1)
        doc = served.run("--once", "--json", "--namespace", "ada", clock_at=machine).doc()
        jsonschema.validate(doc, once_schema())
        c = doc["credits"]
        used = Decimal(str(c["used_usd"]))
        assert used == usage_v2_used(hub, machine) < read  # $1.829567 after $1.875447
        assert (Decimal(str(c["fell_usd"])), c["fell_since"]) == (read - used, "2026-11-18T15:30:00Z")
        skew = [f for f in doc["flags"] if f["kind"] == "clock_skew"]
        assert len(skew) == 1 and "1h behind Hugging Face's" in skew[0]["message"], doc["flags"]

        text = " ".join(served.run("--once", "--namespace", "ada", clock_at=machine).stdout.split())
        assert (f"used fell ${read - used:.2f} since Nov 18 15:30 (this machine's clock went "
                "back)") in text, text
        assert "this machine's clock is 1h behind Hugging Face's" in text
