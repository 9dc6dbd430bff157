"""The fake hub over real loopback HTTP: HF clients, concurrency, stalls, truncation, SSE, and the CLI."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import httpx2
import pytest
from huggingface_hub import HfApi, close_session, constants, set_client_factory
from huggingface_hub.utils._http import default_client_factory

from hfmon.fakehub import FULL_TOKEN, FakeHub, Faults, demo_scenario
from hfmon.fakehub.demo import START
from hfmon.fakehub.server import serve
from tests.processes import running

AUTH = {"authorization": f"Bearer {FULL_TOKEN}"}


def test_huggingface_hub_works_against_the_loopback_server(hub: FakeHub, monkeypatch: pytest.MonkeyPatch) -> None:
    with serve(hub) as server:
        assert server.base_url.startswith("http://127.0.0.1:")
        monkeypatch.setattr(constants, "INFERENCE_ENDPOINTS_ENDPOINT", f"{server.base_url}/v2")
        set_client_factory(lambda: httpx2.Client(timeout=10))
        try:
            api = HfApi(endpoint=server.base_url, token=FULL_TOKEN)
            assert api.whoami()["name"] == "ada"
            spaces = list(api.list_spaces(author="ada", expand=["runtime"]))
            assert len(spaces) == 7 and all(s.runtime for s in spaces)
            assert {e.name for e in api.list_inference_endpoints(namespace="ada-labs")} >= {"qwen-prod"}
        finally:
            set_client_factory(default_client_factory)
            close_session()
    links = [r for r in hub.requests if r.path == "/api/spaces"]
    assert len(links) == 2 and all(r.status == 200 for r in links)


def test_concurrent_requests_with_latency_all_succeed_over_keep_alive() -> None:
    hub = FakeHub(demo_scenario(0, latency_ms=30, jitter_ms=10), now=lambda: START)
    with serve(hub) as server, httpx2.Client(base_url=server.base_url, headers=AUTH, timeout=10) as client:
        with ThreadPoolExecutor(8) as pool:
            codes = list(pool.map(lambda i: client.get(f"/api/spaces?cursor={i % 3:x}").status_code, range(32)))
    assert codes == [200] * 32


def test_a_stall_outlasts_the_client_timeout() -> None:
    hub = FakeHub(demo_scenario(0, faults=Faults(stall_rate=1.0, stall_seconds=5)), now=lambda: START)
    with serve(hub) as server, httpx2.Client(base_url=server.base_url, headers=AUTH, timeout=0.3) as client:
        with pytest.raises(httpx2.ReadTimeout):
            client.get("/api/whoami-v2")


def test_a_truncated_body_is_an_incomplete_read_on_the_wire() -> None:
    hub = FakeHub(demo_scenario(0, faults=Faults(truncate_rate=1.0)), now=lambda: START)
    with serve(hub) as server, httpx2.Client(base_url=server.base_url, headers=AUTH, timeout=5) as client:
        with pytest.raises(httpx2.RemoteProtocolError):
            client.get("/api/whoami-v2")


def test_live_usage_stream_delivers_usage_after_keepalives_and_a_partial_event(hub: FakeHub) -> None:
    with serve(hub) as server, httpx2.Client(base_url=server.base_url, headers=AUTH, timeout=5) as client:
        with client.stream("GET", "/api/settings/billing/usage/live",
                           headers={"accept": "text/event-stream"}) as r:
            buf = b""
            for chunk in r.iter_bytes():
                buf += chunk
                if b'"inference"' in buf and buf.endswith(b"\n\n"):
                    break
    assert buf.startswith(b"event: count\ndata: {") and b"event: usage\ndata: {" in buf


def test_serve_refuses_non_loopback_hosts(hub: FakeHub) -> None:
    with pytest.raises(ValueError), serve(hub, host="0.0.0.0"):
        pass


@contextmanager
def ctrl_c_reaches_children() -> Iterator[None]:
    """Children start with Ctrl-C as a terminal gives it, even when the tests run as a shell's background job.

    Such a job ignores SIGINT, and an ignored signal stays ignored across exec (the child would never see Ctrl-C);
    a handled one is reset to the default, which a Python child turns into KeyboardInterrupt.
    """
    before = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, before)


def test_cli_prints_the_exports_and_stops_on_ctrl_c() -> None:
    code = "from hfmon.fakehub.cli import main; raise SystemExit(main(['--speed', '60', '--seed', '1']))"
    # `running` stops the server whatever happens here, even if it ignored Ctrl-C.
    with ctrl_c_reaches_children(), running([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True,
                                            env={**os.environ, "PYTHONUNBUFFERED": "1"}) as proc:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(6)]
        exports = dict(line.removeprefix("export ").strip().split("=", 1) for line in lines if
                       line.startswith("export "))
        base = exports["HF_ENDPOINT"]
        assert exports["HFMON_ENDPOINTS_URL"] == f"{base}/v2" and exports["HFMON_ROUTER_URL"] == base
        r = httpx2.get(f"{exports['HFMON_ENDPOINTS_URL']}/endpoint/ada",
                       headers={"authorization": f"Bearer {exports['HF_TOKEN']}"}, timeout=10)
        assert r.status_code == 200 and r.json()["items"]
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == 0
