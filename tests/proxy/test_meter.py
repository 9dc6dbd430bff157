"""The proxy's pure rules: model suffixes, the provider that served, session ids, usage, the estimate, and the
stream reader that finds the usage and drops only the usage chunk the proxy asked for."""

from __future__ import annotations

import asyncio
import json
import socket
from datetime import UTC, datetime
from decimal import Decimal

import httpx2

from hfmon.proxy import meter
from hfmon.proxy.prices import PriceBook
from hfmon.proxy.server import bind

PRICES = {("m/x", "p"): (Decimal("0.2"), Decimal("0.8")), ("m/x", "free-in"): (None, Decimal("1"))}


def event(doc: object, crlf: bool = False) -> bytes:
    sep = b"\r\n\r\n" if crlf else b"\n\n"
    return b"data: " + json.dumps(doc).encode() + sep


def test_the_hourly_session_id_is_the_session_id_of_that_hour() -> None:
    early, late = datetime(2026, 11, 18, 15, 0, 1, tzinfo=UTC), datetime(2026, 11, 18, 15, 59, 59, 999, tzinfo=UTC)
    expected = meter.session_id("acme", "m/x", datetime(2026, 11, 18, 15, tzinfo=UTC), "r1")
    assert meter.hourly_session_id("acme", "m/x", early, "r1") == expected
    assert meter.hourly_session_id("acme", "m/x", late, "r1") == expected
    assert meter.hourly_session_id("acme", "m/x", late.replace(hour=16, minute=0), "r1") != expected
    assert meter.hourly_session_id(None, "m/x", early) == meter.session_id(None, "m/x", early)


def test_a_streamed_request_is_made_to_ask_for_usage_keeping_the_callers_bytes() -> None:
    body = b'  {"model":"m/x",  "stream":true,"messages":[{"role":"user","content":"h\\u00e9"}]}'
    sent, strip = meter.ask_for_usage(body, json.loads(body))
    assert strip and json.loads(sent) == {**json.loads(body), "stream_options": {"include_usage": True}}
    assert sent.endswith(b'"model":"m/x",  "stream":true,"messages":[{"role":"user","content":"h\\u00e9"}]}')

    asked = b'{"model": "m/x", "stream": true, "stream_options": {"include_usage": true}}'
    assert meter.ask_for_usage(asked, json.loads(asked)) == (asked, False)  # the caller asked: nothing to strip

    declined = b'{"model": "m/x", "stream": true, "stream_options": {"include_usage": false, "x": 1}}'
    sent, strip = meter.ask_for_usage(declined, json.loads(declined))
    assert strip and json.loads(sent)["stream_options"] == {"include_usage": True, "x": 1}
    assert json.loads(sent)["model"] == "m/x"


def test_chunks_with_a_null_usage_pass_and_the_usage_object_is_still_found() -> None:
    content = event({"choices": [{"delta": {"content": 'say "usage": {} ok'}}], "usage": None})
    usage_only = event({"choices": [], "usage": {"prompt_tokens": 7, "completion_tokens": 3}})
    reader = meter.StreamMeter(True)
    assert reader.feed(content) == content and reader.tokens is None
    assert reader.feed(content + usage_only + b"data: [DONE]\n\n") == content + b"data: [DONE]\n\n"
    assert reader.tokens == (7, 3)


def test_model_suffixes_and_the_provider_that_served() -> None:
    assert meter.split_model("org/m:together") == ("org/m", "together")
    assert meter.split_model("org/m") == ("org/m", None)
    assert meter.served_by("cheapest", None) is None  # a policy names no provider
    assert meter.served_by("together", None) == "together"
    assert meter.served_by("cheapest", "groq") == "groq"  # the router's header wins


