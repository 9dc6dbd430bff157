"""`hfmon advise [--json]`: one poll, then what to change to spend less, in $/month, and how. Never imports Textual.

hfmon shows the `hf` command, the web UI setting and the API call of each finding; it never runs them.
"""

from __future__ import annotations

import argparse
import json
import sys

from hfmon.exitcodes import ExitCode, exit_code_of

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
  0  every source answered
  1  partial data: some source failed; findings cover what was read
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
    from hfmon.advice.text import render_advice
    from hfmon.advice.whatif import what_if
    from hfmon.headless import explain, poll_command

    report, _ = poll_command(args)
    code = exit_code_of(report)
    if code in (ExitCode.AUTH, ExitCode.UNREACHABLE):
        print(f"hfmon: {explain(code, report)}", file=sys.stderr)
        return code
    advice = report.advice
    if advice is None:  # the Monitor advises on every poll: this is a bug, not a state to hide
        raise RuntimeError("the poll's Report carries no advice")
    bills = what_if(report, advice)
    if getattr(args, "json", False):
        json.dump(advice_document(advice, bills), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(render_advice(advice, bills))
    if code:
        print(f"hfmon: {explain(code, report)}", file=sys.stderr)
    return code
