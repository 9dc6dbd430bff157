"""The vendored subset of HF's OpenAPI spec (hf-openapi-hfmon.json) and JSON Schema validation against it."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator, FormatChecker
from jsonschema.exceptions import best_match

SPEC_FILE = Path(__file__).resolve().parent / "hf-openapi-hfmon.json"
RESOURCE_GROUP_PATHS = ("/api/organizations/{name}/resource-groups",
                        "/api/organizations/{name}/resource-groups/{resourceGroupId}")


@cache
def spec() -> dict[str, Any]:
    """The vendored spec document (see its `x-hfmon-*` header fields for origin and date)."""
    loaded: dict[str, Any] = json.loads(SPEC_FILE.read_text(encoding="utf-8"))
    return loaded


def _drop_undeclared_required(schema: Any) -> None:
    """Remove from `required` names that `additionalProperties: false` forbids (in place, recursively).

    The spec's resource-group object requires `repos` but declares no such property and forbids undeclared ones:
    as written no object validates. The one reading that lets any real payload validate is that `repos` is a
    leftover in `required`; this helper applies exactly that correction and nothing else.
    """
    if isinstance(schema, dict):
        props = schema.get("properties")
        if schema.get("additionalProperties") is False and isinstance(props, dict) and "required" in schema:
            schema["required"] = [name for name in schema["required"] if name in props]
        for value in schema.values():
            _drop_undeclared_required(value)
    elif isinstance(schema, list):
        for value in schema:
            _drop_undeclared_required(value)


@cache
def _response_schema(path: str) -> dict[str, Any] | None:
    op = spec()["paths"][path]["get"]
    content = op.get("responses", {}).get("200", {}).get("content", {})
    media = content.get("application/json")
    if media is None or "schema" not in media:
        return None
    schema: dict[str, Any] = copy.deepcopy(media["schema"])
    if path in RESOURCE_GROUP_PATHS:
        _drop_undeclared_required(schema)
    return schema


def response_schema(path: str) -> dict[str, Any] | None:
    """The JSON Schema of a path's 200 JSON response, or None where the spec gives none (usage-v2, usage/live)."""
    found = _response_schema(path)
    return None if found is None else copy.deepcopy(found)


def _resolve_refs(value: Any) -> Any:
    """`value` with every `#/components/schemas/X` reference replaced by the component itself."""
    if isinstance(value, dict):
        ref = value.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            target = spec()["components"]["schemas"][ref.rsplit("/", 1)[1]]
            return _resolve_refs({k: v for k, v in value.items() if k != "$ref"} | target)
        return {k: _resolve_refs(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_resolve_refs(v) for v in value]
    return value


@cache
def validator(path: str) -> Draft202012Validator:
    """A Draft 2020-12 validator (formats checked) for a path's 200 response."""
    schema = response_schema(path)
    if schema is None:
        raise LookupError(f"the spec has no response schema for {path}")
    resolved = _resolve_refs(schema)
    Draft202012Validator.check_schema(resolved)
    return Draft202012Validator(resolved, format_checker=FormatChecker())


def problems(path: str, payload: Any) -> list[str]:
    """Every way `payload` breaks the spec's schema for `path`, as readable lines (empty when it conforms)."""
    errors = [best_match(e.context) if e.context else e for e in validator(path).iter_errors(payload)]
    errors.sort(key=lambda e: [str(p) for p in e.absolute_path])
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(root)'}: {e.message[:300]}" for e in errors]