def test_one_session_per_namespace_model_and_hour() -> None:
    at = datetime(2026, 11, 18, 15, 59, tzinfo=UTC)
    same = meter.session_id("acme", "m/x", at)
    assert same == meter.session_id("acme", "m/x", at.replace(minute=0)) and same.startswith("hfmon-20261118T15-")
    others = {meter.session_id("acme", "m/y", at), meter.session_id(None, "m/x", at),
              meter.session_id("acme", "m/x", at.replace(hour=16)), meter.session_id("acme", "m/x", at, "r1")}
    assert same not in others and len(others) == 4
    assert len(meter.session_id("a" * 500, "m" * 500, at, "r" * 500)) <= meter.SESSION_MAX


def test_usage_and_the_estimate_never_turn_unknown_into_zero() -> None:
    assert meter.usage_of({"usage": {"prompt_tokens": 3, "completion_tokens": 4}}) == (3, 4)
    # no output count: 0 only where the API has none (embeddings); a chat's output is unknown, never 0
    assert meter.usage_of({"usage": {"prompt_tokens": 3}}, output_counted=False) == (3, 0)
    assert meter.usage_of({"usage": {"prompt_tokens": 1000, "total_tokens": 3000}}) is None
    assert meter.usage_of({"usage": {"prompt_tokens": 3, "completion_tokens": None}}) is None
    assert meter.usage_of({"usage": None}) is None and meter.usage_of({"usage": {"prompt_tokens": -1}}) is None
    assert meter.estimate_usd(PRICES, "m/x", "p", (1000, 500)) == Decimal("0.0006")
    assert meter.estimate_usd(PRICES, "m/x", "other", (1000, 500)) is None  # unpriced provider
    assert meter.estimate_usd(PRICES, "m/x", None, (1000, 500)) is None  # provider unknown
    assert meter.estimate_usd(PRICES, "m/x", "free-in", (1000, 500)) is None  # no input price, input tokens
    assert meter.estimate_usd(PRICES, "m/x", "free-in", (0, 500)) == Decimal("0.0005")
    assert meter.estimate_usd(PRICES, "m/x", "p", None) is None


def test_the_stream_reader_strips_only_the_usage_only_chunk_across_any_split() -> None:
    usage = {"prompt_tokens": 9, "completion_tokens": 2}
    body = (event({"choices": [{"delta": {"content": "hi"}}], "usage": None})
            + event({"choices": [{"delta": {}}], "usage": None}, crlf=True)
            + event({"choices": [], "usage": usage}) + b"data: [DONE]\n\n")
    kept = body.replace(event({"choices": [], "usage": usage}), b"")
    for size in (1, 7, len(body)):
        stripping, passing = meter.StreamMeter(True), meter.StreamMeter(False)
        out_strip = out_pass = b""
        for i in range(0, len(body), size):
            out_strip += stripping.feed(body[i:i + size])
            out_pass += passing.feed(body[i:i + size])
        out_strip += stripping.finish()
        out_pass += passing.finish()
        assert out_strip == kept and out_pass == body
        assert stripping.tokens == passing.tokens == (9, 2)
    together = event({"choices": [{"delta": {}, "finish_reason": "stop"}], "usage": usage})
    reader = meter.StreamMeter(True)
    assert reader.feed(together) == together and reader.tokens == (9, 2)  # usage on a content chunk stays


def test_a_failed_price_read_is_retried_later_not_on_every_request() -> None:
    calls = []

    def down(request: httpx2.Request) -> httpx2.Response:
        calls.append(request.url.path)
        return httpx2.Response(503)

    async def go() -> None:
        book = PriceBook()
        async with httpx2.AsyncClient(transport=httpx2.MockTransport(down)) as client:
            await book.refresh(client, "http://router/v1/models")
            for _ in range(5):
                book.maybe_refresh(client, "http://router/v1/models")
                await asyncio.sleep(0)
        assert book.prices == {} and book.fetched_at is None

    asyncio.run(go())
    assert calls == ["/v1/models"]


