"""A whole (not streamed) answer larger than the proxy holds (wire.MAX_ANSWER, 64 MB) is passed on as it comes,
not refused with a 502 after HF answered and billed it (audit 7 C4: the `openai` client retried the 502 twice, so
one embeddings batch of 86 MB was billed 3 times and still failed). Its usage is read from its last bytes; where it
is not there, the request's usage is unknown, never 0."""

from __future__ import annotations

from typing import Any

import openai
from huggingface_hub import InferenceClient

from hfmon.fakehub import FULL_TOKEN
from hfmon.fakehub.faults import RouteFault
from hfmon.ledger import Outcome
from hfmon.proxy import wire
from tests.proxy.conftest import Rig
from tests.proxy.test_proxy_openai import EMBED, HELLO, QWEN, price

PAST_HELD = wire.MAX_ANSWER + (1 << 20)  # the fake pads its answer with whitespace (still JSON) to this size


def test_an_embeddings_answer_past_64_mb_reaches_the_openai_client_billed_once(rig: Rig) -> None:
    rig.hub.route_faults.append(RouteFault("/v1/embeddings", pad_to=PAST_HELD))
    c = openai.OpenAI(base_url=f"{rig.url}/v1", api_key=FULL_TOKEN)  # retries a 502 twice, as by default
    emb = c.embeddings.create(model=f"{EMBED}:nebius", input=["one", "two", "three"])
    assert [len(e.embedding) for e in emb.data] == [8, 8, 8]
    [routed] = rig.hub.traffic.ledger  # one request reached the router: billed once
    [row] = rig.rows.wait(1)
    assert (row.status, row.outcome, row.route) == (200, Outcome.OK, "embedding")
    assert (row.prompt_tokens, row.completion_tokens) == (emb.usage.prompt_tokens, 0) == (routed.prompt_tokens, 0)
    assert row.estimated_usd == row.prompt_tokens * price(EMBED, "nebius")[0] / 1_000_000


def test_a_chat_answer_past_64_mb_reaches_the_inference_client_with_its_usage(rig: Rig) -> None:
    rig.hub.route_faults.append(RouteFault("/v1/chat/completions", pad_to=PAST_HELD))
    answer = InferenceClient(base_url=rig.url, api_key=FULL_TOKEN).chat_completion(
        messages=HELLO, model=f"{QWEN}:novita", max_tokens=50)
    assert answer.choices[0].message.content == f"This is a fake reply from novita serving {QWEN}."
    [routed] = rig.hub.traffic.ledger
    [row] = rig.rows.wait(1)
    assert row.outcome is Outcome.OK and answer.usage is not None
    assert (row.prompt_tokens, row.completion_tokens) == (answer.usage.prompt_tokens, answer.usage.completion_tokens)
    assert (row.prompt_tokens, row.completion_tokens) == (routed.prompt_tokens, routed.completion_tokens)
    p_in, p_out = price(QWEN, "novita")
    assert row.estimated_usd == (row.prompt_tokens * p_in + row.completion_tokens * p_out) / 1_000_000


def test_a_large_answer_whose_usage_is_not_at_its_end_is_passed_on_with_its_usage_unknown(rig: Rig) -> None:
    """A provider that puts `usage` first and a long field last: the proxy does not hold the answer to find it."""

    def usage_first(doc: Any) -> Any:
        return {"usage": doc["usage"], **{k: v for k, v in doc.items() if k != "usage"}, "notes": "x" * PAST_HELD}

    rig.hub.route_faults.append(RouteFault("/v1/chat/completions", edit=usage_first))
    c = openai.OpenAI(base_url=f"{rig.url}/v1", api_key=FULL_TOKEN)
    answer = c.chat.completions.create(model=f"{QWEN}:novita", messages=HELLO)
    assert answer.usage is not None and answer.usage.prompt_tokens > 0  # the caller has it all
    assert len(rig.hub.traffic.ledger) == 1
    [row] = rig.rows.wait(1)
    assert (row.status, row.outcome) == (200, Outcome.OK)
    assert (row.prompt_tokens, row.completion_tokens, row.estimated_usd) == (None, None, None)  # unknown, not 0


def test_an_answer_the_proxy_holds_is_still_answered_whole_with_its_length(rig: Rig) -> None:
    """Up to 64 MB nothing changes: held, its usage read from the whole, passed on with a Content-Length."""
    import httpx2

    r = httpx2.post(f"{rig.url}/v1/chat/completions", headers={"authorization": f"Bearer {FULL_TOKEN}"},
                    json={"model": f"{QWEN}:novita", "messages": HELLO}, timeout=30)
    assert r.status_code == 200 and r.headers["content-length"] == str(len(r.content))
    [row] = rig.rows.wait(1)
    assert row.prompt_tokens == r.json()["usage"]["prompt_tokens"]


def test_a_gzip_stream_decoding_past_64_mb_reaches_the_openai_client_whole_with_its_usage(rig: Rig) -> None:
    """A stream the router sent compressed anyway (the proxy asks for identity), decoding to more than the proxy
    holds of a whole answer: it holds none of a stream, so it passes it on to its end and reads the usage chunk it
    asked for there (before: broken off at 64 MB with a 'bad response', the caller's stream cut, its usage unknown
    though HF billed it whole)."""
    rig.hub.route_faults.append(RouteFault("/v1/chat/completions", pad_to=PAST_HELD, gzip=True))
    c = openai.OpenAI(base_url=f"{rig.url}/v1", api_key=FULL_TOKEN, max_retries=0)
    chunks = list(c.chat.completions.create(model=f"{QWEN}:novita", messages=HELLO, max_tokens=50, stream=True))
    text = "".join(ch.choices[0].delta.content or "" for ch in chunks if ch.choices)
    assert text == f"This is a fake reply from novita serving {QWEN}."
    assert all(ch.usage is None for ch in chunks)  # the usage chunk the proxy asked for is still taken out
    [routed] = rig.hub.traffic.ledger
    [row] = rig.rows.wait(1)
    assert (row.status, row.outcome, row.streamed) == (200, Outcome.OK, True)
    assert (row.prompt_tokens, row.completion_tokens) == (routed.prompt_tokens, routed.completion_tokens)
    p_in, p_out = price(QWEN, "novita")
    assert row.estimated_usd == (row.prompt_tokens * p_in + row.completion_tokens * p_out) / 1_000_000


def test_a_gzip_stream_past_64_mb_reaches_the_inference_client_with_its_usage(rig: Rig) -> None:
    """Through InferenceClient, from a provider that puts the usage on its last chunk: whole, its usage read."""
    rig.hub.route_faults.append(RouteFault("/v1/chat/completions", pad_to=PAST_HELD, gzip=True))
    hf = InferenceClient(base_url=rig.url, api_key=FULL_TOKEN)
    streamed = list(hf.chat_completion(messages=HELLO, model=f"{QWEN}:together", max_tokens=50, stream=True))
    assert "".join(c.choices[0].delta.content or "" for c in streamed if c.choices) == (
        f"This is a fake reply from together serving {QWEN}.")
    [routed] = rig.hub.traffic.ledger
    [row] = rig.rows.wait(1)
    assert (row.status, row.outcome) == (200, Outcome.OK)
    assert (row.prompt_tokens, row.completion_tokens) == (routed.prompt_tokens, routed.completion_tokens)
    p_in, p_out = price(QWEN, "together")
    assert row.estimated_usd == (row.prompt_tokens * p_in + row.completion_tokens * p_out) / 1_000_000
