"""Vendor the part of HF's OpenAPI spec that hfmon uses into tests/contract/hf-openapi-hfmon.json.

Run by hand from the repository root when the shared copy of the spec changes:

    python tests/contract/extract_spec.py [path/to/hf-openapi.json]

The default source is ../shared/research/hf-openapi.json (HF's `/.well-known/openapi.json`). Only the GET operations
of the paths listed in PATHS are kept, with every `#/components/...` schema they reference carried along, so the
tests never read the shared folder. The header fields `x-hfmon-source`, `x-hfmon-source-sha256` and
`x-hfmon-extracted-on` say where the file came from and when.
"""

from __future__ import annotations

import hashlib
import json
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
DEFAULT_SOURCE = HERE.parents[2] / "shared" / "research" / "hf-openapi.json"
TARGET = HERE / "hf-openapi-hfmon.json"

PATHS = (
    "/api/whoami-v2",
    "/api/settings/billing/usage-v2",
    "/api/organizations/{name}/billing/usage-v2",
    "/api/settings/billing/usage/live",
    "/api/organizations/{name}/billing/usage/live",
    "/api/settings/billing/usage",
    "/api/organizations/{name}/billing/usage",
    "/api/settings/billing/usage/jobs",
    "/api/settings/billing/usage-by-inference-session",
    "/api/organizations/{name}/billing/usage-by-inference-session",
    "/api/organizations/{name}/billing/usage-by-resource-group",
    "/api/organizations/{name}/resource-groups",
    "/api/organizations/{name}/resource-groups/{resourceGroupId}",
    "/api/spaces/zero-gpu/quota",
    "/api/spaces/hardware",
    "/api/jobs/hardware",
    "/api/jobs/{namespace}",
    "/api/scheduled-jobs/{namespace}",
    "/api/settings/repositories",
    "/api/organizations/{name}/settings/repositories",
    "/api/organizations/{name}/members",
)


def _refs(value: Any) -> set[str]:
    """Every `$ref` string inside a JSON value."""
    if isinstance(value, dict):
        found = {value["$ref"]} if isinstance(value.get("$ref"), str) else set()
        for item in value.values():
            found |= _refs(item)
        return found
    if isinstance(value, list):
        return set().union(*(_refs(item) for item in value)) if value else set()
    return set()


def _pointer(doc: dict[str, Any], ref: str) -> Any:
    """The value a local JSON pointer (`#/a/b`) names."""
    if not ref.startswith("#/"):
        raise SystemExit(f"extract_spec: only local $refs are supported, got {ref!r}")
    node: Any = doc
    for part in ref[2:].split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def extract(spec: dict[str, Any]) -> dict[str, Any]:
    """The GET operations of PATHS with the components they reference (transitively)."""
    missing = [p for p in PATHS if "get" not in spec["paths"].get(p, {})]
    if missing:
        raise SystemExit(f"extract_spec: the spec has no GET for {missing}")
    paths = {p: {"get": spec["paths"][p]["get"]} for p in PATHS}
    components: dict[str, dict[str, Any]] = {}
    todo = _refs(paths)
    seen: set[str] = set()
    while todo:
        ref = todo.pop()
        seen.add(ref)
        section, name = ref[2:].split("/")[1:3]
        target = _pointer(spec, ref)
        components.setdefault(section, {})[name] = target
        todo |= _refs(target) - seen
    return {"openapi": spec["openapi"], "info": {"title": spec["info"]["title"], "version": spec["info"]["version"]},
            "paths": paths, "components": components}


def main(argv: list[str]) -> int:
    """Write the vendored subset next to this script."""
    source = Path(argv[1]) if len(argv) > 1 else DEFAULT_SOURCE
    raw = source.read_bytes()
    subset = extract(json.loads(raw))
    header = {
        "x-hfmon-source": "HF's published OpenAPI spec (https://huggingface.co/.well-known/openapi.json, as synced "
                          "on 2026-08-17 by a public mirror), read from ../shared/research/hf-openapi.json",
        "x-hfmon-source-sha256": hashlib.sha256(raw).hexdigest(),
        "x-hfmon-extracted-on": datetime.now(UTC).strftime("%Y-%m-%d"),
        "x-hfmon-extracted-by": "tests/contract/extract_spec.py (GET operations of the paths hfmon reads)",
    }
    TARGET.write_text(json.dumps({**header, **subset}, indent=1, sort_keys=False) + "\n", encoding="utf-8")
    print(f"wrote {TARGET} ({len(subset['paths'])} paths)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
