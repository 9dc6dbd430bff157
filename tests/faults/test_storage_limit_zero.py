"""usage/live's `privateStorageLimit: 0` is HF's "no limit given" (as `publicStorageLimit: 0` beside it), not a 0-byte
plan: the limit is unknown, the storage rule unchecked, no deletion advised. A positive limit, however small, is
HF's figure and is held to. Through the real `python -m hfmon` (`--once --json`, `check`, `advise`) against the demo
fake, whose live event for ada is sent with only that field changed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import pytest

from hfmon.schemas import once_schema
from tests.faults.harness import Served
from tests.faults.test_untold_counts import ADA_LIVE, as_event, live_usage

pytestmark = pytest.mark.e2e


def _with_limit(served: Served, limit: int) -> int:
    """ada's live event sent with `privateStorageLimit: limit`; returns its private bytes."""
    event = live_usage(served, ADA_LIVE)
    event["storage"]["privateStorageLimit"] = limit
    served.fault(ADA_LIVE, body=as_event(event))
    private: int = event["storage"]["usedPrivate"]
    return private


def _ada(doc: dict[str, Any]) -> dict[str, Any]:
    return next(n for n in doc["storage"]["by_namespace"] if n["namespace"] == "ada")


def _policy(tmp_path: Path) -> str:
    path = tmp_path / "policy.toml"
    path.write_text("[policy]\nprivate_storage_within_plan = true\n")
    return str(path)


def test_a_zero_private_storage_limit_is_unknown_not_a_zero_byte_plan(served: Served, tmp_path: Path) -> None:
    private = _with_limit(served, 0)
    assert private > 0  # ada holds private repos (24.4 GB in the demo): all of it would read "above the plan"
    doc = served.run("--once", "--json", "--no-history").doc()
    jsonschema.validate(doc, once_schema())
    ada = _ada(doc)
    # was: private_limit_bytes 0, over_bytes = every private byte
    assert ada["private_bytes"] == private and ada["private_limit_bytes"] is None and ada["over_bytes"] is None
    check = served.run("check", "--no-history", "--policy", _policy(tmp_path))
    assert "BROKEN" not in check.stdout and "hf repos delete" not in check.stdout, check.stdout
    assert "ada (its private storage or its plan's limit is unknown)" in check.stdout
    advise = served.run("advise", "--no-history")
    assert "$18.00/month" not in advise.stdout and "hf repos delete" not in advise.stdout, advise.stdout


def test_the_smallest_positive_limit_is_held_to(served: Served, tmp_path: Path) -> None:
    private = _with_limit(served, 1)
    doc = served.run("--once", "--json", "--no-history").doc()
    ada = _ada(doc)
    assert ada["private_limit_bytes"] == 1 and ada["over_bytes"] == private - 1
    check = served.run("check", "--no-history", "--policy", _policy(tmp_path))
    assert check.code == 1 and "BROKEN" in check.stdout and "storage ada" in check.stdout, check.stdout
