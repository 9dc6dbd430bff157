"""Shapes of the two routes HF's spec lists without a response schema (`usage-v2`, `usage/live`), written from the
evidence named in research notes section 0.5 (and 3.1, 3.5). Objects stay open: nothing here is promised by HF.

- usage-v2: `usage.inferenceProviders.usedNanoUsd` is read by every client (ml-intern `backend/usage.py`, CodexBar
  `HuggingFaceUsageFetcher`); `includedNanoUsd` and `limitNanoUsd` may be absent (CodexBar fixtures
  `usage-v2-limit-only`, `usage-v2-no-included`); `periodStart`/`periodEnd` may be absent (the same fixtures and
  ml-intern's test payloads); `usage.jobs` {`usedMicroUsd`, `totalMinutes`} (ml-intern).
- usage/live: Server-Sent Events; `event: usage` with a JSON `data:` line; keep-alive `count` events between them
  (third-party captures); the first event may be partial, so clients read until one carries `inference`;
  `inference.providerDetails[]` {`provider`, `numRequests`, `totalCostNanoUsd`, `totalDurationMs` (may be
  fractional)}; `storage` {`usedPrivate`, `usedPublic`, `privateStorageLimit`} (hfx scripts, CodexBar fork tests).
"""

from __future__ import annotations

import json
from typing import Any

from tests.contract.strategies import Schema

DATE_TIME: Schema = {"type": "string", "format": "date-time", "pattern": r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$"}
NUMBER: Schema = {"type": "number"}
_INFERENCE_PROPS: dict[str, Schema] = {
    "usedNanoUsd": NUMBER, "includedNanoUsd": NUMBER, "limitNanoUsd": NUMBER, "numRequests": NUMBER,
    "periodStart": DATE_TIME, "periodEnd": DATE_TIME,
}
PROVIDER_DETAIL: Schema = {
    "type": "object", "required": ["provider"],
    "properties": {"provider": {"type": "string"}, "numRequests": NUMBER, "totalCostNanoUsd": NUMBER,
                   "totalDurationMs": NUMBER},
}
USAGE_V2: Schema = {
    "type": "object", "required": ["usage"],
    "properties": {"usage": {
        "type": "object", "required": ["inferenceProviders"],
        "properties": {
            "inferenceProviders": {"type": "object", "required": ["usedNanoUsd"], "properties": _INFERENCE_PROPS},
            "jobs": {"type": "object", "properties": {"usedMicroUsd": NUMBER, "totalMinutes": NUMBER}},
        }}},
}
LIVE_USAGE: Schema = {
    "type": "object", "required": ["inference"],
    "properties": {
        "inference": {"type": "object", "required": ["usedNanoUsd"],
                      "properties": {**_INFERENCE_PROPS,
                                     "providerDetails": {"type": "array", "items": PROVIDER_DETAIL}}},
        "storage": {"type": "object", "properties": {"usedPrivate": NUMBER, "usedPublic": NUMBER,
                                                     "privateStorageLimit": NUMBER}},
    },
}
LIVE_EVENTS = frozenset({"usage", "count"})


def sse_events(text: str) -> list[tuple[str, Any]]:
    """(event name, decoded JSON data) of each complete Server-Sent Event in a stream body."""
    out: list[tuple[str, Any]] = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        name, data = "message", []
        for line in block.split("\n"):
            if line.startswith("event:"):
                name = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].strip())
        if data:
            out.append((name, json.loads("\n".join(data))))
    return out
