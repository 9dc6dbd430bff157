"""The fake hub on loopback HTTP: a threaded HTTP/1.1 server (keep-alive) bound to 127.0.0.1 only.

Latency and stalls sleep in the request's own thread, so they never hold up other requests. The latency counts from
the moment the request arrived: the fake's own work on it (reading it, computing the answer) is part of it, as a
server's is part of a real round trip, not added to it. Truncated bodies
are sent with the full Content-Length and the connection is closed early, as a dropped connection looks.
The live-usage stream sends one complete event and then holds the connection open briefly before closing.
"""

from __future__ import annotations

import _thread
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from hfmon.fakehub.hub import FakeHub
from hfmon.fakehub.wire import Req, Resp

LOOPBACK = frozenset({"127.0.0.1", "localhost"})


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    request_queue_size = 256  # the stdlib's 5 drops connections when a client opens many at once
    hub: FakeHub
    stopping: threading.Event

    def process_request(self, request: socket.socket | tuple[bytes, socket.socket], client_address: Any) -> None:
        """Serve the connection in a thread of its own, started without waiting for it to run: `threading.Thread.start`
        waits until the new thread holds the GIL (up to a switch interval, 5 ms, while other threads are busy), and
        the accept loop did so for each connection in turn: 30 connections opened at once took 10-100 ms to be read."""
        _thread.start_new_thread(self.process_request_thread, (request, client_address))

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that hangs up mid-response is normal (pool closed, poll deadline); anything else is printed."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        super().handle_error(request, client_address)  # type: ignore[arg-type]


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def setup(self) -> None:
        """Disable Nagle: headers and body go out at once instead of waiting for a delayed ACK."""
        super().setup()
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib signature
        """Stay quiet: the CLI prints what matters."""

    def parse_request(self) -> bool:
        """Note when the request arrived (its request line was just read): the simulated latency counts from then."""
        self.arrived = time.monotonic()
        return super().parse_request()

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_address[1]}"
        req = Req(self.command, parts.path, parse_qsl(parts.query, keep_blank_values=True),
                  {k.lower(): v for k, v in self.headers.items()}, body, f"http://{host}")
        resp = self.server.hub.answer(req)
        wait = max(0.0, resp.delay_s - (time.monotonic() - self.arrived)) + resp.stall_s
        if wait and self.server.stopping.wait(wait):
            self.close_connection = True
            return
        self._write(resp)

    def _write(self, resp: Resp) -> None:
        # the hub's answer carries its Date (the scenario's clock), never the wall clock's as send_response adds
        self.log_request(resp.status)
        self.send_response_only(resp.status, resp.reason)
        self.send_header("Server", self.version_string())
        for k, v in resp.headers:
            self.send_header(k, v)
        streaming = resp.sse_hold_s > 0
        if resp.chunks:
            self.send_header("Transfer-Encoding", "chunked")
        elif streaming:
            self.send_header("Connection", "close")
        else:
            self.send_header("Content-Length", str(resp.declared_length or len(resp.body)))
        self.end_headers()
        try:
            if resp.chunks:
                self._write_chunks(resp)
                return
            self.wfile.write(resp.body)
            self.wfile.flush()
            if streaming:
                self.server.stopping.wait(resp.sse_hold_s)
        except (BrokenPipeError, ConnectionResetError):
            pass
        if streaming or resp.declared_length is not None:
            self.close_connection = True

    def _write_chunks(self, resp: Resp) -> None:
        """A streamed body in HTTP/1.1 chunked encoding, each chunk flushed after the response's gap."""
        for chunk in (resp.body, *resp.chunks) if resp.body else resp.chunks:
            if resp.chunk_gap_s and self.server.stopping.wait(resp.chunk_gap_s):
                self.close_connection = True
                return
            self.wfile.write(b"%x\r\n%s\r\n" % (len(chunk), chunk))
            self.wfile.flush()
        self.wfile.write(b"0\r\n\r\n")
        self.wfile.flush()

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve


@dataclass
class Server:
    """A running loopback fake hub."""

    hub: FakeHub
    host: str
    port: int

    @property
    def base_url(self) -> str:
        """http://127.0.0.1:PORT: the Hub base; Endpoints API under /v2, router under /v1."""
        return f"http://{self.host}:{self.port}"


@contextmanager
def serve(hub: FakeHub, host: str = "127.0.0.1", port: int = 0) -> Iterator[Server]:
    """Serve `hub` on loopback in a background thread for the duration of the `with` block."""
    if host not in LOOPBACK:
        raise ValueError(f"the fake hub binds loopback only, not {host!r}")
    httpd = _Server(("127.0.0.1", port), _Handler)
    httpd.hub = hub
    httpd.stopping = threading.Event()
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.1}, daemon=True,
                              name="fakehub-server")
    thread.start()
    try:
        yield Server(hub, "127.0.0.1", httpd.server_address[1])
    finally:
        httpd.stopping.set()
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)
