"""End to end: an Endpoint listed without `minReplica` leaves the min-replica rule and flag unchecked, never
"holds" (audit 2, finding 30)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hfmon.fakehub.faults import RouteFault
from tests.cli.test_once_e2e import Served, fake

pytestmark = pytest.mark.e2e
__all__ = ["fake"]


def without_min_replica(listing: Any) -> Any:
    """ada-labs's endpoints as a listing that leaves out `compute.scaling.minReplica`."""
    for item in listing["items"]:
        item["compute"]["scaling"].pop("minReplica", None)
    return listing


def test_an_unknown_min_replica_is_unchecked_not_holding(fake: Callable[..., Served], tmp_path: Path) -> None:
    served = fake()
    policy = tmp_path / "policy.toml"
    policy.write_text('[policy]\nno_min_replica_in = ["ada-labs"]\n', encoding="utf-8")
    before = served.run("--once", "--json", "--no-history").doc()
    # qwen-prod keeps 2 replicas at min replica 2 in the demo account: flagged while its min replica is read
    assert any(f["kind"] == "cannot_scale_to_zero" and f["subject"] == "ada-labs/qwen-prod" for f in before["flags"])

    served.hub.route_faults.append(RouteFault("/v2/endpoint/ada-labs", edit=without_min_replica))
    check = served.run("check", "--no-history", "--policy", str(policy))
    assert check.code == 1, check.stdout + check.stderr
    assert "every rule holds" not in check.stdout
    assert "endpoint ada-labs/qwen-prod (its min replica is unknown)" in check.stdout
    doc = served.run("--once", "--json", "--no-history").doc()
    assert not any(f["subject"].startswith("ada-labs/") and f["kind"] == "cannot_scale_to_zero" for f in doc["flags"])
    assert "min_replica:ada-labs/qwen-prod" in doc["flags_unchecked"]
