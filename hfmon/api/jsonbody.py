"""A response body's JSON document: orjson where it reads the same values as json, json otherwise. No I/O."""

from __future__ import annotations

import json
from typing import Any

import orjson

from hfmon.api.http_errors import what_of
from hfmon.errors import BadResponseError

# Digits as "0", what may come before a JSON number as " ", the rest as "x": a 19-digit integer then reads as
# " " and nineteen "0"s (a fraction's digits follow an "x", the ".").
_NUMBER_SHAPES = bytes(48 if 48 <= c <= 57 else 32 if c in b":[,- \t\n\r" else 120 for c in range(256))
_LONG_RUN = b"0" * 19


def _has_long_integer(content: bytes) -> bool:
    """Whether `content` may hold an integer of 19 or more digits (a few false alarms, e.g. digits in text, cost
    only speed). A regular expression took twice as long as decoding the page."""
    shapes = content.translate(_NUMBER_SHAPES)
    return shapes.startswith(_LONG_RUN) or b" " + _LONG_RUN in shapes


def decode_json(content: bytes, url: str) -> Any:
    """The JSON document in `content` (a body from `url`); BadResponseError when malformed or truncated."""
    if not _has_long_integer(content):  # orjson reads an integer of 19+ digits as a float: json's int
        try:
            return orjson.loads(content)  # in C, about 3× json's speed on a listing page, the same values
        except orjson.JSONDecodeError:
            pass  # what orjson refuses and json reads (NaN, Infinity, UTF-16): json decides, as before
    try:
        return json.loads(content)
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise BadResponseError(f"malformed or truncated JSON from {what_of(url)} ({len(content)} bytes)",
                               "the next poll will try again") from exc
