"""Router routes (/v1/...): the model list with per-provider prices, and chat completions, completions and
embeddings that get billed (streams chunk by chunk, with a usage chunk when `stream_options.include_usage`)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from hfmon.fakehub.catalog import Offer, RouterModel
from hfmon.fakehub.hub import Ctx
from hfmon.fakehub.traffic import Routed
from hfmon.fakehub.wire import HTTPError, Resp, dumps, json_resp

DEPLETED = ("You have exceeded your monthly included credits for Inference Providers. Subscribe to PRO to get "
            "20x more monthly included credits.")
POLICIES = ("fastest", "cheapest", "preferred")
SERVED = {"/v1/chat/completions": "chat", "/v1/completions": "completion", "/v1/embeddings": "embedding"}


def model_json(m: RouterModel) -> dict[str, Any]:
    """One /v1/models entry; prices are USD per 1M tokens, omitted when the provider publishes none."""
    providers = []
    for o in m.offers:
        p: dict[str, Any] = {"provider": o.provider, "status": o.status, "context_length": o.context_length}
        if o.input_usd is not None and o.output_usd is not None:
            p["pricing"] = {"input": float(o.input_usd), "output": float(o.output_usd)}
        if o.is_free:
            p["is_free"] = True
        p |= {"supports_tools": True, "supports_structured_output": o.provider != "featherless-ai",
              "first_token_latency_ms": o.first_token_latency_ms, "throughput": o.throughput,
              "is_model_author": False}
        providers.append(p)
    return {"id": m.id, "object": "model", "created": m.created, "owned_by": m.owned_by,
            "architecture": {"input_modalities": ["text"], "output_modalities": [
                "embeddings" if m.task == "feature-extraction" else "text"]}, "providers": providers}


def choose(models: tuple[RouterModel, ...], wanted: str) -> tuple[RouterModel, Offer]:
    """Resolve `model[:provider|:fastest|:cheapest|:preferred]` to a live offer."""
    name, _, suffix = wanted.partition(":")
    model = next((m for m in models if m.id == name), None)
    if model is None:
        raise HTTPError(400, f"The requested model '{name}' is not supported by any provider you have enabled.",
                        "model_not_supported")
    live = [o for o in model.offers if o.status == "live"]
    if suffix and suffix not in POLICIES:
        offer = next((o for o in live if o.provider == suffix), None)
        if offer is None:
            raise HTTPError(400, f"The requested model '{name}' is not supported by provider '{suffix}'.",
                            "model_not_supported")
        return model, offer
    if not live:
        raise HTTPError(503, f"No provider is currently available for '{name}'.")
    if suffix == "cheapest":
        priced = [o for o in live if o.output_usd is not None] or live
        return model, min(priced, key=lambda o: (o.output_usd or 0, o.provider))
    if suffix == "preferred":
        return model, live[0]
    return model, max(live, key=lambda o: (o.throughput, o.provider))


def _tokens(prompt_text: str, body: dict[str, Any], generates: bool) -> tuple[int, int]:
    """Deterministic token counts: ~4 characters a prompt token; a completion length from the prompt's hash."""
    prompt = max(1, len(prompt_text) // 4)
    if not generates:
        return prompt, 0
    cap = body.get("max_tokens") or body.get("max_completion_tokens") or 512
    completion = min(int(cap), 16 + int(hashlib.sha256(prompt_text.encode()).hexdigest()[:4], 16) % 240)
    return prompt, max(1, completion)


def _body(ctx: Ctx) -> dict[str, Any]:
    try:
        body = json.loads(ctx.req.body or b"{}")
    except ValueError as exc:
        raise HTTPError(400, "Request body is not valid JSON") from exc
    if not isinstance(body, dict) or "model" not in body:
        raise HTTPError(400, "'model' is required")
    return body


def _serve(ctx: Ctx, kind: str) -> Resp:
    """Bill one router request (placeholder now, settled later) and answer it as OpenAI does for `kind`:
    `chat`, `completion` or `embedding`."""
    ctx.need_auth()
    scn = ctx.scn
    body = _body(ctx)
    model, offer = choose(scn.router_models, str(body["model"]))
    wants = "feature-extraction" if kind == "embedding" else "conversational"
    if model.task != wants:
        raise HTTPError(400, f"The requested model '{model.id}' does not support this task ({model.task}).",
                        "model_not_supported")
    ns = ctx.req.headers.get("x-hf-bill-to") or scn.user.name
    # an org may be named by one of its resource groups' ids (hf-api.md 3.7): the org pays
    ns = next((g.org for g in scn.resource_groups if g.id == ns), ns)
    if ns != scn.user.name and scn.org(ns) is None:
        raise HTTPError(403, f"You are not a member of '{ns}' and cannot bill requests to it")
    cap = scn.cap_nano_usd(ns)
    if cap is not None and ctx.hub.traffic.period_used(ns, ctx.now) >= cap:
        raise HTTPError(402, DEPLETED)
    source = body.get("messages", []) if kind == "chat" else body.get("prompt" if kind == "completion" else "input")
    prompt, completion = _tokens(json.dumps(source, sort_keys=True), body, kind != "embedding")
    cost = offer.cost_nano_usd(prompt, completion)
    duration = int(completion / offer.throughput * 1000) + offer.first_token_latency_ms
    session = ctx.req.headers.get("x-hf-session-id")
    ts = int(ctx.now.timestamp())
    ctx.hub.traffic.record(Routed(ts, ns, model.id, offer.provider, prompt, completion, cost,
                                  session[:256] if session else None, duration))
    rid = hashlib.sha256(f"{scn.seed}/{ts}/{len(ctx.hub.traffic.ledger)}".encode()).hexdigest()[:24]
    usage: dict[str, int] = {"prompt_tokens": prompt, "completion_tokens": completion,
                             "total_tokens": prompt + completion}
    headers = [("x-inference-provider", offer.provider), ("Inference-Id", rid)]
    if kind == "embedding":
        inputs = source if isinstance(source, list) else [source]
        data = [{"object": "embedding", "index": i, "embedding": _vector(json.dumps(x))} for i, x in enumerate(inputs)]
        return json_resp({"object": "list", "data": data, "model": model.id,
                          "usage": {"prompt_tokens": prompt, "total_tokens": prompt}}, headers=headers)
    words = f"This is a fake reply from {offer.provider} serving {model.id}.".split()
    if not body.get("stream"):
        return json_resp(_whole(kind, rid, ts, model.id, " ".join(words)) | {"usage": usage}, headers=headers)
    options = body.get("stream_options")
    asked = isinstance(options, dict) and options.get("include_usage") is True
    chunks = [_chunk(kind, rid, ts, model.id, w if i == 0 else " " + w, None, first=i == 0)
              for i, w in enumerate(words)]
    # Providers differ: together puts usage on its last chunk, asked or not (hf-api.md 4.4); the others follow
    # OpenAI: with stream_options.include_usage, one more chunk with no choices and the usage, else none.
    together = offer.provider == "together"
    chunks.append(_chunk(kind, rid, ts, model.id, "", "stop") | {"usage": usage if together else None})
    if asked and not together:
        chunks.append(_chunk(kind, rid, ts, model.id, "", None) | {"choices": [], "usage": usage})
    events = tuple(b"data: " + dumps(c) + b"\n\n" for c in chunks) + (b"data: [DONE]\n\n",)
    return Resp(200, b"", [("Content-Type", "text/event-stream"), *headers], chunks=events,
                chunk_gap_s=ctx.hub.stream_gap_s)


def _vector(text: str) -> list[float]:
    digest = hashlib.sha256(text.encode()).digest()
    return [round(b / 255 - 0.5, 4) for b in digest[:8]]


def _whole(kind: str, rid: str, ts: int, model: str, text: str) -> dict[str, Any]:
    if kind == "completion":
        return {"id": f"cmpl-{rid}", "object": "text_completion", "created": ts, "model": model,
                "choices": [{"index": 0, "text": text, "logprobs": None, "finish_reason": "stop"}]}
    return {"id": f"chatcmpl-{rid}", "object": "chat.completion", "created": ts, "model": model,
            "system_fingerprint": "", "choices": [{"index": 0, "message": {"role": "assistant", "content": text},
                                                   "logprobs": None, "finish_reason": "stop"}]}


def _chunk(kind: str, rid: str, ts: int, model: str, text: str, finish: str | None,
           *, first: bool = False) -> dict[str, Any]:
    if kind == "completion":
        return {"id": f"cmpl-{rid}", "object": "text_completion", "created": ts, "model": model,
                "choices": [{"index": 0, "text": text, "logprobs": None, "finish_reason": finish}], "usage": None}
    delta: dict[str, str] = {"role": "assistant", "content": text} if first else {"content": text} if text else {}
    return {"id": f"chatcmpl-{rid}", "object": "chat.completion.chunk", "created": ts, "model": model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}], "usage": None}


def route(ctx: Ctx) -> Resp | None:
    """Dispatch a router request."""
    path, method = ctx.req.path.rstrip("/"), ctx.req.method
    models = ctx.scn.router_models
    if method == "GET" and path == "/v1/models":
        return json_resp({"object": "list", "data": [model_json(m) for m in models]})
    if method == "GET" and path.startswith("/v1/models/"):
        m = next((m for m in models if m.id == path[len("/v1/models/"):]), None)
        if m is None:
            raise HTTPError(404, "Model not found")
        return json_resp(model_json(m))
    if method == "POST" and path in SERVED:
        return _serve(ctx, SERVED[path])
    return None
