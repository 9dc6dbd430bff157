"""The official `openai` client and huggingface_hub's InferenceClient through `hfmon proxy` to the fake router:
what the caller gets is what the router sent, and each request leaves one ledger row with the right figures."""

from __future__ import annotations

import json
import re
from decimal import Decimal

import httpx2
import openai
import pytest
from huggingface_hub import InferenceClient

from hfmon.fakehub import FULL_TOKEN
from hfmon.fakehub.catalog import ROUTER_MODELS
from hfmon.fakehub.faults import RouteFault
from hfmon.ledger import Outcome
from hfmon.proxy.app import ProxyApp
from hfmon.proxy.server import running
from tests.proxy.conftest import Rig, Rows

QWEN = "Qwen/Qwen3-235B-A22B-Instruct-2507"
EMBED = "Qwen/Qwen3-Embedding-8B"
HELLO = [{"role": "user", "content": "Hello through the proxy"}]


def price(model: str, provider: str) -> tuple[Decimal, Decimal]:
    """USD per 1M input and output tokens, from the fake's own catalog."""
    offer = next(o for m in ROUTER_MODELS if m.id == model for o in m.offers if o.provider == provider)
    assert offer.input_usd is not None and offer.output_usd is not None
    return offer.input_usd, offer.output_usd


def client(rig: Rig) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{rig.url}/v1", api_key=FULL_TOKEN, max_retries=0)


def test_a_plain_chat_completion_is_answered_and_recorded(rig: Rig) -> None:
    answer = client(rig).chat.completions.create(model=f"{QWEN}:novita", messages=HELLO, max_tokens=100)
    assert answer.choices[0].message.content == f"This is a fake reply from novita serving {QWEN}."
    assert answer.usage is not None
    [row] = rig.rows.wait(1)
    routed = rig.hub.traffic.ledger[-1]
    assert (row.model, row.policy, row.provider, row.route) == (QWEN, "novita", "novita", "chat")
    assert (row.status, row.outcome, row.streamed, row.namespace) == (200, Outcome.OK, False, None)
    assert (row.prompt_tokens, row.completion_tokens) == (answer.usage.prompt_tokens, answer.usage.completion_tokens)
    assert (routed.prompt_tokens, routed.completion_tokens) == (row.prompt_tokens, row.completion_tokens)
    p_in, p_out = price(QWEN, "novita")
    assert row.estimated_usd == (row.prompt_tokens * p_in + row.completion_tokens * p_out) / 1_000_000
    assert row.session_id is not None and routed.session == row.session_id  # the router saw hfmon's session id
    assert row.request_id and row.ttfb_s is not None and row.latency_s is not None and row.latency_s >= row.ttfb_s


def test_a_stream_passes_through_without_the_usage_chunk_the_caller_did_not_ask_for(rig: Rig) -> None:
    stream = client(rig).chat.completions.create(model=f"{QWEN}:novita", messages=HELLO, stream=True)
    chunks = list(stream)
    assert "".join(c.choices[0].delta.content or "" for c in chunks if c.choices) == \
        f"This is a fake reply from novita serving {QWEN}."
    assert all(c.choices and c.usage is None for c in chunks)  # no usage chunk reached the caller
    [row] = rig.rows.wait(1)
    routed = rig.hub.traffic.ledger[-1]
    assert row.streamed and row.outcome is Outcome.OK
    assert (row.prompt_tokens, row.completion_tokens) == (routed.prompt_tokens, routed.completion_tokens)
    assert row.estimated_usd is not None and row.estimated_usd > 0


def test_a_stream_that_asked_for_usage_gets_its_usage_chunk(rig: Rig) -> None:
    stream = client(rig).chat.completions.create(model=f"{QWEN}:novita", messages=HELLO, stream=True,
                                                 stream_options={"include_usage": True})
    chunks = list(stream)
    assert chunks[-1].choices == [] and chunks[-1].usage is not None
    [row] = rig.rows.wait(1)
    assert (row.prompt_tokens, row.completion_tokens) == (chunks[-1].usage.prompt_tokens,
                                                          chunks[-1].usage.completion_tokens)


