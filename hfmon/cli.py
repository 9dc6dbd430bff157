"""The `hfmon` command line: parses arguments and hands over to exactly one front end.

Importing this module is cheap and never imports Textual: each front end is imported inside its branch.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from hfmon import __version__
from hfmon.exitcodes import ExitCode

DESCRIPTION = """\
Watch what a Hugging Face account spends: included credits, Inference Providers, Inference Endpoints,
Spaces, Jobs and storage. Every money figure is shown as billed by Hugging Face and as recomputed
locally, and differences are flagged.
"""

EPILOG = """\
examples:
  hfmon --demo                       the live dashboard on a built-in fake account (no token needed)
  hfmon                              the live dashboard for the account of your token
  hfmon --once                       one poll, a summary that fits 80 columns
  hfmon --once --json | jq .credits  one poll as versioned JSON (schema in hfmon/schemas/once-v2.json)
  hfmon --namespace acme --once      only the org "acme" (repeat --namespace for more)
  hfmon fake-hub --port 8765         serve the fake Hugging Face on 127.0.0.1 for any HF client

token: HF_TOKEN, else the token saved by `hf auth login`. Billing figures need a token that can read
billing (fine-grained tokens: "Billing > Read billing usage"); everything else works without it.

exit codes (--once):
  0  every source answered (sources the token has no permission for are listed, not errors)
  1  partial data: some source failed; the rest is printed
  2  usage or configuration error
  3  authentication: no token, an unusable token (line break, non-ASCII), or the token was rejected
  4  nothing reachable: no source answered
"""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of `hfmon` and its subcommands."""
    parser = argparse.ArgumentParser(
        prog="hfmon", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"hfmon {__version__}")
    _add_common(parser)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    # Listed here for --help; its own parser is built only when it runs, so other commands skip its imports.
    sub.add_parser("fake-hub", help="serve the fake Hugging Face on 127.0.0.1 (see `hfmon fake-hub --help`)")
    return parser


def _run_fake_hub(argv: Sequence[str]) -> int:
    from hfmon.fakehub import cli as fakehub_cli

    parser = argparse.ArgumentParser(prog="hfmon fake-hub", description="Serve the fake Hugging Face on 127.0.0.1.")
    fakehub_cli.add_arguments(parser)
    return fakehub_cli.run(parser.parse_args(argv))


def _add_common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--demo", action="store_true",
                        help="use the built-in fake Hugging Face with an accelerated clock: no token, no network")
    parser.add_argument("--speed", type=_positive_float, default=60.0, metavar="X",
                        help="with --demo: scenario seconds per real second (default 60: one hour per minute)")
    parser.add_argument("--once", action="store_true", help="poll once, print, and exit (no dashboard)")
    parser.add_argument("--json", action="store_true", help="with --once: print one JSON document on stdout")
    parser.add_argument("--no-color", action="store_true", help="no colours (also honoured: NO_COLOR)")
    parser.add_argument("--namespace", action="append", type=_namespace, metavar="NAME",
                        help="only this user or org (repeatable; default: you and every org you belong to)")
    parser.add_argument("--interval", type=_interval, metavar="SECONDS",
                        help="seconds between polls in the dashboard, 10 to 86400 (default: config, else 60; "
                             "5 with --demo)")
    parser.add_argument("--config", metavar="PATH", help="config file (default: the platform config dir/config.toml)")
    parser.add_argument("--no-history", action="store_true",
                        help="do not read or write the local history database")
    parser.add_argument("--log-file", metavar="PATH",
                        help="log warnings, source failures and rate-limit waits to PATH (the dashboard keeps "
                             "one in the user state dir by default)")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < float("inf"):  # NaN fails it too
        raise argparse.ArgumentTypeError(f"expected a finite number above 0, got {text!r}")
    return value


def _interval(text: str) -> float:
    """--interval, by the config file's rule (imported here: the config module is cheap, no Textual)."""
    from hfmon.config import check_interval

    try:
        return check_interval(float(text))
    except ValueError as exc:
        detail = str(exc) if "expected" in str(exc) else f"expected a number, got {text!r}"
        raise argparse.ArgumentTypeError(detail) from None


def _namespace(text: str) -> str:
    from hfmon.config import check_namespace

    try:
        return check_namespace(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run hfmon; returns the process exit code."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["fake-hub"]:
        return _run_fake_hub(argv[1:])
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.json and not args.once:
        parser.error("--json needs --once (the dashboard is interactive)")
    from hfmon.errors import HfmonError

    try:
        if args.log_file:
            from pathlib import Path

            from hfmon import logfile

            logfile.setup(Path(args.log_file).expanduser())
        if args.once:
            from hfmon import headless

            return headless.run(args)
        from hfmon import dashboard

        return dashboard.run(args)
    except HfmonError as exc:
        from hfmon.exitcodes import exit_code_for

        print(f"hfmon: {exc.title}: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  {exc.hint}", file=sys.stderr)
        return exit_code_for(exc)
    except KeyboardInterrupt:
        return int(ExitCode.OK)
    except BrokenPipeError:
        # The reader (e.g. `| head`) went away: that is not an error, and Python must not complain at exit.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return int(ExitCode.OK)
