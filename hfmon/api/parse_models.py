"""Pure parser for a model's info (`GET /api/models/{repo_id}?expand=safetensors`): its parameter counts by dtype.

The route has no schema in HF's published OpenAPI spec; the shape is huggingface_hub 2.4.0's `ModelInfo`:
`safetensors` is optional, and when present it is `{"parameters": {dtype: count, ...}, "total": count}`.
"""

from __future__ import annotations

from hfmon.api.parse_common import COUNT, Json, as_obj, bad, integer
from hfmon.modelinfo import ModelWeights

MAX_DTYPES = 64  # a real model has a handful of dtypes; more is not an answer to read


def parse_model_weights(data: Json, repo_id: str) -> ModelWeights:
    """A model info body → its parameter counts by dtype; no `safetensors` (a GGUF, a custom container's repo,
    a pickle checkpoint) gives unknown counts with the reason."""
    w = "model"
    obj = as_obj(data, w)
    raw = obj.get("safetensors")
    if raw is None:
        return ModelWeights(repo_id, None, "the Hub lists no safetensors parameter counts for it")
    st = as_obj(raw, f"{w}.safetensors")
    params = as_obj(st.get("parameters"), f"{w}.safetensors.parameters")
    if len(params) > MAX_DTYPES:
        raise bad(f"{w}.safetensors.parameters", f"{len(params)} dtypes is not a plausible model")
    odd = next((str(dtype)[:40] for dtype, count in params.items()
                if not isinstance(count, int | float) or isinstance(count, bool)), None)
    if odd is not None:  # a key hfmon does not know how to read (a newer shape): say so, never drop it silently
        return ModelWeights(repo_id, None, f"the Hub's parameter counts hold {odd!r}, which is not a count")
    read = tuple((str(dtype)[:40], integer(count, f"{w}.safetensors.parameters.{str(dtype)[:40]}", COUNT))
                 for dtype, count in params.items())
    fraction = next((dtype for dtype, count in read if count is None), None)
    if fraction is not None:
        return ModelWeights(repo_id, None, f"the Hub's parameter count of {fraction!r} has a fraction: no count")
    counts = tuple((dtype, count) for dtype, count in read if count is not None)
    if not counts or not any(c for _, c in counts):
        return ModelWeights(repo_id, None, "the Hub lists no parameters for it")
    return ModelWeights(repo_id, counts)