def test_a_stream_reaches_the_caller_byte_for_byte_as_the_router_sent_it(rig: Rig) -> None:
    body = {"model": f"{QWEN}:together", "messages": HELLO, "stream": True}
    headers = {"authorization": f"Bearer {FULL_TOKEN}", "x-hf-session-id": "mine"}
    direct = httpx2.post(f"{rig.fake.base_url}/v1/chat/completions", json=body, headers=headers)
    proxied = httpx2.post(f"{rig.url}/v1/chat/completions", json=body, headers=headers)
    same_id = re.compile(rb"cmpl-[0-9a-f]+")  # each request has its own id
    assert same_id.sub(b"", proxied.content) == same_id.sub(b"", direct.content)  # together's usage chunk stays
    [row] = rig.rows.wait(1)
    assert row.session_id == "mine"  # the caller's own session id is kept, not replaced
    assert row.completion_tokens == rig.hub.traffic.ledger[-1].completion_tokens


def test_4xx_and_5xx_from_the_router_reach_the_caller_unchanged_and_count_as_errors(rig: Rig) -> None:
    body = {"model": f"{QWEN}:groq", "messages": HELLO}
    headers = {"authorization": f"Bearer {FULL_TOKEN}"}
    direct = httpx2.post(f"{rig.fake.base_url}/v1/chat/completions", json=body, headers=headers)
    with pytest.raises(openai.BadRequestError) as bad:
        client(rig).chat.completions.create(model=f"{QWEN}:groq", messages=HELLO)
    assert bad.value.status_code == 400 and bad.value.response.content == direct.content
    assert bad.value.response.headers["x-error-code"] == "model_not_supported"
    rig.hub.route_faults.append(RouteFault("/v1/chat/completions", status=503, reason="Service Unavailable"))
    with pytest.raises(openai.InternalServerError) as down:
        client(rig).chat.completions.create(model=QWEN, messages=HELLO, stream=True)
    assert down.value.status_code == 503 and json.loads(down.value.response.content) == {
        "error": "Service Unavailable"}
    first, second = rig.rows.wait(2)
    assert (first.status, first.outcome, first.provider, first.estimated_usd) == (400, Outcome.HTTP_ERROR, "groq",
                                                                                   None)
    assert (second.status, second.outcome, second.prompt_tokens) == (503, Outcome.HTTP_ERROR, None)
    assert first.is_error and second.is_error


def test_a_router_that_cannot_be_reached_gives_a_gateway_error_and_a_row(fake: object, clock: object) -> None:
    rows = Rows()
    with running(ProxyApp("http://127.0.0.1:9", rows.put, hub="http://127.0.0.1:9")) as url:
        r = httpx2.post(f"{url}/v1/chat/completions", json={"model": QWEN, "messages": HELLO},
                        headers={"authorization": f"Bearer {FULL_TOKEN}"})
    assert r.status_code == 502 and "cannot reach the Hugging Face router" in r.json()["error"]["message"]
    [row] = rows.wait(1)
    assert (row.status, row.outcome, row.estimated_usd) == (None, Outcome.UNREACHABLE, None)


def test_a_caller_that_hangs_up_mid_stream_leaves_a_consistent_row(rig: Rig) -> None:
    rig.hub.stream_gap_s = 0.2
    body = {"model": f"{QWEN}:novita", "messages": HELLO, "stream": True}
    with httpx2.Client() as c, c.stream("POST", f"{rig.url}/v1/chat/completions", json=body,
                                        headers={"authorization": f"Bearer {FULL_TOKEN}"}) as r:
        first = next(r.iter_raw())
        assert first.startswith(b"data: ")
    [row] = rig.rows.wait(1)
    assert (row.status, row.outcome, row.streamed) == (200, Outcome.CLIENT_DISCONNECTED, True)
    assert (row.prompt_tokens, row.completion_tokens, row.estimated_usd) == (None, None, None)  # unknown, not 0
    assert not row.is_error and row.session_id is not None  # the router may still bill it: settled will say


