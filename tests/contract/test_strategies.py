"""The payload generator itself: whatever it produces, the spec's schema accepts (else the property tests lie)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.contract.spec import problems, response_schema, spec
from tests.contract.strategies import from_schema

SCHEMA_PATHS = [p for p in spec()["paths"] if response_schema(p) is not None]


def test_the_vendored_spec_says_where_and_when_it_came_from() -> None:
    doc = spec()
    assert doc["openapi"].startswith("3.1")
    assert "hf-openapi.json" in doc["x-hfmon-source"] and len(doc["x-hfmon-source-sha256"]) == 64
    assert doc["x-hfmon-extracted-on"][:2] == "20"


@pytest.mark.parametrize("wild", [False, True], ids=["realistic", "wild"])
@pytest.mark.parametrize("path", SCHEMA_PATHS)
def test_generated_payloads_validate_against_their_schema(path: str, wild: bool) -> None:
    schema = response_schema(path)
    assert schema is not None

    @settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(st.data())
    def check(data: st.DataObject) -> None:
        payload: Any = data.draw(from_schema(schema, wild=wild))
        assert problems(path, payload) == []

    check()
