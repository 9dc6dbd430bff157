"""Serving the proxy app with uvicorn: in the foreground (`hfmon proxy`) or in a background thread (`hfmon run`,
tests, the benchmark), on a socket bound before the server starts so port 0 gives a known free port."""

from __future__ import annotations

import contextlib
import logging
import signal
import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
START_TIMEOUT_S = 30.0


def bind(host: str, port: int) -> socket.socket:
    """A listening TCP socket on host:port (port 0: a free one); OSError says why not."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP said outright: asyncio disables Nagle only on sockets whose proto says TCP; with Nagle on, a
    # response's head and body in two writes wait for the client's delayed ACK (40 ms a request on Linux).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    try:
        sock.bind((host, port))
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock


def _quiet_broken_off(record: logging.LogRecord) -> bool:
    """uvicorn's log without the traceback it writes when the app drops a connection on purpose (`BrokenOff`: the
    router broke off a stream; the ledger says so)."""
    from hfmon.proxy.wire import BrokenOff

    return not (record.exc_info and isinstance(record.exc_info[1], BrokenOff))


def _server(app: Any) -> Any:
    import uvicorn

    errors = logging.getLogger("uvicorn.error")
    if _quiet_broken_off not in errors.filters:
        errors.addFilter(_quiet_broken_off)

    class Server(uvicorn.Server):
        """uvicorn's server, except that Ctrl-C or SIGTERM end `run` normally instead of re-raising the signal
        after shutdown (which would kill the process before the ledger's last rows are written)."""

        @contextlib.contextmanager
        def capture_signals(self) -> Iterator[None]:
            if threading.current_thread() is not threading.main_thread():
                yield
                return
            originals = {sig: signal.signal(sig, self.handle_exit) for sig in (signal.SIGINT, signal.SIGTERM)}
            try:
                yield
            finally:
                for sig, handler in originals.items():
                    signal.signal(sig, handler)

    # proxy_headers off: the proxy never reads X-Forwarded-For, and the middleware costs every request.
    config = uvicorn.Config(app, lifespan="on", log_level="warning", access_log=False, server_header=False,
                            date_header=False, proxy_headers=False, timeout_graceful_shutdown=5)
    return Server(config)


def serve_forever(app: Any, sock: socket.socket) -> None:
    """Serve until interrupted (Ctrl-C or SIGTERM); uvicorn handles the signals."""
    _server(app).run(sockets=[sock])


@contextmanager
def running(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `app` from a background thread for the `with` block; yields its base URL (http://host:port)."""
    sock = bind(host, port)
    server = _server(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="hfmon-proxy", daemon=True)
    thread.start()
    deadline = time.monotonic() + START_TIMEOUT_S
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            sock.close()
            raise RuntimeError("the proxy did not start")
        time.sleep(0.01)
    bound_host, bound_port = sock.getsockname()[:2]
    try:
        yield f"http://{bound_host if ':' not in bound_host else f'[{bound_host}]'}:{bound_port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