def test_embeddings_and_completions_are_metered(rig: Rig) -> None:
    emb = client(rig).embeddings.create(model=f"{EMBED}:nebius", input=["one", "two"])
    assert len(emb.data) == 2
    text = client(rig).completions.create(model=f"{QWEN}:together", prompt="Once upon", max_tokens=20)
    assert text.choices[0].text
    e, t = rig.rows.wait(2)
    p_in, _ = price(EMBED, "nebius")
    assert (e.route, e.prompt_tokens, e.completion_tokens) == ("embedding", emb.usage.prompt_tokens, 0)
    assert e.estimated_usd == e.prompt_tokens * p_in / 1_000_000
    assert t.route == "completion" and text.usage is not None and t.completion_tokens == text.usage.completion_tokens


def test_a_free_promo_offer_is_estimated_at_zero_not_at_its_list_price(rig: Rig) -> None:
    emb = client(rig).embeddings.create(model=f"{EMBED}:scaleway", input=["one", "two"])
    [row] = rig.rows.wait(1)
    routed = rig.hub.traffic.ledger[-1]
    assert price(EMBED, "scaleway")[0] > 0  # the router still lists a price beside `is_free`
    assert (row.provider, row.outcome, row.prompt_tokens) == ("scaleway", Outcome.OK, emb.usage.prompt_tokens)
    assert row.prompt_tokens > 0 and row.estimated_usd == 0 and routed.cost_nano_usd == 0  # what HF bills


def test_an_unpriced_provider_gives_no_estimate_rather_than_zero(rig: Rig) -> None:
    client(rig).chat.completions.create(model="google/gemma-3-27b-it:featherless-ai", messages=HELLO)
    [row] = rig.rows.wait(1)
    assert row.outcome is Outcome.OK and row.prompt_tokens and row.estimated_usd is None


def test_bill_to_is_recorded_and_reaches_the_router(rig: Rig) -> None:
    c = openai.OpenAI(base_url=f"{rig.url}/v1", api_key=FULL_TOKEN, max_retries=0,
                      default_headers={"X-HF-Bill-To": "ada-labs"})
    c.chat.completions.create(model=QWEN, messages=HELLO)
    [row] = rig.rows.wait(1)
    assert row.namespace == "ada-labs" and rig.hub.traffic.ledger[-1].namespace == "ada-labs"
    assert row.provider == "fireworks-ai"  # auto-routed: the provider comes from x-inference-provider


def test_huggingface_hub_inference_client_goes_through_the_proxy(rig: Rig) -> None:
    hf = InferenceClient(base_url=rig.url, api_key=FULL_TOKEN)
    answer = hf.chat_completion(messages=HELLO, model=f"{QWEN}:novita", max_tokens=50)
    streamed = list(hf.chat_completion(messages=HELLO, model=f"{QWEN}:novita", max_tokens=50, stream=True))
    assert answer.usage is not None and all(c.usage is None for c in streamed)
    plain, stream = rig.rows.wait(2)
    assert plain.completion_tokens == answer.usage.completion_tokens and plain.provider == "novita"
    assert stream.streamed and stream.completion_tokens == rig.hub.traffic.ledger[-1].completion_tokens


def test_the_model_list_passes_through(rig: Rig) -> None:
    r = httpx2.get(f"{rig.url}/v1/models")
    assert r.status_code == 200 and r.content == httpx2.get(f"{rig.fake.base_url}/v1/models").content
    assert httpx2.get(f"{rig.url}/api/whoami-v2").status_code == 404
    assert rig.rows.items == []
