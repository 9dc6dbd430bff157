"""`hfmon guard`: one poll, then an exit code that says whether every spend condition holds. For cron and CI.

Never imports Textual. The figures are the Report's (see `hfmon.alerts.checks`); a figure that is unknown
never passes.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from enum import IntEnum
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from hfmon.alerts.checks import Reading
    from hfmon.report import Report

DESCRIPTION = """\
Poll every source once and check spend against the limits given; exit 0 only when every condition holds.
A failed condition is named on stdout with its figure. A figure hfmon cannot read never passes: it exits
5 ("cannot decide") and says what is missing. A partial figure ("at least $X") fails a maximum when its
known part is already above it. Checks are advisory: they do not stop spending.

Which figures:
  --max-projected-usd          per namespace: Inference Providers usage projected to the end of the billing
                               period (the included credits' projection, the only projection HF's data gives)
  --min-remaining-credits-usd  per namespace: included Inference Providers credits remaining
  --max-overage-usd            per namespace: Inference Providers usage beyond the included credits
  --max-cost-per-hour-usd      account-wide: what everything billed now costs per hour (every polled namespace)
Per-namespace checks cover every polled namespace (you and your orgs); use --namespace to check only some.
"""

EPILOG = """\
examples:
  hfmon guard --max-cost-per-hour-usd 5                   fail when resources now cost more than $5/h
  hfmon guard --namespace acme --max-projected-usd 100    only the org acme
  hfmon guard --min-remaining-credits-usd 0.5 --json      a JSON verdict on stdout

exit codes:
  0  every condition holds
  1  a condition failed (its name and figure are printed), even if other figures are unknown
  2  usage or configuration error (no condition given, a bad number, a bad config file)
  3  authentication: no token, an unusable token, or the token was rejected
  4  nothing reachable: no source answered
  5  cannot decide: no condition failed, but a figure it checks is unknown (its source failed, or the
     token cannot read it)
"""


class GuardExit(IntEnum):
    """What `hfmon guard` tells the shell."""

    OK = 0
    FAILED = 1
    USAGE = 2
    AUTH = 3
    UNREACHABLE = 4
    UNKNOWN = 5


CONDITIONS = ("max_projected_usd", "min_remaining_credits_usd", "max_cost_per_hour_usd", "max_overage_usd")


def _usd(text: str) -> Decimal:
    try:
        value = Decimal(text)
    except InvalidOperation:
        raise argparse.ArgumentTypeError(f"expected a number of USD, got {text!r}") from None
    from hfmon.figures import LARGEST_SETTING

    if not value.is_finite() or value < 0 or value > LARGEST_SETTING:
        raise argparse.ArgumentTypeError(f"expected a number of USD from 0 to {LARGEST_SETTING:,}, got {text!r}")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The conditions of `hfmon guard` and --json."""
    g = parser.add_argument_group("conditions (at least one)")
    g.add_argument("--max-projected-usd", type=_usd, metavar="X",
                   help="fail when a namespace's projected Inference Providers usage this period is above X")
    g.add_argument("--min-remaining-credits-usd", type=_usd, metavar="Y",
                   help="fail when a namespace has less than Y of included credits left")
    g.add_argument("--max-cost-per-hour-usd", type=_usd, metavar="Z",
                   help="fail when everything billed now costs more than Z per hour (account-wide)")
    g.add_argument("--max-overage-usd", type=_usd, metavar="W",
                   help="fail when a namespace's overage beyond its included credits is above W")
    parser.add_argument("--json", action="store_true", default=argparse.SUPPRESS,
                        help="print the verdict as one JSON document on stdout")


