"""The one whole-number reader (`parse_common.integer`): an integral float is that integer; a count with a fraction
is unknown (None), a measure kept in whole units (seconds, minutes) is rounded; out of bound or not a number is a
BadResponseError naming the field, as before."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from hfmon.api.parse_common import BYTES, COUNT, REPLICAS, SECONDS, Bound, integer, opt_int
from hfmon.api.parse_models import parse_model_weights
from hfmon.api.parse_resources import parse_jobs, parse_spaces
from hfmon.errors import BadResponseError

WHOLE = st.integers(0, 2**53)  # every one of them a float holds exactly


@given(WHOLE, st.sampled_from([None, COUNT, BYTES, SECONDS]))
def test_an_integral_float_is_that_integer(value: int, bound: Bound | None) -> None:
    if bound is None or value <= bound.high:
        assert integer(float(value), "n", bound) == integer(value, "n", bound) == value
    else:
        with pytest.raises(BadResponseError, match="is not a plausible"):
            integer(float(value), "n", bound)


@given(st.integers(0, 10**6), st.sampled_from([0.25, 0.5, 0.75]))
def test_a_count_with_a_fraction_is_unknown_and_a_measure_is_rounded(value: int, fraction: float) -> None:
    sent = value + fraction
    assert integer(sent, "n", COUNT) is None and integer(sent, "n", REPLICAS if value <= 10**4 else None) is None
    assert opt_int({"n": sent}, "n", "item", COUNT) is None
    assert integer(sent, "n", SECONDS) == round(Decimal(repr(sent)))


@pytest.mark.parametrize("sent", [True, "many", float("nan"), -1.0, 1e30])
def test_what_is_no_count_at_all_is_still_a_bad_response(sent: object) -> None:
    with pytest.raises(BadResponseError, match="item.n"):
        opt_int({"n": sent}, "n", "item", COUNT)


def test_a_space_replica_count_as_a_float() -> None:
    def space(replicas: object) -> dict[str, object]:
        return {"id": "a/s", "runtime": {"stage": "RUNNING", "replicas": {"requested": replicas, "current": 1}}}

    assert parse_spaces([space(2.0)], "a")[0].replicas_requested == 2  # was None: "unknown"
    assert parse_spaces([space(2.5)], "a")[0].replicas_requested is None
    with pytest.raises(BadResponseError, match="replicas.requested: 10001.0 is not a plausible"):
        parse_spaces([space(10_001.0)], "a")


def test_exposed_ports_as_floats() -> None:
    def job(ports: list[object]) -> dict[str, object]:
        return {"id": "j", "status": {"stage": "RUNNING"}, "expose": {"ports": ports}}

    assert parse_jobs([job([7860.0, 8000])], "a")[0].exposed_ports == (7860, 8000)  # was a failed Jobs listing
    odd = parse_jobs([job([7860.5])], "a")[0]
    assert odd.exposed_ports == (None,) and odd.exposed  # an unknown port, still exposed (billed per job)
    with pytest.raises(BadResponseError, match=r"jobs\[0\]\.expose\.ports\[0\]: 70000.0 is not a plausible port"):
        parse_jobs([job([70000.0])], "a")


def test_a_parameter_count_with_a_fraction_says_why_the_weights_are_unknown() -> None:
    whole = parse_model_weights({"safetensors": {"parameters": {"BF16": 8.0e9}}}, "m")
    assert whole.parameters == (("BF16", 8_000_000_000),)
    odd = parse_model_weights({"safetensors": {"parameters": {"BF16": 8.5, "F32": 2}}}, "m")
    assert odd.parameters is None  # 8.5 was 8 (half to even): a size figured from a count HF never gave
    assert odd.unknown_reason == "the Hub's parameter count of 'BF16' has a fraction: no count"
