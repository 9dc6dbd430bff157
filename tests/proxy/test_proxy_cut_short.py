"""Answers the router began and did not end whole, and usage that lacks a count: the caller sees the break, the
ledger keeps the cost unknown (never $0 nor a partial count), and `hfmon run`'s receipt says "at least". Through the
official `openai` client and a scripted router priced $1/M input and $10/M output tokens."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal

import httpx2
import openai
import pytest

from hfmon.costs import ledger as figures
from hfmon.ledger import LedgerRow, Outcome
from hfmon.proxy.app import ProxyApp
from hfmon.proxy.meter import HELD_MAX
from hfmon.proxy.receipt import print_receipt
from hfmon.proxy.server import running
from tests.proxy.conftest import Rows
from tests.proxy.scripted_router import NOBLANK_LINE, NOBLANK_LINES, ScriptedRouter, scripted_router

HELLO = [{"role": "user", "content": "hi"}]
WHOLE_USD = Decimal("0.021")  # 1,000 in x $1/M + 2,000 out x $10/M, by hand


@dataclass
class Setup:
    router: ScriptedRouter
    url: str
    rows: Rows

    def client(self) -> openai.OpenAI:
        return openai.OpenAI(base_url=f"{self.url}/v1", api_key="hf_test", max_retries=0, timeout=20)


@pytest.fixture
def setup() -> Iterator[Setup]:
    rows = Rows()
    with scripted_router() as router, running(ProxyApp(router.url, rows.put, hub=router.url)) as url:
        yield Setup(router, url, rows)


def stream(setup: Setup, model: str) -> list[str]:
    return [c.choices[0].delta.content or "" for c in setup.client().chat.completions.create(
        model=model, messages=HELLO, stream=True) if c.choices]  # type: ignore[arg-type, union-attr]


def test_a_whole_stream_is_metered_and_the_caller_sees_it_end(setup: Setup) -> None:
    assert stream(setup, "m/stream") == ["tok0", "tok1", "tok2"]
    [row] = setup.rows.wait(1)
    assert (row.status, row.outcome, row.prompt_tokens, row.completion_tokens) == (200, Outcome.OK, 1000, 2000)
    assert row.estimated_usd == WHOLE_USD


def test_a_stream_the_router_breaks_off_breaks_off_for_the_caller_and_its_cost_is_unknown(
        setup: Setup) -> None:
    seen: list[logging.LogRecord] = []
    handler = logging.Handler()
    handler.emit = seen.append  # type: ignore[method-assign]
    logging.getLogger("uvicorn.error").addHandler(handler)
    try:
        with pytest.raises(openai.APIConnectionError):  # not a clean end: the client sees the break
            stream(setup, "m/streamcut")
        [row] = setup.rows.wait(1)
    finally:
        logging.getLogger("uvicorn.error").removeHandler(handler)
    assert (row.status, row.outcome, row.prompt_tokens, row.estimated_usd) == (200, Outcome.BAD_RESPONSE, None, None)
    assert not seen  # dropped on purpose: no traceback in the proxy's log
    cost = figures.estimated([row])
    assert (cost.known, cost.missing) == (None, ("unknown:answers the router broke off after answering",))


def test_a_stream_that_ends_without_its_done_is_cut_short_not_its_last_partial_usage(setup: Setup) -> None:
    assert stream(setup, "m/cumul") == ["tok0", "tok1", "tok2"]  # the router ended it cleanly: so does the proxy
    [row] = setup.rows.wait(1)
    # it carried a running usage of (1000, 3) but never its final one nor `data: [DONE]`
    assert (row.status, row.outcome, row.prompt_tokens, row.estimated_usd) == (200, Outcome.BAD_RESPONSE, None, None)
    assert figures.estimated([row]).known is None


def test_a_usage_without_completion_tokens_is_unknown_except_for_embeddings(setup: Setup) -> None:
    setup.client().chat.completions.create(model="m/nocompl", messages=HELLO)  # type: ignore[arg-type]
    setup.client().embeddings.create(model="m/emb", input=["one"])
    rows = sorted(setup.rows.wait(2), key=lambda r: r.route)
    assert [(r.route, r.outcome, r.prompt_tokens, r.completion_tokens, r.estimated_usd) for r in rows] == [
        ("chat", Outcome.OK, None, None, None),  # not 1,000 in and 0 out ($0.001, 21x under)
        ("embedding", Outcome.OK, 8, 0, Decimal("0.000008"))]  # 8 x $1/M


def test_an_sse_line_without_blank_lines_is_passed_on_as_it_comes_and_its_usage_is_unknown(setup: Setup) -> None:
    assert len(NOBLANK_LINE) * NOBLANK_LINES > 2 * HELD_MAX
    got = bytearray()
    with httpx2.stream("POST", f"{setup.url}/v1/chat/completions", timeout=20,
                       json={"model": "m/noblank", "messages": HELLO, "stream": True}) as resp:
        for chunk in resp.iter_raw():
            got += chunk
            if len(got) >= 2 * HELD_MAX:  # bytes arrive while the router still holds the end of its stream back
                setup.router.release.set()
    assert setup.router.release.is_set()
    body = bytes(got)
    # all of it, and the usage chunk the caller did not ask for is no longer stripped once an event went unread
    assert body.startswith(NOBLANK_LINE * NOBLANK_LINES) and body.endswith(b"data: [DONE]\n\n")
    assert b'"usage": {"prompt_tokens": 1000' in body
    [row] = setup.rows.wait(1)
    assert (row.outcome, row.prompt_tokens, row.estimated_usd) == (Outcome.OK, None, None)


def test_the_receipt_shows_unknown_tokens_as_unknown_and_the_total_as_at_least(setup: Setup) -> None:
    setup.client().chat.completions.create(model="m/ok", messages=HELLO)  # type: ignore[arg-type]
    setup.client().chat.completions.create(model="m/nocompl", messages=HELLO)  # type: ignore[arg-type]
    with pytest.raises(openai.APIConnectionError):
        stream(setup, "m/streamcut")
    stream(setup, "m/cumul")
    rows = setup.rows.wait(4)
    out = io.StringIO()
    print_receipt("r1", rows, {}, None, out)
    lines = {line.split()[0]: line.split() for line in out.getvalue().splitlines()[2:] if line.startswith(("m/", "t"))}
    # model, requests, errors, tokens in, out, estimated ...
    assert lines["m/ok"][1:6] == ["1", "0", "1,000", "2,000", "$0.021000"]
    assert lines["m/streamcut"][1:6] == ["1", "1", "—", "—", "unknown"]
    assert lines["m/nocompl"][1:6] == ["1", "0", "—", "—", "unknown"]
    assert lines["m/cumul"][1:6] == ["1", "1", "—", "—", "unknown"]
    assert lines["total"][1:8] == ["4", "2", "1,000+", "2,000+", "at", "least", "$0.021000"]
    text = out.getvalue()
    assert "not in the figures: answers the router broke off after answering (unknown)" in text
    assert "not in the figures: requests without usage (unknown)" in text


def row(outcome: Outcome, status: int | None, tokens: tuple[int, int] | None = None,
        usd: Decimal | None = None) -> LedgerRow:
    return LedgerRow(at=datetime(2026, 12, 1, tzinfo=UTC), namespace=None, route="chat", model="m", policy=None,
                     provider="prov", streamed=True, status=status, outcome=outcome, ttfb_s=None, latency_s=None,
                     prompt_tokens=tokens[0] if tokens else None, completion_tokens=tokens[1] if tokens else None,
                     request_id=None, session_id=None, estimated_usd=usd)


def test_only_requests_without_a_2xx_or_3xx_answer_count_as_zero() -> None:
    free = [row(Outcome.HTTP_ERROR, 429), row(Outcome.UNREACHABLE, None), row(Outcome.TIMED_OUT, None),
            row(Outcome.BAD_RESPONSE, None)]
    assert (figures.estimated(free).value, figures.tokens_unknown(free)) == (Decimal(0), 0)
    billed = [row(Outcome.OK, 200, (1000, 2000), WHOLE_USD), row(Outcome.TIMED_OUT, 200),
              row(Outcome.BAD_RESPONSE, 307), row(Outcome.CLIENT_DISCONNECTED, 200)]
    cost = figures.estimated([*free, *billed])
    assert cost.known == WHOLE_USD and not cost.complete
    assert set(cost.missing) == {"unknown:answers the router stopped sending",
                                 "unknown:answers the router broke off after answering",
                                 "unknown:requests broken off by the caller"}
    assert figures.tokens_unknown([*free, *billed]) == 3
