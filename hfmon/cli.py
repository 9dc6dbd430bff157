"""The `hfmon` command line: parses arguments and hands over to exactly one front end.

Importing this module is cheap and never imports Textual: a command's module is imported only when it runs.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from hfmon import __version__

DESCRIPTION = """\
Watch what a Hugging Face account spends: included credits, Inference Providers, Inference Endpoints,
Spaces, Jobs and storage. Every money figure is shown as billed by Hugging Face and as recomputed
locally, and differences are flagged. Without a command, hfmon opens the live dashboard.
"""

EPILOG = """\
examples:
  hfmon --demo                       the live dashboard on a built-in fake account (no token needed)
  hfmon                              the live dashboard for the account of your token
  hfmon once                         one poll, a summary that fits 80 columns (`hfmon --once` is the same)
  hfmon once --json | jq .credits    one poll as versioned JSON (schema in hfmon/schemas/)
  hfmon --namespace acme once        only the org "acme" (repeat --namespace for more)
  hfmon guard --max-cost-per-hour-usd 5   exit 1 when what is billed now costs more than $5/h
  hfmon fake-hub --port 8765         serve the fake Hugging Face on 127.0.0.1 for any HF client
  hfmon COMMAND --help               what a command does, its flags and its exit codes

token: HF_TOKEN, else the token saved by `hf auth login`. Billing figures need a token that can read
billing (fine-grained tokens: "Billing > Read billing usage"); everything else works without it.

exit codes (once):
  0  every source answered (sources the token has no permission for are listed, not errors)
  1  partial data: some source failed; the rest is printed
  2  usage or configuration error
  3  authentication: no token, an unusable token (line break, non-ASCII), or the token was rejected
  4  nothing reachable: no source answered
"""


@dataclass(frozen=True)
class Command:
    """A subcommand: the module that implements it, its one-line summary, and whether it takes the shared flags.

    The module exposes `DESCRIPTION`, `EPILOG`, `add_arguments(parser)` and `run(args) -> int`, and is cheap to
    import: it is imported only when its command runs or shows its help.
    """

    module: str
    summary: str
    common: bool = True
    one_shot: bool = False  # reads or polls once and exits: its process lives for seconds (others serve or watch)


COMMANDS: dict[str, Command] = {
    "once": Command("hfmon.headless", "poll once and print a summary, or JSON with --json (same as --once)",
                    one_shot=True),
    "guard": Command("hfmon.guard", "poll once and exit 1 when spend crosses a limit you give (for cron and CI)",
                     one_shot=True),
    "advise": Command("hfmon.advise", "what to change to spend less, in $/month, with the exact command for each",
                      one_shot=True),
    "check": Command("hfmon.check", "check the account against a [policy] for CI: exit 1 with each breach and its fix",
                     one_shot=True),
    "fake-hub": Command("hfmon.fakehub.cli", "serve the fake Hugging Face on 127.0.0.1 for any HF client",
                        common=False),
    "exporter": Command("hfmon.exporter.command", "serve Prometheus metrics of one or several accounts"),
    "proxy": Command("hfmon.proxy.cli", "a local OpenAI-compatible proxy to the HF router that meters each request",
                     common=False),
    "run": Command("hfmon.proxy.run", "run a command through a metering proxy, then print its cost receipt",
                   common=False),
    "receipt": Command("hfmon.proxy.receipt", "the cost receipt of an earlier `hfmon run`", common=False,
                       one_shot=True),
}

# Commands with their own --interval (the dashboard's flag means nothing to the others).
_OWN_INTERVAL = {"exporter"}

# Shared flags that take a value: needed to find the command word in argv without importing every command.
_VALUED = {"--speed", "--namespace", "--interval", "--config", "--log-file", "--profile"}


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The parser of `hfmon`; `command`'s own parser is built in full (the others only list their summary)."""
    parser = argparse.ArgumentParser(
        prog="hfmon", description=DESCRIPTION, epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"hfmon {__version__}")
    _add_common(parser, suppress=False)
    dash = parser.add_argument_group("dashboard")
    dash.add_argument("--interval", type=interval_arg, metavar="SECONDS",
                      help="seconds between polls, 10 to 86400 (default: config, else 60; 5 with --demo)")
    dash.add_argument("--once", action="store_true", help="poll once, print, and exit: the same as `hfmon once`")
    dash.add_argument("--json", action="store_true", help="with --once: print one JSON document on stdout")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, spec in COMMANDS.items():
        if name != command:
            sub.add_parser(name, help=spec.summary, add_help=False)
            continue
        module = _module(spec)
        child = sub.add_parser(name, help=spec.summary, description=getattr(module, "DESCRIPTION", spec.summary),
                               epilog=getattr(module, "EPILOG", None),
                               formatter_class=argparse.RawDescriptionHelpFormatter)
        if spec.common:
            _add_common(child, suppress=True)
        module.add_arguments(child)
        child.set_defaults(run=module.run)
    return parser


def _module(spec: Command) -> Any:
    return importlib.import_module(spec.module)


