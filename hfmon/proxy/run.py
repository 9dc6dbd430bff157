"""`hfmon run -- COMMAND ARGS…`: run a command with its OpenAI-compatible clients pointed at a metering proxy on
a free local port, then print what its requests cost (a receipt; `hfmon receipt ID` again later)."""

from __future__ import annotations

import argparse
import os
import secrets
import subprocess
import sys
from datetime import UTC, datetime

from hfmon.exitcodes import ExitCode

DESCRIPTION = """\
Run a command with a metering proxy to the Hugging Face router in front of it, then print its cost receipt:
requests, errors, tokens and estimated cost by model (settled cost when Hugging Face has settled it; `hfmon
receipt ID` shows it later). The command gets OPENAI_BASE_URL and OPENAI_API_BASE (read by the openai package
and most OpenAI-compatible clients) and HFMON_PROXY_URL pointing at the proxy; huggingface_hub reads no
variable for the router, so pass InferenceClient(base_url=os.environ["HFMON_PROXY_URL"]). Requests go on with
the command's own token. The receipt goes to stderr; the exit code is the command's.
"""

EPILOG = """\
examples:
  hfmon run -- python agent.py --task summarise
  hfmon run --bill-to acme -- python eval.py       bill its requests to the org "acme"

exit codes:
  the command's own exit code (128 + N when a signal N killed it, as a shell says); 2 when the proxy or the
  command cannot be started
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add `hfmon run`'s flags and the command."""
    parser.add_argument("--bill-to", metavar="ORG", default=None,
                        help="bill the command's requests to this org (X-HF-Bill-To) unless they name their own")
    parser.add_argument("command", nargs=argparse.REMAINDER, metavar="-- COMMAND ARGS",
                        help="the command to run, after --")


def new_run_id(now: datetime) -> str:
    """A run id that sorts by time and does not collide: `20261130T0730-3fa2c1`."""
    return f"{now.astimezone(UTC):%Y%m%dT%H%M}-{secrets.token_hex(3)}"


def child_env(proxy_url: str, environ: dict[str, str] | None = None) -> dict[str, str]:
    """The command's environment: its own, with the OpenAI base URLs and HFMON_PROXY_URL set to the proxy."""
    env = dict(os.environ if environ is None else environ)
    env |= {"OPENAI_BASE_URL": f"{proxy_url}/v1", "OPENAI_API_BASE": f"{proxy_url}/v1", "HFMON_PROXY_URL": proxy_url}
    return env


def run(args: argparse.Namespace) -> int:
    """Serve the proxy, run the command, print the receipt."""
    from hfmon.api.urls import BaseUrls
    from hfmon.clock import SystemClock
    from hfmon.proxy.app import ProxyApp
    from hfmon.proxy.history_file import model_overrides, open_history
    from hfmon.proxy.receipt import Unrecorded, print_receipt, refresh_settled
    from hfmon.proxy.server import running
    from hfmon.store import ledger as stored
    from hfmon.store.journal import Journal, directory_beside

    command = list(args.command)
    if command[:1] == ["--"]:
        command = command[1:]
    if not command:
        print("hfmon run: no command given; e.g. `hfmon run -- python agent.py`", file=sys.stderr)
        return int(ExitCode.USAGE)
    overrides = model_overrides("run", args)
    store = open_history("run") if overrides is not None else None
    if store is None:
        return int(ExitCode.USAGE)
    with store:
        run_id = new_run_id(SystemClock().now())
        journal = Journal(directory_beside(store.path))
        writer = stored.LedgerWriter(store, journal)
        urls = BaseUrls.from_env()
        app = ProxyApp(urls.router, writer.put, hub=urls.hub, bill_to=args.bill_to, run_id=run_id,
                       overrides=overrides, journal=journal)
        try:
            with running(app) as url:
                try:
                    code = subprocess.call(command, env=child_env(url))
                    if code < 0:  # killed by signal N: what a shell and CI report, 128 + N (137 for an OOM kill)
                        code = 128 - code
                except OSError as exc:
                    print(f"hfmon run: cannot run {command[0]!r}: {exc.strerror or exc}", file=sys.stderr)
                    return int(ExitCode.USAGE)
                except KeyboardInterrupt:
                    code = 130
        finally:
            writer.close()
        # rows the history file refused are still this process's to count: the receipt is of every request made
        unsaved = tuple(r for r in writer.unwritten if r.run_id == run_id)
        journaled = sum(1 for r in writer.journaled if r.run_id == run_id)
        rows = tuple(sorted(stored.load_run(store, run_id) + unsaved, key=lambda r: r.at))
        if not rows and not writer.lost:
            print(f"hfmon run {run_id}: no requests went through the proxy (did the command read "
                  "OPENAI_BASE_URL or HFMON_PROXY_URL?)", file=sys.stderr)
            return code
        note = refresh_settled(store, rows) if rows else None
        settled = stored.settled(store, {r.session_id for r in rows if r.session_id})
    print_receipt(run_id, rows, settled, note, sys.stderr, app.unpriced_why, app.prices.free,
                  Unrecorded(len(unsaved), writer.lost, journaled=journaled, why=writer.error))
    return code
