"""`hfmon advise [--json]`: one poll, then what to change to spend less, in $/month, and how. Never imports Textual.

hfmon shows the `hf` command, the web UI setting and the API call of each finding; it never runs them.
"""

from __future__ import annotations

import argparse
import json
import sys

from hfmon.exitcodes import ExitCode, advise_exit_code, exit_code_of

DESCRIPTION = """\
Poll once and list what would cost less: endpoints that cannot scale to zero, long scale-to-zero and sleep
timeouts (measured from history), GPU Spaces that never sleep, resources billed and unchanged for days,
private storage above the plan, jobs that ran into their timeout or far longer than usual; each with its
saving in $/month (730 h) and the assumption it rests on, how sure hfmon is (measured or judged), the
evidence, and the exact `hf` command, web setting and API call. Then the what-if bill (so far, and a month
at the current pace, with each finding applied), the budgets the current pace breaks, and what the
scheduled jobs can cost next month. hfmon never applies anything itself. A saving it cannot price says
"saving unknown", never $0.
"""

EPILOG = """\
examples:
  hfmon advise                     the findings, the what-if bill and next month's scheduled jobs
  hfmon advise --json | jq '.findings[] | {resource, saving_usd_month, cli: .apply.cli}'
  hfmon advise --demo              on the built-in fake account (measured findings need history:
                                   the dashboard's Advisor screen gathers it as the demo runs)

exit codes:
  0  every source answered and something was checked
  1  partial: some source failed, or a listing the advisor judges by was not read (the token may not read it),
     or nothing could be checked; findings cover what was read
  2  usage or configuration error
  3  authentication: no token, an unusable token, or the token was rejected
  4  nothing reachable: no source answered
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `hfmon advise` (beside the shared ones)."""
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print one JSON document on stdout instead of the text")


def run(args: argparse.Namespace) -> int:
    """Poll once, advise, print, and return the exit code."""
    from hfmon.advice.jsondoc import advice_document
    from hfmon.advice.text import render_advice, summary_line
    from hfmon.advice.whatif import what_if
    from hfmon.headless import explain, poll_command

    report, _ = poll_command(args)
    polled = exit_code_of(report)
    if polled in (ExitCode.AUTH, ExitCode.UNREACHABLE):
        print(f"hfmon: {explain(polled, report)}", file=sys.stderr)
        return polled
    advice = report.advice
    if advice is None:  # the Monitor advises on every poll: this is a bug, not a state to hide
        raise RuntimeError("the poll's Report carries no advice")
    code = advise_exit_code(report, advice)
    bills = what_if(report, advice)
    if getattr(args, "json", False):
        json.dump(advice_document(advice, bills), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_advice(advice, bills))
    if polled:
        print(f"hfmon: {explain(polled, report)}", file=sys.stderr)
    elif code:  # every source answered, but the advice does not cover all: say what it left out
        left_out = (f"not checked: {', '.join(advice.unchecked)} (the token may not read it)" if advice.unchecked
                    else summary_line(advice))
        print(f"hfmon: {left_out}", file=sys.stderr)
    return code
