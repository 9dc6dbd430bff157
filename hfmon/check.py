"""`hfmon check [--policy FILE]`: one poll, then each policy rule held or broken, with the fix for each breach.

For CI: exit 0 when every rule holds over everything, 1 when one is broken or could not be checked. The rules
are the `[policy]` table of the policy file (any TOML file laid out like the config file), else of the config
file. Never imports Textual.
"""

from __future__ import annotations

import argparse
import sys

from hfmon.exitcodes import ExitCode, exit_code_of

BREACHED = 1  # a rule is broken or could not be checked

DESCRIPTION = """\
Poll once and check the account against a policy: "no GPU Space without a sleep time of at most 1 h", "no
Endpoint with min replica >= 1 in namespace dev", "no private storage above the plan". Prints each breach
with the exact `hf` command, web setting and API call that fixes it; hfmon applies nothing itself.
The rules are the [policy] table of --policy FILE, else of the config file:

  [policy]
  gpu_space_max_sleep_s = 3600          # no GPU Space without a sleep time of at most this
  no_min_replica_in = ["dev"]           # no Endpoint with min replica >= 1 there ("*": any namespace)
  private_storage_within_plan = true    # no private storage above the plan
"""

EPILOG = """\
examples:
  hfmon check --policy policy.toml         in CI: fails (exit 1) on a breach, with the fix for each
  hfmon check --demo --policy policy.toml  on the built-in fake account

exit codes:
  0  every rule holds over everything
  1  a rule is broken, or could not be checked (a source it needs was not read)
  2  usage or configuration error (no policy, a bad policy file)
  3  authentication: no token, an unusable token, or the token was rejected
  4  nothing reachable: no source answered
"""


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The flags of `hfmon check` (beside the shared ones)."""
    parser.add_argument("--policy", metavar="FILE", default=None,
                        help="a TOML file with a [policy] table (default: the config file's [policy])")


def run(args: argparse.Namespace) -> int:
    """Load the policy, poll once, print each rule's outcome, and return the exit code."""
    from pathlib import Path

    from hfmon.advice.policy import check_policy
    from hfmon.config import load_config
    from hfmon.errors import ConfigError
    from hfmon.headless import explain, poll_command
    from hfmon.pricing.catalog import build_catalog
    from hfmon.scrub import scrub

    source = load_config(Path(args.policy) if args.policy else Path(args.config) if args.config else None)
    policy = source.policy
    if policy.empty:
        where = str(source.path) if source.path else "no policy file and no config file"
        raise ConfigError(f"{where}: no [policy] rule is set",
                          "add a [policy] table (see `hfmon check --help`) or give --policy FILE")
    report, monitor = poll_command(args)
    code = exit_code_of(report)
    if code in (ExitCode.AUTH, ExitCode.UNREACHABLE):
        print(f"hfmon: {explain(code, report)}", file=sys.stderr)
        return code
    result = check_policy(report, policy, build_catalog(monitor.snapshot, monitor.config.prices),
                          monitor.config.advisor)
    for rule in result.rules:
        broken = [b for b in result.breaches if b.rule == rule]
        unread = [u for u in result.unchecked if u.startswith(rule + ":")]
        state = "BROKEN" if broken else ("UNCHECKED" if unread else "holds")
        print(f"{state:<9} {rule}")
        for b in broken:
            print(f"  {scrub(b.resource)}: {scrub(b.detail)}")
            print(f"    fix: {scrub(b.fix.cli)}")
            print(f"    web: {scrub(b.fix.web)}")
            print(f"    api: {scrub(b.fix.api)}")
        for u in unread:
            print(f"  not checked: {scrub(u[len(rule) + 2:])}")
    print(f"{len(result.breaches)} breach(es), {len(result.unchecked)} unchecked" if not result.holds
          else "every rule holds")
    return ExitCode.OK if result.holds else BREACHED
