"""Delivering alerts: to a hook command (no shell, the alert as JSON on stdin) and to a webhook (JSON POST).

Both are bounded (a timeout each, a few retries for the webhook) and never raise: a failure comes back as a
message for the log and the screen, and monitoring goes on. Neither ever carries the Hugging Face token: the
hook runs without HF_TOKEN in its environment, and the webhook gets the alert document only, from a client of
its own (not the one that talks to Hugging Face).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from hfmon import __version__
from hfmon.alerts.engine import ADVISORY, FIRED, AlertEvent
from hfmon.config import Alerts
from hfmon.scrub import holds_secret, scrub

HOOK_STDERR_KEPT = 4096  # bytes of a failing hook's stderr shown (the rest is read and dropped)
HOOK_EXIT_POLL_S = 0.02  # how often a running hook is checked for having exited
HOOK_DRAIN_S = 0.5  # how long what a hook wrote to stderr is read after it exits (a child may keep it open)
WEBHOOK_ATTEMPTS = 3
WEBHOOK_BACKOFF_S = 0.5  # before the second attempt; doubled before each next one
TOKEN_VARIABLES = ("HF_TOKEN", "HUGGING_FACE_HUB_TOKEN", "HF_API_TOKEN")
DISCORD_MAX = 2000  # characters in a Discord message


@dataclass(frozen=True, slots=True)
class Undelivered:
    """An alert event that the hook or the webhook has not received yet (retried on a later poll)."""

    event: AlertEvent
    hook: bool = True  # the hook still has to get it
    webhook: bool = True  # the webhook still has to get it


async def deliver(events: Sequence[AlertEvent], alerts: Alerts) -> list[str]:
    """Send each event to the hook and the webhook configured, in order; return what failed, in words."""
    failures, _ = await deliver_each([Undelivered(e) for e in events], alerts)
    return failures


async def deliver_each(items: Sequence[Undelivered], alerts: Alerts) -> tuple[list[str], list[Undelivered]]:
    """Send each item to the targets it has not reached; return what failed, in words, and what is still
    undelivered (only to the target that failed: the other is never paged twice)."""
    failures: list[str] = []
    left: list[Undelivered] = []
    for item in items:
        doc = item.event.document()
        targets, jobs = [], []
        if alerts.hook and item.hook:
            targets.append("hook")
            jobs.append(run_hook(alerts.hook, doc, float(alerts.hook_timeout_s)))
        if alerts.webhook_url and item.webhook:
            targets.append("webhook")
            jobs.append(post_webhook(alerts.webhook_url, webhook_payload(item.event, alerts.webhook_format),
                                     float(alerts.webhook_timeout_s)))
        failed = set()
        for target, outcome in zip(targets, await asyncio.gather(*jobs, return_exceptions=True), strict=True):
            if isinstance(outcome, BaseException):  # a bug must not stop monitoring either
                failures.append(f"alert delivery failed: {scrub(repr(outcome))[:200]}")
                failed.add(target)
            elif outcome:
                failures.append(outcome)
                failed.add(target)
        if failed:
            left.append(Undelivered(item.event, "hook" in failed, "webhook" in failed))
    return failures, left


def text_of(event: AlertEvent) -> str:
    """The alert as one short message (for chat webhooks)."""
    return f"{event.title}\n{event.message}\n_{ADVISORY}._" if event.kind == FIRED else \
        f"{event.title}\n{event.message}"


def webhook_payload(event: AlertEvent, fmt: str) -> dict[str, Any]:
    """The webhook's JSON body: the alert document, or a Slack (`text`) or Discord (`content`) message."""
    if fmt == "slack":
        return {"text": text_of(event)}
    if fmt == "discord":
        return {"content": text_of(event)[:DISCORD_MAX], "allowed_mentions": {"parse": []}}
    return event.document()


def hook_environment(environ: Mapping[str, str]) -> dict[str, str]:
    """The hook's environment: hfmon's, without any Hugging Face token, under whatever name it is kept (a
    profile's `token_env`, say): the usual names, and every variable holding a token hfmon uses or one shaped
    like a token."""
    return {k: v for k, v in environ.items() if k not in TOKEN_VARIABLES and not holds_secret(v)}


