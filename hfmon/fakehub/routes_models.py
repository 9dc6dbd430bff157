"""Model info of public Hub models (`GET /api/models/{namespace}/{repo}`), for the models Endpoints serve.

The scenario's own repositories (`Scenario.repos`) keep their routes in `routes_hub`; this module answers for
the public models of `Scenario.models`, with `safetensors` as huggingface_hub 2.4.0's `ModelInfo` reads it, and
the `expand` parameter as the Hub treats it (only the keys asked for, plus `_id` and `id`; an unknown key is 400).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from hfmon.fakehub.hub import Ctx
from hfmon.fakehub.hub_models import ModelDef
from hfmon.fakehub.routes_hub import MODEL_EXPAND
from hfmon.fakehub.wire import HTTPError, Resp, iso_ms, json_resp

DEFAULT_FIELDS = ("author", "createdAt", "lastModified", "private", "gated", "disabled", "pipeline_tag",
                  "library_name", "sha", "tags", "safetensors")


def _fields(m: ModelDef) -> dict[str, Callable[[], Any]]:
    fields: dict[str, Callable[[], Any]] = {
        "author": lambda: m.id.split("/")[0], "createdAt": lambda: iso_ms(m.created_at),
        "lastModified": lambda: iso_ms(m.created_at), "private": lambda: False, "gated": lambda: False,
        "disabled": lambda: False, "pipeline_tag": lambda: m.pipeline_tag, "library_name": lambda: m.library_name,
        "sha": lambda: m.sha, "tags": lambda: [m.library_name, m.pipeline_tag]}
    if m.parameters is not None:
        params = dict(m.parameters)
        fields["safetensors"] = lambda: {"parameters": params, "total": sum(params.values())}
    return fields


def model_info(ctx: Ctx, m: ModelDef) -> dict[str, Any]:
    """GET /api/models/{repo_id}: the fields asked for with `expand`, else the defaults."""
    expand = ctx.req.args("expand")
    bad = [e for e in expand if e not in MODEL_EXPAND]
    if bad:
        raise HTTPError(400, f'"expand" must be one of {sorted(MODEL_EXPAND)}; got {bad[0]!r}')
    fields = _fields(m)
    out: dict[str, Any] = {"_id": m.entity_id, "id": m.id}
    if not expand:
        out["modelId"] = m.id
    for key in expand or DEFAULT_FIELDS:
        if key in fields:
            out[key] = fields[key]()
    return out


def route(ctx: Ctx) -> Resp | None:
    """Answer for a public model of the scenario; None for any other path (routes_hub answers those)."""
    parts = ctx.req.path.strip("/").split("/")
    if ctx.req.method != "GET" or len(parts) != 4 or parts[:2] != ["api", "models"]:
        return None
    repo_id = f"{parts[2]}/{parts[3]}"
    found = next((m for m in ctx.scn.models if m.id == repo_id and m.created_at <= ctx.now), None)
    return None if found is None else json_resp(model_info(ctx, found))
