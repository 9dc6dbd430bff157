"""Date-times as RFC 3339 (the spec's `format: date-time`) allows them fail no source: a lowercase `t` and `z`, and a
leap second (`:60`, read as the minute's last microsecond). Through the real `python -m hfmon --once --json` against
the demo account on loopback, every JSON route's date-times respelled."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest

from tests.faults.harness import Served

pytestmark = pytest.mark.e2e

DATE_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")
# on the minute but not midnight: a period's bounds stay midnight (a period ending at 23:59:60 is no period HF has)
ON_THE_MINUTE = re.compile(r"(\d{4}-\d\d-\d\dT(?!00:00)\d\d:\d\d):00(\.0+)?Z")


def respelled(change: Callable[[str], str]) -> Callable[[Any], Any]:
    """A JSON edit applying `change` to every string of the body that is a date-time as the fake writes it."""

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, list):
            return [walk(item) for item in value]
        return change(value) if isinstance(value, str) and DATE_TIME.fullmatch(value) else value

    return walk


def lowercase(text: str) -> str:
    return text.lower()  # `T` and `Z` are the only letters


def minute_before(text: str, spelling: str) -> str:
    """A time on the minute (not midnight) as `spelling` of the minute before it (a strftime format); others as
    they are."""
    found = ON_THE_MINUTE.fullmatch(text)
    if found is None:
        return text
    return f"{datetime.fromisoformat(found.group(1)) - timedelta(minutes=1):{spelling}}"


def leap_second(text: str) -> str:
    """A time on the minute as the previous minute's leap second, `…:59:60z` (seconds 60 of the minute before)."""
    return minute_before(text, "%Y-%m-%dt%H:%M:60z")


def last_microsecond(text: str) -> str:
    """The same instant as `leap_second` reads it, written as Python can: `…:59:59.999999Z`."""
    return minute_before(text, "%Y-%m-%dT%H:%M:59.999999Z")


def json_routes(served: Served) -> list[str]:
    """The routes a plain `--once` asks, but the live stream (an event stream, not a JSON body)."""
    served.hub.requests.clear()
    assert served.run("--once", "--json", "--no-history", HFMON_TEST_FAKE_FROZEN="1").code == 0
    return sorted({r.path for r in served.hub.requests if not r.path.endswith("/usage/live")})


def once(served: Served, change: Callable[[str], str] | None, routes: list[str]) -> dict[str, Any]:
    served.hub.route_faults.clear()
    if change is not None:
        for path in routes:
            served.fault(path, edit=respelled(change))
    run = served.run("--once", "--json", "--no-history", HFMON_TEST_FAKE_FROZEN="1")
    doc: dict[str, Any] = run.doc()
    assert all(s["status"] in ("ok", "no_access") for s in doc["sources"].values()), {
        name: s for name, s in doc["sources"].items() if s["status"] not in ("ok", "no_access")}
    return doc


def test_lowercase_t_and_z_read_as_their_uppercase_spelling_in_every_source(served: Served) -> None:
    routes = json_routes(served)
    assert "/api/jobs/ada" in routes and "/api/settings/billing/usage-v2" in routes
    plain = once(served, None, routes)
    assert once(served, lowercase, routes) == plain  # every figure, time and source the same


def test_a_leap_second_reads_as_the_last_microsecond_of_its_minute_in_every_source(served: Served) -> None:
    routes = json_routes(served)
    written = once(served, last_microsecond, routes)
    leap = once(served, leap_second, routes)
    assert leap == written
    job = next(j for j in leap["jobs"] if j["stage"] == "RUNNING")  # started at 14:25:00 in the fake: 14:24:60 here
    assert job["started_at"] == "2026-11-18T14:24:59Z"
