"""The exporter's runtime: each watched account polled on its own schedule, `/metrics` rendered at scrape time.

A scrape never polls: it renders the latest Report of every account (see `metrics.families`). Each account has
its own Monitor, so its own HTTP client and rate-limit governor: one account's rate limit never slows another.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
import time
from collections.abc import Iterable, Sequence
from wsgiref.simple_server import WSGIServer

from prometheus_client.core import Metric
from prometheus_client.registry import CollectorRegistry

from hfmon.errors import ConfigError
from hfmon.exporter.metrics import AccountView, families
from hfmon.monitor import Monitor
from hfmon.report import Health, Report

log = logging.getLogger("hfmon.exporter")
REJECTED_RETRY_MAX_S = 3600.0  # a rejected token is retried at most hourly: it may be fixed in `hf auth` meanwhile
log.addHandler(logging.NullHandler())


class AccountWatch:
    """One watched account: its Monitor, polled every `interval_s`, and what the last poll gave."""

    def __init__(self, account: str, monitor: Monitor, interval_s: float) -> None:
        self.account = account
        self.monitor = monitor
        self.interval_s = interval_s
        self.latest: Report | None = None  # replaced whole by the poll loop; a scrape reads the reference
        self.polls = 0
        self.failed_polls = 0
        self.last_poll_failed = False  # the latest poll raised: `latest` is an older poll's, not served
        self.last_poll_end: float | None = None
        self.rejected_in_a_row = 0  # polls in a row where HF rejected the token

    def view(self) -> AccountView:
        """What a scrape renders for this account now."""
        return AccountView(self.account, self.latest, self.polls, self.failed_polls, self.last_poll_failed,
                           self.interval_s, self.last_poll_end)

    async def poll_once(self) -> None:
        """One poll; a poll that raises is logged and counted, and the Report before it is no longer served."""
        try:
            self.latest = await self.monitor.poll()
            self.last_poll_failed = False
            self.polls += 1
            self.last_poll_end = time.time()  # what the HfmonNotPolling rule compares with its interval
            rejected = self.latest.health is Health.TOKEN_REJECTED
            self.rejected_in_a_row = self.rejected_in_a_row + 1 if rejected else 0
        except Exception:  # the exporter must keep serving whatever one poll did
            self.failed_polls += 1
            self.last_poll_failed = True
            log.exception("account %s: the poll failed", self.account)

    async def run(self, stop: asyncio.Event) -> None:
        """Poll until `stop` is set, waiting the interval (or the rate-limit window) between polls."""
        while not stop.is_set():
            await self.poll_once()
            delay = self.next_delay()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), delay)


    def next_delay(self) -> float:
        """The wait before the next poll: the interval (or the rate-limit window), doubled for each poll in a row
        whose token HF rejected, up to an hour, so a dead token does not knock on HF every minute for days."""
        delay = self.monitor.next_delay(self.interval_s)
        if self.rejected_in_a_row:
            delay = rejected_token_delay(delay, self.rejected_in_a_row)
            log.warning("account %s: Hugging Face rejected the token (HTTP 401); next try in %.0f s. Fix the token "
                        "(`hf auth login`, or the profile's environment variable) and restart the exporter.",
                        self.account, delay)
        return delay


def rejected_token_delay(base_s: float, rejected_in_a_row: int) -> float:
    """`base_s` doubled for each rejected poll in a row, at most REJECTED_RETRY_MAX_S (never below `base_s`)."""
    if rejected_in_a_row <= 0:
        return base_s
    return max(base_s, min(base_s * 2.0 ** min(rejected_in_a_row, 20), REJECTED_RETRY_MAX_S))


class ReportCollector:
    """A prometheus_client collector rendering every account's latest Report at scrape time."""

    def __init__(self, watches: Sequence[AccountWatch]) -> None:
        self.watches = tuple(watches)
        self._rendered: tuple[tuple[object, ...], list[Metric]] | None = None

    def describe(self) -> Iterable[Metric]:
        """Nothing to describe ahead of a scrape: which families have samples depends on the Reports."""
        return []

    def collect(self) -> Iterable[Metric]:
        """The metric families of the latest Reports (no I/O, no poll), built once per poll, not per scrape."""
        views = [w.view() for w in self.watches]
        key = tuple((v.account, id(v.report), v.polls, v.failed_polls) for v in views)  # polls count every Report
        rendered = self._rendered
        if rendered is None or rendered[0] != key:
            rendered = (key, families(views))
            self._rendered = rendered  # scrapes on other threads may build it too: the same families, harmless
        return rendered[1]


class MetricsServer:
    """`/metrics` over HTTP on a daemon thread (prometheus_client's WSGI server)."""

    def __init__(self, watches: Sequence[AccountWatch], host: str, port: int) -> None:
        from prometheus_client.exposition import start_wsgi_server

        registry = CollectorRegistry(auto_describe=False)
        registry.register(ReportCollector(watches))
        try:
            self.httpd, self.thread = start_wsgi_server(port, addr=host, registry=registry)
        except OSError as exc:
            raise ConfigError(f"cannot listen on {host}:{port}: {exc.strerror or exc}",
                              "choose another --port (or --host), or stop what is using it") from None

    @property
    def port(self) -> int:
        """The port it listens on (the one chosen by the system for --port 0)."""
        return int(self.httpd.server_port)

    def close(self) -> None:
        """Stop serving and release the socket."""
        httpd: WSGIServer = self.httpd
        httpd.shutdown()
        httpd.server_close()
        self.thread.join(timeout=5)


async def watch_all(watches: Sequence[AccountWatch], stop: asyncio.Event) -> None:
    """Poll every account on its own schedule until `stop` is set (a poll under way is cancelled, so stopping
    takes no longer than closing the HTTP clients); then close them."""
    tasks = [asyncio.create_task(watch.run(stop)) for watch in watches]
    try:
        await stop.wait()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for watch in watches:
            with contextlib.suppress(Exception):
                await watch.monitor.aclose()


def serve(watches: Sequence[AccountWatch], host: str, port: int) -> None:
    """Serve /metrics of `watches` on host:port and poll them until SIGTERM or SIGINT (ConfigError: the port)."""
    server = MetricsServer(watches, host, port)
    try:
        for watch in watches:
            for warning in dict.fromkeys(watch.monitor.warnings):
                print(f"hfmon: {watch.account}: {warning}", file=sys.stderr)
        accounts = ", ".join(f"{w.account} every {w.interval_s:g} s" for w in watches)
        shown = f"[{host}]" if ":" in host else host
        print(f"hfmon exporter: serving http://{shown}:{server.port}/metrics ({accounts})", file=sys.stderr,
              flush=True)
        run_until_stopped(watches)
    finally:
        server.close()


def run_until_stopped(watches: Sequence[AccountWatch]) -> None:
    """Run the poll loops in this thread until SIGTERM or SIGINT."""
    import signal

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            with contextlib.suppress(NotImplementedError, RuntimeError):  # not on Windows, not off the main thread
                loop.add_signal_handler(sig, stop.set)
        await watch_all(watches, stop)

    asyncio.run(main())

