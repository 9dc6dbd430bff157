"""`settings/repositories` has no cursor in HF's spec: one answer of at most `limit` rows. An answer as long as hfmon
asked for may leave repos out, so the storage summed from it is a lower bound, never a complete figure (audit 6 A1:
northwind read 10.00 TB private, complete, where it held 12.51 TB)."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from hfmon.api import hub
from hfmon.fakehub.faults import RouteFault
from hfmon.jsonout import report_document
from hfmon.schemas import once_schema
from hfmon.tui.app import HfmonApp
from tests.tui.demo import frozen_demo
from tests.tui.test_app import settle, text_of

# northwind (no billing access: its storage is the listing's sum) holds, largest first: transactions 515,075,988,537
# private, search-ui 1,679,344,152 private, classifier-v3 497,243,204 private, llm-eval 49,625,391 public. Asked for
# 3 rows, HF answers the first three and no next page.
NORTHWIND_FIRST_THREE = 515_075_988_537 + 1_679_344_152 + 497_243_204


async def test_a_listing_cut_at_the_limit_is_at_least_and_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub, "STORAGE_PAGE_LIMIT", 3)
    monitor, _ = frozen_demo(history=False)
    try:
        report = await monitor.poll()
    finally:
        monitor.close()
    doc = report_document(report)
    jsonschema.validate(doc, once_schema())
    storage = doc["storage"]
    by_ns = {n["namespace"]: n for n in storage["by_namespace"]}
    assert by_ns["northwind"]["private_bytes"] is None and by_ns["northwind"]["public_bytes"] is None
    # ada and ada-labs: usage/live's own figures, whole whatever the listing holds
    billed = by_ns["ada"]["private_bytes"] + by_ns["ada-labs"]["private_bytes"]
    assert storage["private_bytes"] == {"value": None, "at_least": billed + NORTHWIND_FIRST_THREE, "complete": False,
                                        "missing": ["storage_cut:northwind"]}
    assert storage["public_bytes"]["value"] is None and storage["public_bytes"]["missing"] == ["storage_cut:northwind"]
    assert doc["sources"]["storage:northwind"]["status"] == "ok"  # no failure: the rows read are kept
    assert "northwind/transactions" in {r.id for r in report.storage.repos}


async def test_the_storage_screen_says_what_the_cut_leaves_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(hub, "STORAGE_PAGE_LIMIT", 3)
    monitor, _ = frozen_demo(history=False)
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await pilot.pause()
        summary = text_of(app, "#storage-summary")
        assert "Private at least" in summary
        assert "not in it: repos past HF's one answer unread (northwind)" in summary


async def test_a_shorter_answer_is_whole() -> None:
    monitor, _ = frozen_demo(history=False)
    try:
        report = await monitor.poll()
    finally:
        monitor.close()
    northwind = next(n for n in report.storage.by_namespace if n.namespace == "northwind")
    assert northwind.private_bytes == NORTHWIND_FIRST_THREE and northwind.public_bytes == 49_625_391
    assert report.storage.private_bytes.complete


def with_a_fraction(body: Any) -> Any:
    """northwind's largest repo's size sent with half a byte."""
    for repo in body:
        if repo["id"] == "northwind/transactions":
            repo["storage"] = 515_075_988_537.5
    return body


def fraction() -> RouteFault:
    return RouteFault("/api/organizations/northwind/settings/repositories*", edit=with_a_fraction)


async def test_a_size_with_a_fraction_of_a_byte_is_unknown_never_cut() -> None:
    monitor, _ = frozen_demo(history=False)
    monitor.collector.client.fake.route_faults.append(fraction())
    try:
        report = await monitor.poll()
    finally:
        monitor.close()
    doc = report_document(report)
    jsonschema.validate(doc, once_schema())
    by_ns = {n["namespace"]: n for n in doc["storage"]["by_namespace"]}
    assert by_ns["northwind"]["private_bytes"] is None  # was 515,075,988,537 + the rest, complete
    private = doc["storage"]["private_bytes"]
    assert private["value"] is None and private["missing"] == ["storage_unsized:northwind"]
    billed = by_ns["ada"]["private_bytes"] + by_ns["ada-labs"]["private_bytes"]
    assert private["at_least"] == billed + NORTHWIND_FIRST_THREE - 515_075_988_537  # the other private repos
    assert [r["bytes"] for r in doc["storage"]["repos"] if r["id"] == "northwind/transactions"] == [None]


async def test_the_storage_screen_says_a_size_is_unknown() -> None:
    monitor, _ = frozen_demo(history=False)
    monitor.collector.client.fake.route_faults.append(fraction())
    app = HfmonApp(monitor, interval_s=3600, tick_s=3600)
    async with app.run_test(size=(140, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("5")
        await pilot.pause()
        summary = " ".join(text_of(app, "#storage-summary").split())
        assert "Private at least" in summary
        assert "not in it: a repo whose size HF sent with a fraction of a byte (northwind)" in summary
