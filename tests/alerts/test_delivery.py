"""Alert delivery: the hook gets the JSON on stdin, the webhook gets a POST (a local server, no network), and a
failing hook or webhook is reported without stopping monitoring."""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal as D
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from hfmon.alerts.deliver import deliver, post_webhook
from hfmon.alerts.engine import AlertEvent, MemoryAlertState, evaluate_alerts
from hfmon.api.governor import Governor
from hfmon.api.hub import HubClient
from hfmon.api.urls import BaseUrls
from hfmon.clock import FrozenClock
from hfmon.collect import Collector
from hfmon.config import Alerts, Config
from hfmon.fakehub import FULL_TOKEN, FakeHub, demo_scenario
from hfmon.monitor import Monitor
from hfmon.store import HistoryStore
from tests.tui.builder import build_report

RECORD = "import json, os, sys; open(sys.argv[1], 'a').write(json.dumps([sys.stdin.read(), " \
         "'HF_TOKEN' in os.environ]) + '\\n')"


def one_event() -> AlertEvent:
    (event,) = evaluate_alerts(replace(build_report()), Alerts(max_overage_usd=D(0)), MemoryAlertState())
    return event


async def test_the_hook_gets_the_alert_json_on_stdin_without_the_token(tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HF_TOKEN", "hf_secretsecretsecretsecret1234")
    out = tmp_path / "got.jsonl"
    alerts = Alerts(hook=(sys.executable, "-c", RECORD, str(out)))
    event = one_event()
    assert await deliver([event], alerts) == []
    (line,) = out.read_text().splitlines()
    stdin, saw_token = json.loads(line)
    doc = json.loads(stdin)
    assert doc["rule"] == "max_overage_usd" and doc["subject"] == "acme" and doc["value"] == 301.4
    assert doc["message"] == "Inference Providers overage this period (acme): $301.40, above the limit $0.00"
    assert "do not stop spending" in doc["advisory"]
    assert saw_token is False


async def test_the_hook_never_gets_a_token_under_any_variable_name(tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """A profile's token in its own variable (`token_env = "ACME_HF_TOKEN"`), and a token hfmon holds that is not
    `hf_`-shaped, stay out of the hook's environment (audit 3, finding 15: ACME_HF_TOKEN reached the hook)."""
    from hfmon.scrub import register_secret

    odd = "org-api-key-0123456789abcdefghij"
    register_secret(odd)
    monkeypatch.setenv("ACME_HF_TOKEN", "hf_fake_full_0123456789abcdefFULL")
    monkeypatch.setenv("OTHER_KEY", odd)
    monkeypatch.setenv("HFMON_HOOK_PLAIN", "kept as it is")
    out = tmp_path / "env.json"
    dump = "import json, os, sys; open(sys.argv[1], 'w').write(json.dumps(dict(os.environ)))"
    assert await deliver([one_event()], Alerts(hook=(sys.executable, "-c", dump, str(out)))) == []
    env = json.loads(out.read_text())
    assert "ACME_HF_TOKEN" not in env and "OTHER_KEY" not in env
    assert not any("hf_fake_full" in v or odd in v for v in env.values())
    assert env["HFMON_HOOK_PLAIN"] == "kept as it is"


@pytest.mark.parametrize(("argv", "expected"), [
    ((sys.executable, "-c", "import sys; sys.stderr.write('no route\\n'); sys.exit(3)"),
     "exited with status 3: no route"),
    ((sys.executable, "-c", "import time; time.sleep(30)"), "did not finish within 1 s and was stopped"),
    (("/nonexistent/hfmon-hook",), "hfmon-hook could not start"),
])
async def test_a_failing_hook_is_reported_in_words(argv: tuple[str, ...], expected: str) -> None:
    (failure,) = await deliver([one_event()], Alerts(hook=argv, hook_timeout_s=D(1)))
    assert expected in failure


class Recorder(BaseHTTPRequestHandler):
    """Answers POSTs with the next status of `statuses` (then 204), recording each body."""

    statuses: list[int] = []
    bodies: list[dict[str, Any]] = []

    def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
        length = int(self.headers.get("Content-Length", "0"))
        type(self).bodies.append(json.loads(self.rfile.read(length)))
        self.send_response(type(self).statuses.pop(0) if type(self).statuses else 204)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def server() -> Iterator[tuple[str, type[Recorder]]]:
    handler = type("Handler", (Recorder,), {"statuses": [], "bodies": []})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/hook/SECRETPART", handler
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


@pytest.mark.parametrize(("fmt", "key"), [("json", "rule"), ("slack", "text"), ("discord", "content")])
async def test_the_webhook_posts_the_alert_in_the_format_chosen(server: tuple[str, type[Recorder]], fmt: str,
                                                                key: str) -> None:
    url, handler = server
    assert await deliver([one_event()], Alerts(webhook_url=url, webhook_format=fmt)) == []
    (body,) = handler.bodies
    assert key in body
    text = json.dumps(body)
    assert "$301.40" in text and "acme" in text
    if fmt != "json":
        assert "advisory" in body[key]


async def test_the_webhook_retries_server_errors_then_succeeds(server: tuple[str, type[Recorder]]) -> None:
    url, handler = server
    handler.statuses = [503, 500]
    assert await post_webhook(url, {"a": 1}, 5, backoff_s=0.01) is None
    assert len(handler.bodies) == 3


async def test_a_failing_webhook_is_reported_without_its_secret_url(server: tuple[str, type[Recorder]]) -> None:
    url, handler = server
    handler.statuses = [500, 500, 500]
    failure = await post_webhook(url, {"a": 1}, 5, backoff_s=0.01)
    assert failure is not None and "HTTP 500" in failure and "127.0.0.1" in failure
    assert "SECRETPART" not in failure
    handler.statuses = [404]
    assert "HTTP 404" in (await post_webhook(url, {"a": 1}, 5, backoff_s=0.01) or "")
    assert len(handler.bodies) == 4  # a 4xx is not retried


async def test_failing_delivery_does_not_stop_monitoring(tmp_path: Path) -> None:
    """A Monitor on the fake hub whose hook fails and whose webhook is unreachable: every poll still reports."""
    scenario = demo_scenario(discrepancies=False)
    clock = FrozenClock(scenario.start)
    hub = FakeHub(scenario, now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    alerts = Alerts(max_cost_per_hour_usd=D(0), hook=(sys.executable, "-c", "import sys; sys.exit(1)"),
                    webhook_url="http://127.0.0.1:9/unreachable", webhook_timeout_s=D(1))
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    monitor = Monitor(Collector(client, clock), clock, Config(alerts=alerts), store)
    try:
        first = await monitor.poll()
        assert [e.key for e in monitor.alert_events] == ["[@ada] max_cost_per_hour_usd:account"]  # ada's, by whoami
        clock.advance(timedelta(minutes=5).total_seconds())
        second = await monitor.poll()
        assert monitor.alert_events == []  # the same crossing: not again
        assert second.generated_at > first.generated_at
    finally:
        await monitor.aclose()
    assert any("alert hook python" in w and "exited with status 1" in w for w in monitor.warnings)
    assert any("alert webhook to 127.0.0.1 failed" in w for w in monitor.warnings)
    with HistoryStore.open(tmp_path / "history.sqlite3") as reopened:
        from hfmon.store.alert_state import SqliteAlertState

        assert [(e.rule, e.subject) for e in SqliteAlertState(reopened).history()] == [
            ("max_cost_per_hour_usd", "account")]


async def test_a_webhook_that_trickles_its_answer_is_given_up_on_each_attempt() -> None:
    """Every byte comes within the read timeout, but the answer as a whole would take ~20 s: each attempt is bounded
    as a whole, so a cron `hfmon guard` is not held for minutes (audit 3, finding 4)."""
    answer = b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\nX-Padding: " + b"x" * 150 + b"\r\n\r\n"
    attempts = 0

    async def trickle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal attempts
        attempts += 1
        await reader.readuntil(b"\r\n\r\n")
        try:
            for i in range(len(answer)):
                writer.write(answer[i:i + 1])
                await writer.drain()
                await asyncio.sleep(0.1)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(trickle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    async with server:
        failure = await post_webhook(f"http://127.0.0.1:{port}/hook", {"a": 1}, 0.5, attempts=2, backoff_s=0.01)
    assert failure == "alert webhook to 127.0.0.1 failed (no answer within 0.5 s); check alerts.webhook_url"
    assert attempts == 2


async def test_an_alert_the_webhook_missed_is_sent_on_the_next_poll_once(server: tuple[str, type[Recorder]]) -> None:
    """The receiver is down at the crossing (3 attempts answered 503) and back by the next poll: the alert reaches it
    then, with the time of its crossing, and only once; the alert is not fired again (audit 7 C9)."""
    url, handler = server
    handler.statuses = [503, 503, 503]
    clock = FrozenClock(datetime(2026, 11, 18, 15, tzinfo=UTC))
    hub = FakeHub(demo_scenario(seed=7), now=clock.now)
    client = HubClient(FULL_TOKEN, BaseUrls(), transport=hub.transport(), clock=clock,
                       governor=Governor(backoff_base_s=0.001))
    alerts = Alerts(max_cost_per_hour_usd=D(5), webhook_url=url, webhook_timeout_s=D(5))
    monitor = Monitor(Collector(client, clock), clock, Config(alerts=alerts), None)
    fired = []
    try:
        for _poll in range(3):
            await monitor.poll()
            await monitor.wait_deliveries()
            fired.append([e.title for e in monitor.alert_events])
            clock.advance(600)
    finally:
        await monitor.aclose()
    assert fired == [["hfmon alert: running cost now"], [], []]
    crossing = ("hfmon alert: running cost now", "2026-11-18T15:00:00Z")
    assert handler.bodies[3]["title"] == crossing[0] and handler.bodies[3]["at"] == crossing[1]
    assert len(handler.bodies) == 4  # 3 attempts answered 503 at 15:00, then delivered at 15:10, and not again
    assert any("alert webhook to 127.0.0.1 failed" in w and "503" in w for w in monitor.warnings)


async def test_only_the_target_that_missed_an_alert_gets_it_again(tmp_path: Path,
                                                                  server: tuple[str, type[Recorder]]) -> None:
    """The hook got the alert and the webhook did not: the retry goes to the webhook alone, never a second page."""
    from hfmon.alerts.deliver import Undelivered, deliver_each

    url, handler = server
    handler.statuses = [404]
    out = tmp_path / "got.jsonl"
    alerts = Alerts(hook=(sys.executable, "-c", RECORD, str(out)), webhook_url=url)
    event = one_event()
    failures, left = await deliver_each([Undelivered(event)], alerts)
    assert len(failures) == 1 and "HTTP 404" in failures[0]
    assert left == [Undelivered(event, hook=False, webhook=True)]
    assert await deliver_each(left, alerts) == ([], [])
    assert len(out.read_text().splitlines()) == 1 and len(handler.bodies) == 2
