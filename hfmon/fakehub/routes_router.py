"""Router routes (/v1/...): the model list with per-provider prices, and chat completions that get billed."""

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


def model_json(m: RouterModel) -> dict[str, Any]:
    """One /v1/models entry; prices are USD per 1M tokens, omitted when the provider publishes none."""
    providers = []
    for o in m.offers:
        p: dict[str, Any] = {"provider": o.provider, "status": o.status, "context_length": o.context_length}
        if o.input_usd is not None and o.output_usd is not None:
            p["pricing"] = {"input": float(o.input_usd), "output": float(o.output_usd)}
        p |= {"supports_tools": True, "supports_structured_output": o.provider != "featherless-ai",
              "first_token_latency_ms": o.first_token_latency_ms, "throughput": o.throughput,
              "is_model_author": False}
        providers.append(p)
    return {"id": m.id, "object": "model", "created": m.created, "owned_by": m.owned_by,
            "architecture": {"input_modalities": ["text"], "output_modalities": ["text"]}, "providers": providers}


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


def _tokens(body: dict[str, Any]) -> tuple[int, int]:
    text = json.dumps(body.get("messages", []), sort_keys=True)
    prompt = max(1, len(text) // 4)
    cap = body.get("max_tokens") or body.get("max_completion_tokens") or 512
    completion = min(int(cap), 16 + int(hashlib.sha256(text.encode()).hexdigest()[:4], 16) % 240)
    return prompt, max(1, completion)


def chat(ctx: Ctx) -> Resp:
    """POST /v1/chat/completions: pick a provider, bill the request (placeholder now, settled later)."""
    ctx.need_auth()
    scn = ctx.scn
    try:
        body = json.loads(ctx.req.body or b"{}")
    except ValueError as exc:
        raise HTTPError(400, "Request body is not valid JSON") from exc
    if not isinstance(body, dict) or "model" not in body:
        raise HTTPError(400, "'model' is required")
    model, offer = choose(scn.router_models, str(body["model"]))
    ns = ctx.req.headers.get("x-hf-bill-to") or scn.user.name
    if ns != scn.user.name and scn.org(ns) is None:
        raise HTTPError(403, f"You are not a member of '{ns}' and cannot bill requests to it")
    cap = scn.cap_nano_usd(ns)
    if cap is not None and ctx.hub.traffic.period_used(ns, ctx.now) >= cap:
        raise HTTPError(402, DEPLETED)
    prompt, completion = _tokens(body)
    cost = offer.cost_nano_usd(prompt, completion)
    duration = int(completion / offer.throughput * 1000) + offer.first_token_latency_ms
    session = ctx.req.headers.get("x-hf-session-id")
    ts = int(ctx.now.timestamp())
    ctx.hub.traffic.record(Routed(ts, ns, model.id, offer.provider, prompt, completion, cost,
                                  session[:256] if session else None, duration))
    rid = hashlib.sha256(f"{scn.seed}/{ts}/{len(ctx.hub.traffic.ledger)}".encode()).hexdigest()[:24]
    words = f"This is a fake reply from {offer.provider} serving {model.id}.".split()
    usage = {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}
    headers = [("x-inference-provider", offer.provider), ("Inference-Id", rid)]
    if not body.get("stream"):
        return json_resp({"id": f"chatcmpl-{rid}", "object": "chat.completion", "created": ts, "model": model.id,
                          "system_fingerprint": "", "choices": [{"index": 0, "message": {
                              "role": "assistant", "content": " ".join(words)}, "logprobs": None,
                              "finish_reason": "stop"}], "usage": usage}, headers=headers)
    chunks = []
    for i, w in enumerate(words):
        delta = {"role": "assistant", "content": w} if i == 0 else {"content": " " + w}
        chunks.append({"id": f"chatcmpl-{rid}", "object": "chat.completion.chunk", "created": ts, "model": model.id,
                       "choices": [{"index": 0, "delta": delta, "finish_reason": None}], "usage": None})
    chunks.append({"id": f"chatcmpl-{rid}", "object": "chat.completion.chunk", "created": ts, "model": model.id,
                   "choices": [{"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": usage})
    stream = b"".join(b"data: " + dumps(c) + b"\n\n" for c in chunks) + b"data: [DONE]\n\n"
    return Resp(200, stream, [("Content-Type", "text/event-stream"), *headers])


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
    if method == "POST" and path == "/v1/chat/completions":
        return chat(ctx)
    return None
