"""`hfmon proxy`: serve the metering proxy in front of the Hugging Face router until interrupted."""

from __future__ import annotations

import argparse
import sys

from hfmon.exitcodes import ExitCode

DESCRIPTION = """\
Serve a local OpenAI-compatible proxy in front of the Hugging Face router (HFMON_ROUTER_URL, default
https://router.huggingface.co). Point any OpenAI client at http://127.0.0.1:8788/v1 (huggingface_hub's
InferenceClient: base_url="http://127.0.0.1:8788"). Each request goes on with the caller's own token; hfmon
records its model, provider, status, latency, tokens and estimated cost in the history database (never the
prompt or the answer), and tags it with an X-HF-Session-id so the settled cost can be read back from Hugging
Face. `hfmon run` prints a receipt per model from these rows; `hfmon receipt ID` reads it back.
"""

EPILOG = """\
examples:
  hfmon proxy                              serve on 127.0.0.1:8788
  hfmon proxy --port 9000 --bill-to acme   bill requests to the org "acme" unless they say otherwise
  OPENAI_BASE_URL=http://127.0.0.1:8788/v1 python app.py   an OpenAI client through it

exit codes:
  0  stopped (Ctrl-C)
  2  usage error, the port is taken, or the history database cannot be used
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the proxy's flags to `parser`."""
    parser.add_argument("--port", type=int, default=8788, help="port to listen on (default 8788; 0: a free one)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to listen on (default 127.0.0.1: this machine only)")
    parser.add_argument("--bill-to", metavar="ORG", default=None,
                        help="bill requests to this org (X-HF-Bill-To) unless a request names its own")


def run(args: argparse.Namespace) -> int:
    """Serve until interrupted."""
    from hfmon.api.urls import BaseUrls
    from hfmon.proxy.app import ProxyApp
    from hfmon.proxy.history_file import model_overrides, open_history
    from hfmon.proxy.server import LOOPBACK, bind, serve_forever
    from hfmon.store.journal import Journal, directory_beside
    from hfmon.store.ledger import LedgerWriter

    if not 0 <= args.port <= 65535:
        print(f"hfmon proxy: --port must be 0 to 65535, not {args.port}", file=sys.stderr)
        return int(ExitCode.USAGE)
    overrides = model_overrides("proxy", args)
    store = open_history("proxy") if overrides is not None else None
    if store is None:
        return int(ExitCode.USAGE)
    try:
        sock = bind(args.host, args.port)
    except OSError as exc:
        store.close()
        print(f"hfmon proxy: cannot listen on {args.host}:{args.port} ({exc.strerror or exc}); "
              "choose another --port", file=sys.stderr)
        return int(ExitCode.USAGE)
    journal = Journal(directory_beside(store.path))
    writer = LedgerWriter(store, journal)
    urls = BaseUrls.from_env()
    router = urls.router
    app = ProxyApp(router, writer.put, hub=urls.hub, bill_to=args.bill_to, overrides=overrides, journal=journal)
    host, port = sock.getsockname()[:2]
    print(f"hfmon proxy: serving http://{host}:{port}/v1 -> {router} (ledger: {store.path}); Ctrl-C stops",
          file=sys.stderr)
    if args.host not in LOOPBACK:
        print("hfmon proxy: warning: listening beyond this machine; anyone who can reach it can send requests "
              "(with their own token) and read nothing else", file=sys.stderr)
    try:
        serve_forever(app, sock)
    finally:
        writer.close()
        store.close()
        sock.close()
        journaled = len(writer.journaled)
        if journaled:
            print(f"hfmon proxy: {journaled} request(s) are not in the ledger yet (the history file refused them: "
                  f"{writer.error or 'see the log'}); they are kept in {journal.directory}, and the next `hfmon "
                  "proxy` or `hfmon run` writes them in", file=sys.stderr)
        if lost := len(writer.unwritten) - journaled + writer.lost:  # the log said it as it happened; this: its cost
            counted = (f"their count is kept in {journal.directory}: the next poll records them as lost, and the "
                       "figures over their time read 'at least'" if journal.gaps_kept else
                       "the dashboard, the exporter and `hfmon receipt` do not count them")
            print(f"hfmon proxy: {lost} request(s) are not in the ledger (the history file refused them: "
                  f"{writer.error or 'see the log'}); {counted}", file=sys.stderr)
    return int(ExitCode.OK)
