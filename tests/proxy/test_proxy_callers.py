"""Whose token made each request through the proxy (`LedgerRow.caller`, what whoami names): looked up once per token,
beside the request (which never waits for it), remembered by a keyed hash of the token, never the token; unknown when
whoami fails, and asked again a minute later."""

from __future__ import annotations

import logging
from collections import Counter
from typing import Any

import httpx2
import openai
import pytest
from huggingface_hub import InferenceClient

from hfmon.fakehub import FULL_TOKEN, OTHER_USER_TOKEN
from hfmon.fakehub.faults import RouteFault
from hfmon.ledger import Outcome
from hfmon.proxy import callers
from hfmon.proxy.app import ProxyApp
from hfmon.proxy.server import running
from tests.proxy.conftest import Rig, Rows
from tests.proxy.scripted_router import WHO, scripted_router
from tests.proxy.test_proxy_openai import HELLO, QWEN

WHOAMI = "/api/whoami-v2"


def ask(rig: Rig, token: str = FULL_TOKEN) -> None:
    openai.OpenAI(base_url=f"{rig.url}/v1", api_key=token, max_retries=0).chat.completions.create(
        model=f"{QWEN}:novita", messages=HELLO, max_tokens=20)  # type: ignore[arg-type]


def test_each_row_names_the_account_whose_token_made_it_asking_whoami_once_per_token(rig: Rig) -> None:
    for _ in range(3):
        ask(rig)
    InferenceClient(base_url=rig.url, api_key=OTHER_USER_TOKEN).chat_completion(
        messages=HELLO, model=f"{QWEN}:novita", max_tokens=20)
    rows = rig.rows.wait(4)
    assert Counter(r.caller for r in rows) == {"ada": 3, "grace": 1}
    assert rig.hub.requests.count(WHOAMI) == 2
    # whose token made it does not change whom it is billed to: no X-HF-Bill-To, the router bills each its own
    assert [r.namespace for r in rows] == [None] * 4
    assert Counter(r.namespace for r in rig.hub.traffic.ledger) == {"ada": 3, "grace": 1}


def test_a_request_never_waits_for_whoami_and_its_row_for_the_answer() -> None:
    rows = Rows()
    with scripted_router() as router, running(ProxyApp(router.url, rows.put, hub=router.url)) as url:
        router.whoami_open.clear()  # whoami holds its answer back
        answer = httpx2.post(f"{url}/v1/chat/completions", json={"model": "m/ok", "messages": HELLO},
                             headers={"authorization": "Bearer hf_test"}, timeout=20)
        assert answer.status_code == 200 and answer.json()["usage"]["completion_tokens"] == 2000
        assert rows.items == []  # the answer came back; its row waits for whoami
        router.whoami_open.set()
        [row] = rows.wait(1)
    assert (row.caller, row.outcome, row.completion_tokens) == (WHO, Outcome.OK, 2000)
    assert router.whoami_asked == 1


def test_stopping_the_proxy_hands_over_a_row_still_waiting_for_whoami(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(callers, "WHOAMI_WAIT_S", 0.5)  # the bound on a lookup, shortened for the test
    rows = Rows()
    with scripted_router() as router:
        router.whoami_open.clear()  # never answers while the proxy runs
        with running(ProxyApp(router.url, rows.put, hub=router.url)) as url:
            answer = httpx2.post(f"{url}/v1/chat/completions", json={"model": "m/ok", "messages": HELLO},
                                 headers={"authorization": "Bearer hf_test"}, timeout=20)
            assert answer.status_code == 200
        [row] = rows.items  # handed over before the proxy stopped: whose token, unknown (never someone's)
    assert (row.caller, row.outcome) == (None, Outcome.OK)


def test_whoami_failing_leaves_the_caller_unknown_and_it_is_asked_again_a_minute_later(
        rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    rig.hub.route_faults.append(RouteFault(WHOAMI, status=503, times=1))
    with caplog.at_level(logging.WARNING, logger="hfmon.proxy.callers"):
        ask(rig)
        rig.rows.wait(1)
        ask(rig)
        first, second = rig.rows.wait(2)
    assert (first.caller, second.caller) == (None, None)  # within the minute after the failure: not asked again
    assert rig.hub.requests.count(WHOAMI) == 1
    assert "whoami could not be read: HTTP 503" in caplog.text and FULL_TOKEN not in caplog.text
    rig.clock.advance(seconds=61)
    ask(rig)
    assert rig.rows.wait(3)[2].caller == "ada"
    assert rig.hub.requests.count(WHOAMI) == 2


def test_a_whoami_name_that_is_no_user_name_leaves_the_caller_unknown(
        rig: Rig, caplog: pytest.LogCaptureFixture) -> None:
    def rename(body: dict[str, Any]) -> dict[str, Any]:
        return body | {"name": "Ada Demo"}  # a display name, not a user name: never taken for one

    rig.hub.route_faults.append(RouteFault(WHOAMI, edit=rename))
    with caplog.at_level(logging.WARNING, logger="hfmon.proxy.callers"):
        ask(rig)
        [row] = rig.rows.wait(1)
    assert row.caller is None
    assert "the answer is not the whoami answer hfmon knows" in caplog.text and "Ada Demo" not in caplog.text
