"""`hfmon once [--json]` (also `hfmon --once`): one poll, printed. Data on stdout, diagnostics on stderr.

Never imports Textual.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys

from hfmon.exitcodes import ExitCode, exit_code_of
from hfmon.monitor import Monitor, monitor_for
from hfmon.report import Report

DESCRIPTION = """\
Poll every source once, print what the account spends, and exit: an 80-column summary, or one versioned
JSON document with --json (schema in hfmon/schemas/). Data goes to stdout, diagnostics to stderr.
"""

EPILOG = """\
examples:
  hfmon once                          the summary
  hfmon once --json | jq .credits     the credits as JSON
  hfmon once --demo --no-history      on the built-in fake account, without touching the history database

Alerts set in the config file ([alerts]) are evaluated on this poll: each one that fires (once per
crossing, shared with every hfmon process using the same history) is printed on stderr and delivered to
the hook and webhook configured.

exit codes:
  0  every source answered (sources the token has no permission for are listed, not errors)
  1  partial data: some source failed; the rest is printed
  2  usage or configuration error
  3  authentication: no token, an unusable token (line break, non-ASCII), or the token was rejected
  4  nothing reachable: no source answered
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `hfmon once` (beside the shared ones)."""
    # SUPPRESS: `hfmon --json once` keeps the main parser's value instead of being reset by this default.
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print one JSON document on stdout instead of the summary")


def run(args: argparse.Namespace) -> int:
    """Poll once, print the Report as JSON or as a summary, and return the exit code."""
    report, _monitor = poll_command(args, figures_only=True, spend_windows=args.json)  # the text shows no window
    code = exit_code_of(report)
    if code == ExitCode.AUTH:  # a report of a rejected token would be nothing but unknowns: say what to do
        print(f"hfmon: {explain(code, report)}", file=sys.stderr)
        return code
    if args.json:
        from hfmon.jsonout import report_document, write_document

        document = report_document(report)
        write_document(document, sys.stdout)
        left_for_exit(document)
    else:
        from hfmon.textout import render_text

        color = (not args.no_color and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
                 and sys.stdout.isatty())
        sys.stdout.write(render_text(report, color=color))
    if code:
        print(f"hfmon: {explain(code, report)}", file=sys.stderr)
    return code


async def poll_once(monitor: Monitor) -> Report:
    """One poll, then the HTTP client and history closed (inside the loop that used them)."""
    try:
        return await monitor.poll()
    finally:
        await monitor.aclose()


async def _poll_into(monitor: Monitor, polled: list[Report]) -> None:
    """`poll_once` into `polled`: a Report returned through asyncio.run would have its repr built at exit (Python
    3.11 formats the finished task when it restores the SIGINT handler), which costs seconds for a large account."""
    polled.append(await poll_once(monitor))


def explain(code: int, report: Report) -> str:
    """One stderr line saying why the exit code is not 0 (every headless command uses it)."""
    failed = [s for s in report.sources if not s.answered]
    rejected = report.rejected_by
    if code == ExitCode.AUTH and rejected is not None:
        detail = f" ({rejected.error})" if rejected.error else ""
        return (f"the token was rejected{detail}: check HF_TOKEN, or run `hf auth login` again "
                "(a new token: https://huggingface.co/settings/tokens)")
    first = failed[0] if failed else None
    if code == ExitCode.UNREACHABLE and first is not None:
        return f"no source answered: {first.error}" + (f" ({first.hint})" if first.hint else "")
    return f"partial data; failed sources: {', '.join(s.name for s in failed)}"


def poll_command(args: argparse.Namespace, *, figures_only: bool = False,
                 spend_windows: bool = False) -> tuple[Report, Monitor]:
    """One poll for a headless command's flags, its warnings and alerts on stderr; the Monitor keeps what it read.

    `figures_only`: the command prints the Report's figures only (no advice, timelines or charts); `spend_windows`:
    it shows the spend windows (the JSON's `windows`): usage-v2 is asked for each (`Collector.spend_windows`)."""
    monitor = monitor_for(args, open_history_later=True)  # opened while the poll waits on the network
    monitor.figures_only, monitor.collector.spend_windows = figures_only, spend_windows
    polled: list[Report] = []
    try:
        asyncio.run(_poll_into(monitor, polled))
    finally:
        monitor.close()
    for warning in monitor.warnings:
        print(f"hfmon: {warning}", file=sys.stderr)
    for event in monitor.alert_events:  # fired (or reset) by this poll, once across every hfmon process
        print(f"hfmon: {event.line}", file=sys.stderr)
    left_for_exit(polled[0], monitor)
    return polled[0], monitor


def left_for_exit(*objects: object) -> None:
    """Leave `objects` (a poll's Report and what it was made of, a JSON document) to be freed with the process, not one
    by one when the command returns: at 20x the benchmark account that is a million objects and 55 ms of CPU. They
    hang on a reference cycle, which the garbage collector frees as usual where it runs (tests, the dashboard); a
    one-shot command runs without it and freezes it at exit (`cli.main`), so the cycle lives until the process ends."""
    holder: list[object] = [*objects]
    holder.append(holder)