def _add_common(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    """The flags every command shares. On a subcommand they default to SUPPRESS, so that `hfmon --demo once`
    and `hfmon once --demo` mean the same and the subcommand does not reset what the main parser set."""
    def default(value: object) -> object:
        return argparse.SUPPRESS if suppress else value

    g = parser.add_argument_group("shared options")
    g.add_argument("--demo", action="store_true", default=default(False),
                   help="use the built-in fake Hugging Face with an accelerated clock: no token, no network")
    g.add_argument("--speed", type=_positive_float, default=default(60.0), metavar="X",
                   help="with --demo: scenario seconds per real second (default 60: one hour per minute)")
    g.add_argument("--namespace", action="append", type=_namespace, metavar="NAME", default=default(None),
                   help="only this user or org (repeatable; default: you and every org you belong to)")
    g.add_argument("--config", metavar="PATH", default=default(None),
                   help="config file (default: the platform config dir/config.toml)")
    g.add_argument("--profile", metavar="NAME", type=_profile, default=default(None),
                   help="the account of the config file's [profiles.NAME]: its token (from the environment "
                        "variable it names, or `hf auth login`) and namespaces")
    g.add_argument("--no-history", action="store_true", default=default(False),
                   help="do not read or write the local history database")
    g.add_argument("--log-file", metavar="PATH", default=default(None),
                   help="log warnings, source failures and rate-limit waits to PATH (the dashboard keeps "
                        "one in the user state dir by default)")
    g.add_argument("--no-color", action="store_true", default=default(False),
                   help="no colours (also honoured: NO_COLOR)")


def _positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number, got {text!r}") from None
    if not 0 < value < float("inf"):  # NaN fails it too
        raise argparse.ArgumentTypeError(f"expected a finite number above 0, got {text!r}")
    return value


def interval_arg(text: str) -> float:
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


def _profile(text: str) -> str:
    from hfmon.config import check_profile

    try:
        return check_profile(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def one_shot(argv: Sequence[str]) -> bool:
    """Whether `argv` runs a command that polls or reads once and exits (`--once` included)."""
    command = command_in(argv)
    return COMMANDS[command].one_shot if command is not None else "--once" in argv


def command_in(argv: Sequence[str]) -> str | None:
    """The command word in `argv` (the first positional argument), or None for the dashboard."""
    skip = False
    for token in argv:
        if skip:
            skip = False
        elif token == "--":
            return None
        elif token.startswith("-"):
            skip = token in _VALUED
        else:
            return token if token in COMMANDS else None
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run hfmon; returns the process exit code. Without `argv` it is the `hfmon` program, about to exit."""
    words = list(sys.argv[1:] if argv is None else argv)
    if argv is None and one_shot(words):
        # Python's cyclic garbage collector keeps walking everything a run imports and builds, which lives until
        # exit anyway: 6 % of a demo `hfmon once`, 15 % of a poll at 20x the benchmark account. A one-shot run
        # makes almost no cyclic garbage (under 600 objects at 20x, same peak memory), so it runs without it.
        gc.disable()
    code = _main(words)
    if argv is None:
        # At exit Python's cyclic garbage collector walks the whole heap, more than once (150-250 ms after a demo
        # poll, a tenth of `hfmon once`); the process is ending and the OS frees its memory, so skip that walk.
        # atexit handlers, log flushing and module teardown still run.
        gc.freeze()
    return code


def _main(argv: list[str]) -> int:
    command = command_in(argv)
    if command is not None and not COMMANDS[command].common:
        # A command without the shared flags (fake-hub has its own --speed) parses its own arguments.
        spec = COMMANDS[command]
        module = _module(spec)
        own = argparse.ArgumentParser(prog=f"hfmon {command}", description=module.DESCRIPTION,
                                      epilog=getattr(module, "EPILOG", None),
                                      formatter_class=argparse.RawDescriptionHelpFormatter)
        module.add_arguments(own)
        return int(module.run(own.parse_args(argv[argv.index(command) + 1:])))
    parser = build_parser(command)
    args = parser.parse_args(argv)
    if args.command is None:
        if args.json and not args.once:
            parser.error("--json needs --once (the dashboard is interactive); or use `hfmon once --json`")
        if args.once:
            from hfmon import headless

            args.run = headless.run
    elif args.once or (args.interval is not None and args.command not in _OWN_INTERVAL):
        flag = "--once" if args.once else "--interval"
        parser.error(f"{flag} is a dashboard flag; it cannot be used with `hfmon {args.command}`")
    return _run(args)


def _run(args: argparse.Namespace) -> int:
    from hfmon.errors import HfmonError
    from hfmon.exitcodes import ExitCode, exit_code_for  # here: the Report it imports is heavy (importing cli is not)

    run: Callable[[argparse.Namespace], int] | None = getattr(args, "run", None)
    try:
        if args.log_file:
            from pathlib import Path

            from hfmon import logfile

            logfile.setup(Path(args.log_file).expanduser())
        if run is not None:
            return int(run(args))
        from hfmon import dashboard

        return dashboard.run(args)
    except HfmonError as exc:
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
