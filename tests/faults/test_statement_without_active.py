"""A statement line without `active` (required by HF's spec) does not say whether it still accrues: a resource the
token cannot list whose line has not stopped may be billed now, so the running cost is partial, never complete."""

from __future__ import annotations

from typing import Any

import pytest

from tests.faults.harness import Served

pytestmark = pytest.mark.e2e


def _without_active(body: Any) -> Any:
    if isinstance(body, dict):
        if "product" in body:
            body.pop("active", None)
        for value in body.values():
            _without_active(value)
    elif isinstance(body, list):
        for item in body:
            _without_active(item)
    return body


def _hide_ada_labs(body: Any) -> Any:
    return [space for space in body if not space["id"].startswith("ada-labs/")]


def test_unlisted_spaces_whose_lines_do_not_say_active_leave_the_running_cost_partial(served: Served) -> None:
    served.fault("/api/spaces", edit=_hide_ada_labs)
    with_active = served.run("--once", "--json", "--no-history").doc()["running_cost_per_hour_usd"]
    unlisted = sorted(m for m in with_active["missing"] if m.startswith("unlisted:space ada-labs/"))
    assert unlisted, with_active  # the demo has ada-labs Spaces billed now: the token does not see them
    served.fault("/api/organizations/ada-labs/billing/usage", edit=_without_active)
    blind = served.run("--once", "--json", "--no-history").doc()["running_cost_per_hour_usd"]
    assert blind["value"] is None and blind["complete"] is False
    assert sorted(m for m in blind["missing"] if m.startswith("unlisted:space ada-labs/")) == unlisted
    assert blind["at_least"] == with_active["at_least"]
