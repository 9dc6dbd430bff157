"""JSON Schemas of hfmon's machine-readable output, shipped as package data."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any


def once_schema() -> dict[str, Any]:
    """The JSON Schema of `hfmon --once --json` (schema_version 7; once-v2.json to once-v6.json stay for readers
    of versions 2 to 6)."""
    text = resources.files(__package__).joinpath("once-v7.json").read_text(encoding="utf-8")
    loaded: dict[str, Any] = json.loads(text)
    return loaded
