"""Upstream answers the proxy cannot read, and a model list it must not read without bound: what the caller, the
ledger and the log see. Through the official `openai` client and the fake router on loopback."""

from __future__ import annotations

import asyncio
import gzip
import logging
import os
import subprocess
import sys
from pathlib import Path

import httpx2
import openai
import pytest

from hfmon.fakehub import FULL_TOKEN
from hfmon.fakehub.faults import RouteFault
from hfmon.fakehub.server import Server
from hfmon.ledger import Outcome
from hfmon.proxy.prices import PRICES_MAX_BYTES, PriceBook
from tests.proxy.conftest import Rig

QWEN = "Qwen/Qwen3-235B-A22B-Instruct-2507"
HELLO = [{"role": "user", "content": "Hello through the proxy"}]
# gzip's magic and header, then bytes that are no deflate stream, with what a terminal would obey among them
CORRUPT_GZIP = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03" + b"\xff\xfe EVIL \x1b]0;owned\x07 \x1b[31m" * 4


def client(rig: Rig) -> openai.OpenAI:
    return openai.OpenAI(base_url=f"{rig.url}/v1", api_key=FULL_TOKEN, max_retries=0)


def test_a_corrupt_gzip_answer_is_a_bad_response_not_an_unreachable_router(rig: Rig) -> None:
    rig.hub.route_faults.append(RouteFault("/v1/chat/completions", body=CORRUPT_GZIP,
                                           headers=(("Content-Encoding", "gzip"),)))
    with pytest.raises(openai.APIStatusError) as bad:
        client(rig).chat.completions.create(model=f"{QWEN}:novita", messages=HELLO)
    assert bad.value.status_code == 502
    message = bad.value.response.json()["error"]["message"]
    assert message == "hfmon proxy: the router's answer could not be decoded: its gzip compression is corrupt"
    assert b"EVIL" not in bad.value.response.content and b"\x1b" not in bad.value.response.content
    [row] = rig.rows.wait(1)
    assert (row.status, row.outcome, row.prompt_tokens, row.estimated_usd) == (200, Outcome.BAD_RESPONSE, None, None)


def test_a_gzip_answer_cut_short_is_a_bad_response(rig: Rig) -> None:
    whole = gzip.compress(b'{"choices": [], "usage": {"prompt_tokens": 5, "completion_tokens": 7}}')
    rig.hub.route_faults.append(RouteFault("/v1/chat/completions", body=whole[:-6],
                                           headers=(("Content-Encoding", "gzip"),)))
    r = httpx2.post(f"{rig.url}/v1/chat/completions", json={"model": QWEN, "messages": HELLO},
                    headers={"authorization": f"Bearer {FULL_TOKEN}"})
    assert r.status_code == 502
    assert r.json()["error"]["message"] == ("hfmon proxy: the router's answer could not be decoded: its gzip "
                                            "compression ends before its data does (cut short)")
    [row] = rig.rows.wait(1)
    assert row.outcome is Outcome.BAD_RESPONSE and row.prompt_tokens is None  # never the cut answer's 5 and 7


def test_a_well_formed_gzip_answer_is_passed_on_decoded(rig: Rig) -> None:
    doc = b'{"id": "x", "object": "chat.completion", "created": 1, "model": "m", "choices": [], ' \
          b'"usage": {"prompt_tokens": 5, "completion_tokens": 7, "total_tokens": 12}}'
    rig.hub.route_faults.append(RouteFault("/v1/chat/completions", body=gzip.compress(doc),
                                           headers=(("Content-Encoding", "gzip"),)))
    answer = client(rig).chat.completions.create(model=f"{QWEN}:novita", messages=HELLO)
    assert answer.usage is not None and (answer.usage.prompt_tokens, answer.usage.completion_tokens) == (5, 7)
    [row] = rig.rows.wait(1)
    assert (row.outcome, row.prompt_tokens, row.completion_tokens) == (Outcome.OK, 5, 7)


def read_prices(fake: Server, book: PriceBook) -> None:
    async def go() -> None:
        async with httpx2.AsyncClient() as c:
            await book.refresh(c, f"{fake.base_url}/v1/models")

    asyncio.run(go())


def test_a_model_list_past_its_cap_is_a_logged_error_and_the_last_prices_stay(
        fake: Server, caplog: pytest.LogCaptureFixture) -> None:
    book = PriceBook()
    read_prices(fake, book)
    before = dict(book.prices)
    assert before and book.unreadable is None
    fake.hub.route_faults.append(RouteFault("/v1/models", pad_to=PRICES_MAX_BYTES + 1))  # still valid JSON
    with caplog.at_level(logging.ERROR, logger="hfmon.proxy.prices"):
        read_prices(fake, book)
    assert book.prices == before  # kept, not emptied
    assert book.unreadable == "router prices could not be read: the answer is over 8 MB"
    [record] = caplog.records
    assert record.levelno == logging.ERROR
    assert record.getMessage() == (f"router prices could not be read: the answer is over 8 MB (from "
                                   f"{fake.base_url}/v1/models); keeping the last ones")
    fake.hub.route_faults.clear()
    read_prices(fake, book)
    assert book.unreadable is None and book.prices == before


def test_a_model_list_just_under_its_cap_is_read(fake: Server) -> None:
    fake.hub.route_faults.append(RouteFault("/v1/models", pad_to=PRICES_MAX_BYTES))
    book = PriceBook()
    read_prices(fake, book)
    assert book.unreadable is None and book.prices


def test_hfmon_run_says_its_requests_are_unpriced_because_the_prices_could_not_be_read(
        fake: Server, tmp_path: Path) -> None:
    fake.hub.route_faults.append(RouteFault("/v1/models", status=503, reason="Service Unavailable"))
    script = tmp_path / "script.py"
    script.write_text("import os, openai\n"
                      "c = openai.OpenAI(api_key=os.environ['HF_TOKEN'], max_retries=0)\n"
                      f"c.chat.completions.create(model='{QWEN}:novita',\n"
                      "                           messages=[{'role': 'user', 'content': 'hi'}])\n")
    env = {**os.environ, "HFMON_ROUTER_URL": fake.base_url, "HF_ENDPOINT": fake.base_url,
           "HFMON_DATA_DIR": str(tmp_path), "HF_TOKEN": FULL_TOKEN}
    done = subprocess.run([sys.executable, "-m", "hfmon", "run", "--", sys.executable, str(script)], env=env,
                          capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, done.stderr
    lines = done.stderr.splitlines()
    [model_line] = [line for line in lines if line.startswith(QWEN)]
    assert "unknown" in model_line.split()  # the estimate: never $0
    assert (f"  not in the figures: {QWEN} via novita (unpriced: router prices could not be read: HTTP 503)"
            in lines)


def test_a_provider_header_with_terminal_escapes_loses_no_answer_and_is_never_stored(rig: Rig) -> None:
    # audit 5 #5: the server refused to pass on a header value with control characters and dropped the billed 200;
    # the value itself reached the ledger, /metrics labels and --json raw
    rig.hub.route_faults.append(RouteFault("/v1/chat/completions",
                                           headers=(("x-inference-provider", "\x1b]0;PWNED\x07\x1b[2J evil"),)))
    done = client(rig).chat.completions.create(model=f"{QWEN}:novita", messages=HELLO)
    assert done.usage is not None and done.usage.completion_tokens > 0  # the caller got the router's answer
    [row] = rig.rows.wait(1)
    assert (row.status, row.outcome, row.provider) == (200, Outcome.OK, "novita")  # the pinned provider, not the text
    assert row.estimated_usd is not None and row.estimated_usd > 0