def test_the_listening_socket_disables_nagle() -> None:
    sock = bind("127.0.0.1", 0)
    try:
        assert sock.proto == socket.IPPROTO_TCP
        assert sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 1
    finally:
        sock.close()


def test_the_stream_reader_sees_the_done_that_ends_a_stream_across_any_split() -> None:
    body = event({"choices": [{"delta": {"content": "hi"}}], "usage": None}) + b"data: [DONE]\r\n\r\n"
    for size in (1, 3, len(body)):
        reader = meter.StreamMeter(False)
        assert b"".join(reader.feed(body[i:i + size]) for i in range(0, len(body), size)) == body
        assert reader.done
    cut = meter.StreamMeter(False)
    cut.feed(event({"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 2}}))
    assert cut.finish() == b"" and not cut.done and cut.tokens == (9, 2)  # the app records it cut short
    bare = meter.StreamMeter(True)
    assert bare.feed(b"data: [DONE]") == b"" and bare.finish() == b"data: [DONE]" and bare.done


def test_an_event_past_the_cap_is_passed_on_unread_and_the_usage_is_unknown() -> None:
    usage_only = event({"choices": [], "usage": {"prompt_tokens": 9, "completion_tokens": 2}})
    long_line = b"data: " + b"x" * 40 + b"\n"  # no blank line: one event, past a 32-byte cap
    for strip in (True, False):
        reader = meter.StreamMeter(strip, held_max=32)
        out = reader.feed(long_line[:20])
        assert out == (b"" if strip else long_line[:20])  # held while it may still be the usage chunk to strip
        out += reader.feed(long_line[20:])
        assert out == long_line and reader.unread  # past the cap: all of it passed on, nothing held
        rest = b"\n" + usage_only + b"data: [DONE]\n\n"
        assert reader.feed(rest) == rest  # no longer stripped: the usage is unknown anyway
        assert reader.done and reader.tokens == (9, 2) and reader.usage is None


def test_usage_is_read_from_the_end_of_an_answer_only_where_it_belongs_to_the_answer() -> None:
    """`usage_at_end` reads what the outermost object's `usage` says, from its last bytes; anything it cannot tell
    from a `usage` nested deeper, escaped in a string or cut off is unknown (None), never a guess."""
    usage = '"usage": {"prompt_tokens": 7, "completion_tokens": 3}'
    cases = {
        '..., 0.5]}], "model": "m", ' + usage + '}': (7, 3),
        '..., 0.5]}], ' + usage + ', "model": "m"}\n': (7, 3),  # followed by the object's other keys
        '...": 1, "x": {' + usage + '}}': None,  # nested in another object
        '...": 1, "x": [{' + usage + '}]}': None,  # in an array
        r'...": "a \"usage\": {\"prompt_tokens\": 7, \"completion_tokens\": 3}"}': None,  # in a string
        r'..., "a \"usage": {"prompt_tokens": 7, "completion_tokens": 3}}': None,  # a key `a "usage`
        usage + '}': None,  # cut where the key starts: whatever came before cannot be told
        '..., ' + usage[:-3]: None,  # the answer cut short
        '..., "usage": null}': None,
    }
    for tail, tokens in cases.items():
        assert meter.usage_at_end(tail.encode()) == tokens, tail


def test_the_tail_kept_ends_past_any_whitespace_the_answer_ends_with() -> None:
    tail = meter.Tail()
    tail.feed(b'{"data": [1], "usage": {"prompt_tokens": 7, "completion_tokens": 3}}   ')
    for _ in range(100):
        tail.feed(b" " * (meter.TAIL_MAX // 2))
    assert len(tail.bytes) < 100 and meter.usage_at_end(tail.bytes) == (7, 3)
    tail.feed(b"x" * (3 * meter.TAIL_MAX))
    assert len(tail.bytes) <= 2 * meter.TAIL_MAX and meter.usage_at_end(tail.bytes) is None
