"""A spend window's inference of a namespace whose billing the token may not read is unknown for that, never blamed
on history (audit 10 G10): northwind (the demo's org without billing access) polled every 10 min for 2 h 10 min to
Nov 18 15:00 read 1 h `inference_usd null` with `history:northwind` as the only why, "not in it: history unread
(northwind)", while history covered northwind whole (its Endpoints part read from it)."""

from __future__ import annotations

from datetime import timedelta

from hfmon.format import missing_note
from hfmon.jsonout import report_document
from tests.tui.demo import frozen_demo

NORTHWIND = "northwind"


async def test_a_namespace_whose_billing_is_refused_names_its_usage_not_history() -> None:
    monitor, clock = frozen_demo(history=True)
    end = clock.now()
    try:
        clock.at = end - timedelta(minutes=130)
        while True:
            report = await monitor.poll()
            if clock.now() >= end:
                break
            clock.at = clock.now() + timedelta(minutes=10)
    finally:
        monitor.close()
    doc = report_document(report)
    assert doc["sources"][f"billing:{NORTHWIND}"]["status"] == "no_access"
    (row,) = [n["current"] for n in doc["windows"]["1h"]["namespaces"] if n["namespace"] == NORTHWIND]
    assert row["inference_usd"] is None
    assert row["endpoints_usd"] is not None  # history covers northwind's hour
    missing = row["total_usd"]["missing"]
    assert f"billing:{NORTHWIND}" in missing and f"history:{NORTHWIND}" not in missing  # was history only
    (whole,) = [w for w in report.windows if w.window == "1h" and w.namespace == NORTHWIND]
    note = missing_note(whole.current.total_usd(NORTHWIND), 3)
    assert "usage unread (northwind)" in note and "history" not in note
