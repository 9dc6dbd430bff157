"""A spend window's inference is HF's figure or unknown on its own (audit 10 G4): through the real `python -m hfmon
--once --json` against the demo fake on loopback, frozen at Nov 18 15:00. usage-v2 refusing the asks of one window
(400 "startDate must be within the last 45 days": only the 30 d window's previous, from Sep 19) used to make every
window's inference unknown (1 h, 24 h, 7 d, 30 d) and exit 1 "partial data" on every run. The true figures are the
fake's traffic (usage-v2's own rule: settled and placeholders), summed here, never hfmon's."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any

import pytest

from tests.faults.harness import Served

pytestmark = pytest.mark.e2e

USAGE_V2 = "/api/*/billing/usage-v2"  # the user's (settings/) and the orgs' (organizations/<ns>/)
NANO = Decimal("1e-9")


def _starting_before(at: datetime) -> Any:
    def when(query: Sequence[tuple[str, str]]) -> bool:
        start = dict(query).get("startDate", "")
        return start.isdigit() and datetime.fromtimestamp(int(start), UTC) < at
    return when


def _starting_at(at: datetime) -> Any:
    """The asks of the window starting at `at` (the poll asks at its own moment, a few seconds after the fake's)."""
    def when(query: Sequence[tuple[str, str]]) -> bool:
        start = dict(query).get("startDate", "")
        return start.isdigit() and at <= datetime.fromtimestamp(int(start), UTC) < at + timedelta(minutes=1)
    return when


def _true(served: Served, namespace: str, start: str, end: str) -> Decimal:
    lo, hi, now = datetime.fromisoformat(start), datetime.fromisoformat(end), served.hub.now()
    used = Decimal(served.hub.traffic.totals(namespace, lo, hi, now).used_nano_usd) * NANO
    return used.quantize(Decimal("0.000001"), ROUND_HALF_EVEN)


def _rows(doc: dict[str, Any], namespace: str) -> dict[tuple[str, str], dict[str, Any]]:
    return {(name, which): dict(row[which]) for name, window in doc["windows"].items()
            for row in window["namespaces"] if row["namespace"] == namespace for which in ("current", "previous")}


def test_one_refused_window_is_that_windows_unknown_and_the_others_are_hfs(served: Served) -> None:
    now = served.hub.now()
    served.fault(USAGE_V2, status=400, reason="startDate must be within the last 45 days",
                 when=_starting_before(now - timedelta(days=45)))
    run = served.run("--once", "--json", "--no-history")
    assert run.code == 0, run.stderr  # was 1: "partial data; failed sources: usage_windows:ada, …"
    doc = run.doc()
    assert doc["sources"]["usage_windows:ada"]["status"] == "ok"
    for ns in ("ada", "ada-labs"):
        rows = _rows(doc, ns)
        refused = rows.pop(("30d", "previous"))
        assert refused["inference_usd"] is None
        assert f"window_refused:{ns}" in refused["total_usd"]["missing"]
        assert f"usage_windows:{ns}" not in refused["total_usd"]["missing"]
        asked = {k: r for k, r in rows.items() if k[0] != "period"}
        assert len(asked) == 7
        for (name, which), row in asked.items():  # was null, "usage per window unread"
            assert Decimal(str(row["inference_usd"])) == _true(served, ns, row["start"], row["end"]), (name, which)
    hour = _rows(doc, "ada")[("1h", "current")]
    assert Decimal(str(hour["inference_usd"])) == Decimal("0.050356")  # the fake's traffic, 14:00-15:00


def test_a_window_that_failed_is_unknown_the_poll_partial_and_the_others_stand(served: Served) -> None:
    """A 503 on one window's ask (7 d's previous, from Nov 4 15:00 and the poll's seconds) is a failure, not HF's
    refusal: the poll's data is partial (exit 1, the source in error) and that window unread, the other windows HF's
    figures."""
    now = served.hub.now()
    served.fault(USAGE_V2, status=503, when=_starting_at(now - timedelta(days=14)))
    run = served.run("--once", "--json", "--no-history")
    assert run.code == 1 and "usage_windows:ada" in run.stderr
    doc = run.doc()
    assert doc["sources"]["usage_windows:ada"]["status"] == "error"
    rows = _rows(doc, "ada")
    failed = rows[("7d", "previous")]
    assert failed["inference_usd"] is None and "usage_windows:ada" in failed["total_usd"]["missing"]
    for key in (("1h", "current"), ("7d", "current"), ("30d", "previous")):
        row = rows[key]
        assert Decimal(str(row["inference_usd"])) == _true(served, "ada", row["start"], row["end"]), key
