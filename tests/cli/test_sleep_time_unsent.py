"""End to end: a Space runtime without `gcTimeout` (optional in HF's spec; null means "never sleeps") leaves its sleep
time unknown: no "never sleeps" flag, no policy breach, no advisor saving built on it (audit 3, finding 20: a false
breach, a flag and $550.77/month)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from hfmon.fakehub.faults import RouteFault
from tests.cli.test_once_e2e import Served, fake

pytestmark = pytest.mark.e2e
__all__ = ["fake"]


def without_sleep_time(ids: set[str]) -> Callable[[Any], Any]:
    def edit(listing: Any) -> Any:
        for space in listing:
            if space["id"] in ids:
                space["runtime"].pop("gcTimeout", None)
        return listing
    return edit


def test_a_sleep_time_hf_did_not_send_is_unknown_never_never(fake: Callable[..., Served], tmp_path: Path) -> None:
    served = fake()
    before = served.run("--once", "--json", "--no-history").doc()
    # GPU Spaces billed now that do sleep: what the rules would wrongly call "never sleeps" without gcTimeout
    sleepers = [s for s in before["spaces"] if s["sleep_time_s"] and s["stage"] == "RUNNING"
                and s["hardware"] not in (None, "cpu-basic") and s["cost_per_hour_usd"] != 0]
    assert sleepers, "the demo has a GPU Space billed now with a sleep time"
    ids = {s["id"] for s in sleepers}
    served.hub.route_faults.append(RouteFault("/api/spaces", edit=without_sleep_time(ids)))

    doc = served.run("--once", "--json", "--no-history").doc()
    rows = {s["id"]: s for s in doc["spaces"]}
    for sid in ids:
        assert rows[sid]["sleep_time_s"] is None and rows[sid]["sleep_time_why"] is not None
        assert not any(f["subject"] == sid and f["kind"] == "no_sleep_time" for f in doc["flags"])
        assert f"sleep_time:{sid}" in doc["flags_unchecked"]

    policy = tmp_path / "policy.toml"
    policy.write_text("[policy]\ngpu_space_max_sleep_s = 86400\n", encoding="utf-8")
    check = served.run("check", "--no-history", "--policy", str(policy))
    for sid in ids:
        assert f"space {sid} (its sleep time is unknown" in check.stdout
        assert "never sleeps" not in "\n".join(line for line in check.stdout.splitlines() if sid in line)
    advise = served.run("advise", "--no-history", "--json")
    advice = advise.doc()
    notes = " ".join(n["note"] for n in advice["not_judged"])
    for sid in ids:
        assert f"space {sid}: sleep time not judged" in notes
        assert not any(sid in json_text(f) and "sleep time of" in json_text(f) for f in advice["findings"])


def json_text(value: Any) -> str:
    import json

    return json.dumps(value)