async def run_hook(argv: Sequence[str], doc: dict[str, Any], timeout_s: float) -> str | None:
    """Run the hook without a shell, the alert JSON on its stdin; None when it exits 0 in time."""
    name = os.path.basename(argv[0])
    env = hook_environment(os.environ)
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE, env=env, start_new_session=True)
    except OSError as exc:
        return f"alert hook {name} could not start: {exc.strerror or exc}; check alerts.hook in the config file"

    assert proc.stdin is not None and proc.stderr is not None
    stderr = proc.stderr
    kept = bytearray()

    async def drain() -> None:
        while chunk := await stderr.read(65536):  # read all, keep the first bytes: the hook never blocks on it
            kept.extend(chunk[:max(0, HOOK_STDERR_KEPT - len(kept))])

    async def talk() -> None:
        assert proc.stdin is not None
        try:
            proc.stdin.write(json.dumps(doc).encode() + b"\n")
            await proc.stdin.drain()
            proc.stdin.close()
        except (BrokenPipeError, ConnectionResetError):
            pass  # a hook that does not read its input may still succeed
        # its exit status: a child it left behind may hold stderr open much longer, and Process.wait() (Python
        # 3.11) returns only once every pipe is closed; the exit itself is known as soon as it is reaped
        while proc.returncode is None:  # noqa: ASYNC110 - no event says it exited before its pipes close
            await asyncio.sleep(HOOK_EXIT_POLL_S)

    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    reading = asyncio.ensure_future(drain())
    try:
        await asyncio.wait_for(talk(), timeout_s)
    except TimeoutError:
        _kill_session(proc.pid)  # the hook and whatever it started (its own session)
        await proc.wait()
        reading.cancel()
        await asyncio.gather(reading, return_exceptions=True)
        return f"alert hook {name} did not finish within {timeout_s:g} s and was stopped"
    # what it wrote before exiting, read within what is left of the timeout (and at most HOOK_DRAIN_S); a process
    # it left behind still holding hfmon's stderr pipe is stopped with its session, never waited for
    done, _ = await asyncio.wait({reading}, timeout=max(0.05, min(HOOK_DRAIN_S, deadline - loop.time())))
    if not done:
        _kill_session(proc.pid)
        await asyncio.wait({reading}, timeout=HOOK_DRAIN_S)
    reading.cancel()
    await asyncio.gather(reading, return_exceptions=True)
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(proc.wait(), HOOK_DRAIN_S)  # its pipes closed: nothing of it outlives the call
    err = bytes(kept)
    if proc.returncode != 0:
        last = scrub(err.decode("utf-8", "replace").strip().splitlines()[-1]) if err.strip() else ""
        return f"alert hook {name} exited with status {proc.returncode}" + (f": {last[:200]}" if last else "")
    return None


def _kill_session(pid: int) -> None:
    """SIGKILL every process of the session a hook was started in (start_new_session: its group id is its pid)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, signal.SIGKILL)


async def _post_status(client: Any, url: str, payload: dict[str, Any]) -> int:
    """POST `payload` and return the answer's status; its body is never read (nothing from it is needed)."""
    async with client.stream("POST", url, json=payload, headers={"User-Agent": f"hfmon/{__version__}"}) as response:
        return int(response.status_code)


async def post_webhook(url: str, payload: dict[str, Any], timeout_s: float,
                       attempts: int = WEBHOOK_ATTEMPTS, backoff_s: float = WEBHOOK_BACKOFF_S) -> str | None:
    """POST `payload` as JSON, retrying server errors, 429 and network failures; None once it is accepted.

    The URL is never shown whole (Slack's and Discord's carry their secret): messages name its host only.
    """
    import httpx2

    host = urlsplit(url).hostname or "the webhook"
    last = ""
    async with httpx2.AsyncClient(timeout=timeout_s, follow_redirects=False, trust_env=False) as client:
        for attempt in range(attempts):
            if attempt:
                await asyncio.sleep(backoff_s * 2 ** (attempt - 1))
            try:
                # httpx2's timeout bounds each read, not the answer: a server trickling its head a byte at a time
                # would hold a cron `hfmon guard` for minutes. Each attempt is bounded as a whole.
                status = await asyncio.wait_for(_post_status(client, url, payload), timeout_s)
            except httpx2.HTTPError as exc:
                last = f"{type(exc).__name__}"
                continue
            except TimeoutError:
                last = f"no answer within {timeout_s:g} s"
                continue
            if 200 <= status < 300:
                return None
            last = f"HTTP {status}"
            if status != 429 and status < 500:
                break  # the request itself is refused: retrying would not help
    return f"alert webhook to {host} failed ({last}); check alerts.webhook_url"
