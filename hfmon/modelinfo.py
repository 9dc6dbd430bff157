"""What the Hub says about the size of a model an Endpoint serves (`GET /api/models/{repo_id}?expand=safetensors`).

HF's published OpenAPI spec has no schema for this route; the shape is huggingface_hub 2.4.0's `ModelInfo`
(`safetensors: {"parameters": {dtype: count}, "total": count}`, optional). Parsers live in `hfmon.api`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ModelWeights:
    """One model's parameter counts by dtype, or why they are unknown."""

    repo_id: str
    parameters: tuple[tuple[str, int], ...] | None  # (dtype, count) as the Hub lists them; None: unknown
    unknown_reason: str | None = None  # why `parameters` is None, in words a user reads

    @property
    def known(self) -> bool:
        """The Hub gave parameter counts."""
        return self.parameters is not None
