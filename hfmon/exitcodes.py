"""Documented exit codes of `hfmon --once`, and how a Report or an error maps to them."""

from __future__ import annotations

from enum import IntEnum
from typing import TYPE_CHECKING

from hfmon.errors import AuthError, ConfigError, HfmonError, NoTokenError
from hfmon.report import Health, Report

if TYPE_CHECKING:  # `hfmon once` never imports the advisor
    from hfmon.advice.model import Advice


class ExitCode(IntEnum):
    """What `hfmon --once` tells the shell."""

    OK = 0  # every source answered (no_access sources are listed, not failures)
    PARTIAL = 1  # some source failed; the rest was printed
    USAGE = 2  # bad flag or config file
    AUTH = 3  # no token, or the token was rejected
    UNREACHABLE = 4  # no source answered


def exit_code_for(error: HfmonError) -> int:
    """The exit code for an error that stopped hfmon before it could report anything."""
    if isinstance(error, ConfigError):
        return ExitCode.USAGE
    if isinstance(error, NoTokenError | AuthError):
        return ExitCode.AUTH
    return ExitCode.UNREACHABLE


def exit_code_of(report: Report) -> int:
    """The exit code for a finished poll: the Report's health, as a number."""
    return _BY_HEALTH[report.health]


def advise_exit_code(report: Report, advice: Advice) -> int:
    """`hfmon advise`'s exit code: the poll's, and partial (1) where every source answered but a listing the advisor
    judges by was not read (the token may not read it) or nothing could be checked: never success over what was
    not looked at."""
    from hfmon.advice.model import Outcome

    code = exit_code_of(report)
    if code == ExitCode.OK and (advice.unchecked or advice.outcome is Outcome.NOTHING_CHECKED):
        return ExitCode.PARTIAL
    return code


_BY_HEALTH = {Health.OK: ExitCode.OK, Health.PARTIAL: ExitCode.PARTIAL, Health.UNREACHABLE: ExitCode.UNREACHABLE,
              Health.TOKEN_REJECTED: ExitCode.AUTH}
