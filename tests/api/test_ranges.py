"""Every number is range-checked where it is parsed: an implausible value is a per-source error naming the field."""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from hfmon.api import parse_billing as pb
from hfmon.api import parse_resources as pr
from hfmon.errors import BadResponseError
from tests.api import payloads as p

Parse = Callable[[Any], object]
CASES: list[tuple[str, Any, Parse, Callable[[Any], None], str]] = [
    ("1e40 nano-USD used", p.USAGE_V2, lambda d: pb.parse_usage_v2(d, "alice"),
     lambda d: d["usage"]["inferenceProviders"].__setitem__("usedNanoUsd", 1e40), "usedNanoUsd"),
    ("negative credits", p.USAGE_V2, lambda d: pb.parse_usage_v2(d, "alice"),
     lambda d: d["usage"]["inferenceProviders"].__setitem__("includedNanoUsd", -2000000000), "includedNanoUsd"),
    ("jobs spend beyond 10^12 USD", p.USAGE_V2, lambda d: pb.parse_usage_v2(d, "alice"),
     lambda d: d["usage"]["jobs"].__setitem__("usedMicroUsd", 10**19), "usedMicroUsd"),
    ("negative statement total", p.STATEMENT, lambda d: pb.parse_statement(d, "alice"),
     lambda d: d["usage"]["spaces"][0].__setitem__("totalCostMicroUSD", -5883000000), "totalCostMicroUSD"),
    ("negative quantity", p.STATEMENT, lambda d: pb.parse_statement(d, "alice"),
     lambda d: d["usage"]["spaces"][0].__setitem__("quantity", -90), "quantity"),
    ("session cost of 2^63 cents", p.SESSIONS, pb.parse_sessions,
     lambda d: d["periods"][0]["sessions"][0].__setitem__("costCents", 2**63), "costCents"),
    ("replicas in the billions", {"items": [p.ENDPOINT]}, lambda d: pr.parse_endpoints(d, "alice"),
     lambda d: d["items"][0]["status"].__setitem__("targetReplica", 3_000_000_000), "targetReplica"),
    ("Space replicas of 2^63", p.SPACES, lambda d: pr.parse_spaces(d, "alice"),
     lambda d: d[0]["runtime"]["replicas"].__setitem__("current", 2**63), "replicas.current"),
    ("negative Space storage", p.SPACES, lambda d: pr.parse_spaces(d, "alice"),
     lambda d: d[0].__setitem__("usedStorage", -5_000_000_000), "usedStorage"),
    ("negative repo storage", [{"id": "alice/x", "type": "model", "visibility": "private", "storage": 10}],
     lambda d: pr.parse_repos(d, "alice"), lambda d: d[0].__setitem__("storage", -5), "storage"),
    ("an endpoint price of 1e40 USD/h", p.PROVIDER, pr.parse_endpoint_catalog,
     lambda d: d["vendors"][0]["regions"][0]["computes"][0].__setitem__("pricePerHour", 1e40), "pricePerHour"),
    ("a numeric string with 10,000 digits", p.STATEMENT, lambda d: pb.parse_statement(d, "alice"),
     lambda d: d["usage"]["spaces"][0].__setitem__("quantity", "9" * 10000), "quantity"),
]


@pytest.mark.parametrize(("payload", "parse", "change", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_an_implausible_value_is_an_error_naming_its_field(payload: Any, parse: Parse, change: Callable[[Any], None],
                                                           field: str) -> None:
    parse(payload)  # the untouched payload parses
    bad = copy.deepcopy(payload)
    change(bad)
    with pytest.raises(BadResponseError) as caught:
        parse(bad)
    message = caught.value.message
    assert field in message and ("is not a plausible" in message or "expected a number" in message), message


def test_plausible_edges_still_parse() -> None:
    """Fractions, zeros, absent optionals and the largest plausible amounts are accepted as sent."""
    data = copy.deepcopy(p.USAGE_V2)
    inference = data["usage"]["inferenceProviders"]
    inference["usedNanoUsd"] = 10**21  # exactly $10^12
    inference["includedNanoUsd"] = 0.5
    del inference["numRequests"]
    usage = pb.parse_usage_v2(data, "alice")
    assert usage.inference.used_usd == Decimal(10**12)
    assert usage.inference.included_usd == Decimal("0.5E-9")
    assert usage.inference.requests is None  # absent: unknown, never 0
    quota = pb.parse_zero_gpu({"base": 2400, "current": -30})  # over quota: remaining may dip below zero
    assert quota.remaining_s == -30