def run(args: argparse.Namespace) -> int:
    """Poll once, check every condition given, print the verdict, return the exit code."""
    limits = {name: getattr(args, name, None) for name in CONDITIONS}
    if all(v is None for v in limits.values()):
        print("hfmon guard: give at least one condition, e.g. --max-cost-per-hour-usd 5 (see hfmon guard --help)",
              file=sys.stderr)
        return GuardExit.USAGE
    from hfmon.headless import poll_command  # its Report is not returned through asyncio.run (repr at exit)

    report, _monitor = poll_command(args)  # warnings and the config's alerts go to stderr, as for `once`
    verdict = judge(report, limits)
    if getattr(args, "json", False):
        json.dump(verdict.document(), sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        sys.stdout.write(verdict.text())
    return verdict.code


class Verdict:
    """The readings of one guard run and the exit code they lead to."""

    def __init__(self, code: GuardExit, readings: list[Reading], reason: str, generated_at: str) -> None:
        self.code = code
        self.readings = readings
        self.reason = reason
        self.generated_at = generated_at

    def text(self) -> str:
        """One line per reading, failures first, then the verdict."""
        from hfmon.alerts.checks import Outcome

        order = {Outcome.CROSSED: 0, Outcome.UNKNOWN: 1, Outcome.OK: 2}
        label = {Outcome.CROSSED: "FAIL", Outcome.UNKNOWN: "UNKNOWN", Outcome.OK: "ok"}
        lines = [f"{label[r.outcome]:<8}{r.message}" for r in sorted(self.readings, key=lambda r: order[r.outcome])]
        lines.append(self.reason)
        return "\n".join(lines) + "\n"

    def document(self) -> dict[str, Any]:
        """The verdict as JSON: money as numbers, unknown as null."""
        def num(value: Decimal | None) -> float | None:
            return None if value is None else float(value)

        return {"generated_at": self.generated_at, "exit_code": int(self.code), "result": self.code.name.lower(),
                "reason": self.reason, "advisory": True,
                "checks": [{"check": r.check, "subject": r.subject, "outcome": r.outcome.value,
                            "value": num(r.value), "at_least": num(r.at_least), "limit": num(r.limit),
                            "figure": r.figure, "message": r.message} for r in self.readings]}


def _everywhere(limit: Decimal) -> Callable[[str], Decimal | None]:
    """The same limit for every namespace."""
    return lambda _namespace: limit


def judge(report: Report, limits: dict[str, Decimal | None]) -> Verdict:
    """The readings for each condition given and the exit code: failed > auth > unreachable > unknown > ok."""
    from hfmon.alerts import checks
    from hfmon.clock import iso
    from hfmon.report import Health

    per_namespace = {"max_projected_usd": checks.projected, "min_remaining_credits_usd": checks.remaining_credits,
                     "max_overage_usd": checks.overage}
    readings = [r for name, check in per_namespace.items() if (limit := limits.get(name)) is not None
                for r in check(report, _everywhere(limit))]
    readings += checks.cost_per_hour(report, limits.get("max_cost_per_hour_usd"))
    when = iso(report.generated_at)
    crossed = [r for r in readings if r.outcome is checks.Outcome.CROSSED]
    unknown = [r for r in readings if r.outcome is checks.Outcome.UNKNOWN]
    health = report.health
    if crossed:
        return Verdict(GuardExit.FAILED, readings, f"FAILED: {len(crossed)} condition(s) crossed", when)
    if health is Health.TOKEN_REJECTED:
        rejected = report.rejected_by
        detail = f" ({rejected.error})" if rejected is not None and rejected.error else ""
        return Verdict(GuardExit.AUTH, readings, f"CANNOT DECIDE: the token was rejected{detail}; check HF_TOKEN "
                       "or run `hf auth login` again", when)
    if health is Health.UNREACHABLE:
        return Verdict(GuardExit.UNREACHABLE, readings, "CANNOT DECIDE: no source answered", when)
    if unknown:
        return Verdict(GuardExit.UNKNOWN, readings,
                       f"CANNOT DECIDE: {len(unknown)} figure(s) unknown; nothing crossed a limit", when)
    return Verdict(GuardExit.OK, readings, "OK: every condition holds (advisory: this does not stop spending)",
                   when)
