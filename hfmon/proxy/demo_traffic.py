"""`hfmon --demo` traffic: a few requests at a gentle rate through a real in-process `hfmon proxy` to the demo's
fake router, so the proxy's ledger gains rows and the per-model views are alive.

Only the demo starts it (`traffic_for` does nothing outside --demo), and it stops with the dashboard: its
threads (the request loop, the proxy's server, the ledger writer) are joined and the ledger's last rows written.
"""

from __future__ import annotations

import logging
import random
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import httpx2

from hfmon.clock import Clock

if TYPE_CHECKING:
    from hfmon.fakehub import FakeHub
    from hfmon.monitor import Monitor

log = logging.getLogger(__name__)

THREAD = "hfmon-demo-traffic"
GAP_S = (1.0, 2.5)  # real seconds between two requests, drawn uniformly: a gentle, uneven pace
TIMEOUT_S = 10.0  # one request's bound; stopping waits for at most one of them


@dataclass(frozen=True)
class DemoCall:
    """One kind of request the demo sends, and how often (weight)."""

    path: str
    model: str
    streamed: bool
    weight: int


# What a small team's app might send: pinned providers, routing policies, an unpriced provider, embeddings, and
# a provider pinned while it is down (the router answers 400: the error rate is not zero).
CALLS = (
    DemoCall("/v1/chat/completions", "meta-llama/Llama-3.3-70B-Instruct:groq", False, 4),
    DemoCall("/v1/chat/completions", "meta-llama/Llama-3.3-70B-Instruct:groq", True, 3),
    DemoCall("/v1/chat/completions", "Qwen/Qwen3-235B-A22B-Instruct-2507:novita", True, 4),
    DemoCall("/v1/chat/completions", "deepseek-ai/DeepSeek-V3.1:cheapest", False, 3),
    DemoCall("/v1/chat/completions", "openai/gpt-oss-120b:fastest", True, 3),
    DemoCall("/v1/chat/completions", "google/gemma-3-27b-it:featherless-ai", False, 1),
    DemoCall("/v1/chat/completions", "google/gemma-3-27b-it:nebius", False, 1),
    DemoCall("/v1/embeddings", "Qwen/Qwen3-Embedding-8B", False, 2),
)
PROMPTS = ("Summarise this support ticket in one line.", "Translate 'good morning' into French.",
           "Write a haiku about GPUs.", "Classify the sentiment of: the build is green again!",
           "List three uses of a metering proxy.")


def request_body(call: DemoCall, prompt: str) -> dict[str, object]:
    """The OpenAI-shaped body of one demo request."""
    if call.path == "/v1/embeddings":
        return {"model": call.model, "input": prompt}
    body: dict[str, object] = {"model": call.model, "messages": [{"role": "user", "content": prompt}],
                               "max_tokens": 64}
    return body | {"stream": True} if call.streamed else body


class DemoTraffic:
    """A real `hfmon proxy` (uvicorn, its ledger written to `history_path`) in front of the fake hub's router,
    and a thread sending it a request every GAP_S seconds until `stop`."""

    def __init__(self, hub: FakeHub, token: str, history_path: Path, clock: Clock, *, seed: int = 0,
                 gap_s: tuple[float, float] = GAP_S) -> None:
        self.hub, self.token, self.history_path, self.clock = hub, token, history_path, clock
        self.gap_s = gap_s
        self.sent = 0
        self._random = random.Random(seed)  # what is sent
        self._pace = random.Random(seed + 1)  # when (its own: the sequence sent stays the same whatever the timing)
        self._stop = threading.Event()
        self._stack = ExitStack()
        self._thread: threading.Thread | None = None
        self._client: httpx2.Client | None = None
        self.url: str | None = None

    def start(self) -> None:
        """Bring the proxy up (on a free loopback port) and start sending."""
        from hfmon.api.urls import BaseUrls
        from hfmon.proxy.app import ProxyApp
        from hfmon.proxy.server import running
        from hfmon.store import HistoryStore
        from hfmon.store.ledger import LedgerWriter

        try:
            store = self._stack.enter_context(HistoryStore.open(self.history_path))
            writer = LedgerWriter(store)
            self._stack.callback(writer.close)  # after the server stops: its last rows are written
            urls = BaseUrls()  # the public hosts, answered by the fake hub's transport
            app = ProxyApp(urls.router, writer.put, hub=urls.hub, clock=self.clock, transport=self.hub.transport())
            self.url = self._stack.enter_context(running(app))
            self._client = self._stack.enter_context(httpx2.Client(timeout=TIMEOUT_S, trust_env=False))
        except BaseException:
            self._stack.close()
            raise
        self._thread = threading.Thread(target=self._loop, name=THREAD, daemon=True)
        self._thread.start()

    def send_one(self) -> int | None:
        """Send one request of the mix through the proxy; its status, or None when it got no answer."""
        assert self._client is not None and self.url is not None, "start() first"
        call = self._random.choices(CALLS, weights=[c.weight for c in CALLS])[0]
        body = request_body(call, self._random.choice(PROMPTS))
        headers = {"authorization": f"Bearer {self.token}"}
        try:
            with self._client.stream("POST", self.url + call.path, json=body, headers=headers) as resp:
                for _ in resp.iter_raw():
                    pass
        except httpx2.HTTPError as exc:
            log.info("demo traffic: %s", type(exc).__name__)
            return None
        finally:
            self.sent += 1
        return resp.status_code

    def _loop(self) -> None:
        while not self._stop.wait(self._pace.uniform(*self.gap_s)):
            self.send_one()

    def stop(self) -> None:
        """Stop sending, stop the proxy, write the ledger's last rows; every thread is joined."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(TIMEOUT_S + 5)
            self._thread = None
        self._stack.close()


@contextmanager
def traffic_for(monitor: Monitor, demo: bool) -> Iterator[DemoTraffic | None]:
    """Demo traffic while the `with` block runs: only under --demo, and only with a history file for the ledger
    (the demo's own scratch one); otherwise nothing runs and None is given."""
    hub = getattr(monitor.collector.client, "fake", None)
    if not demo or hub is None or monitor.store is None:
        yield None
        return
    from hfmon.errors import HfmonError
    from hfmon.fakehub import FULL_TOKEN

    traffic = DemoTraffic(hub, FULL_TOKEN, monitor.store.path, monitor.clock)
    try:
        traffic.start()
    except (OSError, RuntimeError, HfmonError) as exc:  # the demo still shows everything else
        monitor.warnings.append(f"demo proxy traffic not started: {exc}")
        yield None
        return
    try:
        yield traffic
    finally:
        traffic.stop()
