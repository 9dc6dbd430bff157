"""Whatever JSON arrives, a parser returns a value or raises BadResponseError: never KeyError, TypeError, ..."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from hfmon.api import parse_billing as pb
from hfmon.api import parse_resources as pr
from hfmon.errors import BadResponseError
from tests.api import payloads as p

PARSERS: list[tuple[Callable[[Any], object], Any]] = [
    (pb.parse_whoami, p.WHOAMI),
    (lambda d: pb.parse_usage_v2(d, "a"), p.USAGE_V2),
    (lambda d: pb.parse_live(d, pb.parse_usage_v2(p.USAGE_V2, "a")), p.LIVE),
    (lambda d: pb.parse_statement(d, "a"), p.STATEMENT),
    (pb.parse_job_charges, p.JOB_CHARGES),
    (pb.parse_sessions, p.SESSIONS),
    (pb.parse_zero_gpu, {"base": 2400, "current": 1810, "resetsAt": "2026-09-30T09:12:03.000Z"}),
    (lambda d: pr.parse_endpoints(d, "a"), {"items": [p.ENDPOINT]}),
    (pr.parse_endpoint_catalog, p.PROVIDER),
    (lambda d: pr.parse_spaces(d, "a"), p.SPACES),
    (lambda d: pr.parse_jobs(d, "a"), [{"id": "j", "status": {"stage": "RUNNING"}, "durations": {"runningSecs": 3}}]),
    (lambda d: pr.parse_repos(d, "a"), [{"id": "r", "type": "model", "visibility": "private", "storage": 5}]),
    (pr.parse_hardware, p.HARDWARE),
    (pr.parse_router_models, p.ROUTER),
]

scalars = (st.none() | st.booleans() | st.integers(-10**30, 10**30) | st.floats(allow_nan=True)
           | st.sampled_from(["2026-08-01T00:00:00Z", "2026-13-01", "", "1e999", "NaN", "-0"]) | st.text(max_size=12))
json_values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=3), max_leaves=12)


NASTY: list[Any] = [None, True, -1, 0, 10**30, 1e300, float("inf"), float("nan"), -0.5, "x", "", "1e999",
                    "2026-13-01", [], {}, [{}], {"a": []}]


def paths(value: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    """Every key/index path inside a JSON value."""
    out: list[tuple[Any, ...]] = []
    items = value.items() if isinstance(value, dict) else enumerate(value) if isinstance(value, list) else ()
    for key, item in items:
        out.append((*prefix, key))
        out.extend(paths(item, (*prefix, key)))
    return out


def replaced(value: Any, path: tuple[Any, ...], new: Any, drop: bool = False) -> Any:
    """A copy of `value` with the item at `path` replaced by `new` (or removed)."""
    if not path:
        return new
    head, rest = path[0], path[1:]
    copy: Any = dict(value) if isinstance(value, dict) else list(value)
    if drop and not rest:
        del copy[head]
    else:
        copy[head] = replaced(value[head], rest, new, drop)
    return copy


def check(parse: Callable[[Any], object], data: Any) -> None:
    try:
        parse(data)
    except BadResponseError:
        pass


def test_every_parser_accepts_its_example() -> None:
    for parse, example in PARSERS:
        parse(example)


def test_every_field_dropped_or_replaced_by_a_nasty_value() -> None:
    """Exhaustive single mutations of each example: each key removed, each value swapped for a nasty one."""
    for parse, example in PARSERS:
        for path in paths(example):
            check(parse, replaced(example, path, None, drop=True))
            for nasty in NASTY:
                check(parse, replaced(example, path, nasty))


@settings(max_examples=200, deadline=None)
@given(st.integers(0, len(PARSERS) - 1), json_values)
def test_arbitrary_json_gives_values_or_bad_response(index: int, data: Any) -> None:
    check(PARSERS[index][0], data)
