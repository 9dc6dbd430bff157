"""Hypothesis strategies that generate JSON a JSON Schema (the subset HF's OpenAPI spec uses) allows.

hypothesis-jsonschema 0.23 does not run on the Hypothesis this project tests with (it calls a removed internal
API), so this small generator covers exactly the keywords the vendored spec uses: type, enum, const, anyOf,
properties/required/additionalProperties/propertyNames, items/maxItems, string length/pattern and the date-time
format, integer/number bounds. `test_strategies.py` checks every generated value against the schema itself.

Two kinds of payloads: `realistic` ones (numbers 0 to 4e9, integers and fractions: money, counts, sizes, Unix
times in range; printable text) that every parser must read without complaint and without changing what they
say, and `wild` ones (any finite JSON number, any text) where a parser may answer with a clean HfmonError but
never crash.
"""

from __future__ import annotations

import string
from datetime import UTC, datetime
from typing import Any

from hypothesis import strategies as st

Schema = dict[str, Any]
REALISTIC_MAX = 4_000_000_000
HEX24 = "^[0-9a-f]{24}$"
NEW_KEY = "x-hfmon-unknown-field"
REALISTIC_CHARS = string.ascii_letters + string.digits + "-_./ é"


def _date_times(wild: bool) -> st.SearchStrategy[str]:
    """ISO 8601 UTC times as the spec's date-time pattern writes them: `YYYY-MM-DDTHH:MM:SS[.f+]Z`."""
    lo, hi = (datetime(1, 1, 1), datetime(9999, 12, 31)) if wild else (datetime(2000, 1, 1), datetime(2100, 1, 1))
    fraction = st.one_of(st.just(""), st.integers(1, 9).flatmap(
        lambda n: st.text(string.digits, min_size=n, max_size=n).map(lambda d: "." + d)))
    return st.builds(lambda m, f: f"{m.year:04d}-{m:%m-%dT%H:%M:%S}{f}Z",
                     st.datetimes(lo, hi, timezones=st.just(UTC)).map(lambda m: m.replace(tzinfo=None)), fraction)


def _string(schema: Schema, wild: bool) -> st.SearchStrategy[str]:
    if schema.get("format") == "date-time":
        return _date_times(wild)
    pattern = schema.get("pattern")
    if pattern == HEX24:
        return st.text("0123456789abcdef", min_size=24, max_size=24)
    if pattern is not None:
        return st.from_regex(pattern, fullmatch=True)
    # Realistic text is printable (hfmon strips terminal controls from names on purpose); wild text is any.
    alphabet = st.characters() if wild else st.sampled_from(REALISTIC_CHARS)
    return st.text(alphabet, min_size=schema.get("minLength", 0), max_size=min(schema.get("maxLength", 16), 16))


def _number(schema: Schema, integer: bool, wild: bool) -> st.SearchStrategy[Any]:
    lo = schema.get("minimum", None if wild else 0)
    hi = schema.get("maximum", None if wild else REALISTIC_MAX)
    if not wild:
        lo, hi = max(lo, 0), min(hi, REALISTIC_MAX)
    ints = st.integers(min_value=lo, max_value=hi)
    if integer:
        return ints
    floats = st.floats(min_value=lo, max_value=hi, allow_nan=False, allow_infinity=False)
    halves = ints.map(lambda n: n + 0.5 if hi is None or n + 0.5 <= hi else float(n))
    return st.one_of(ints, floats, halves)


def _object(schema: Schema, wild: bool) -> st.SearchStrategy[dict[str, Any]]:
    props: dict[str, Schema] = schema.get("properties", {})
    required = set(schema.get("required", ()))
    extra = schema.get("additionalProperties", True)
    if not props and isinstance(extra, dict):  # a map: keys from propertyNames, values from additionalProperties
        names = schema.get("propertyNames", {})
        options = [o for o in names.get("anyOf", [names]) if o != {"not": {}}]
        keys = st.one_of(*(from_schema(o, wild=wild) for o in options)) if options else st.text(max_size=8)
        return st.dictionaries(keys, from_schema(extra, wild=wild), max_size=3)
    fixed = {k: from_schema(v, wild=wild) for k, v in props.items() if k in required}
    optional = {k: from_schema(v, wild=wild) for k, v in props.items() if k not in required}
    base = st.fixed_dictionaries(fixed, optional=optional)
    if extra is False:
        return base
    unknown = st.dictionaries(st.just(NEW_KEY), st.none() | st.integers() | st.text(max_size=4), max_size=1)
    return st.builds(lambda a, b: {**b, **a}, base, unknown)


def from_schema(schema: Schema, *, wild: bool = False) -> st.SearchStrategy[Any]:
    """A strategy for JSON values `schema` accepts (`wild`: any finite numbers and years 1-9999)."""
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(schema["enum"])
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of(*(from_schema(option, wild=wild) for option in schema[key]))
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of(*(from_schema({**schema, "type": k}, wild=wild) for k in kind))
    if kind == "object":
        return _object(schema, wild)
    if kind == "array":
        return st.lists(from_schema(schema.get("items", {}), wild=wild), min_size=schema.get("minItems", 0),
                        max_size=min(schema.get("maxItems", 3), 3))
    if kind == "string":
        return _string(schema, wild)
    if kind in ("number", "integer"):
        return _number(schema, kind == "integer", wild)
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if not schema or set(schema) <= {"description", "examples", "default"}:
        return st.none() | st.booleans() | st.integers() | st.text(max_size=4)
    raise NotImplementedError(f"strategies: schema keywords not supported: {sorted(schema)}")
