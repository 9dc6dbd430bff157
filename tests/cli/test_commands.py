"""The subcommand line: every command has its own --help, shared flags work before or after the command word,
and the old `--once` spelling stays an alias of `hfmon once`."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys

import pytest

from hfmon.cli import COMMANDS, command_in, main, one_shot


def _main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            code = main(list(argv))
        except SystemExit as exc:  # argparse's --help and usage errors
            code = int(exc.code or 0)
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize(("argv", "expected"), [
    ([], None),
    (["--demo"], None),
    (["once"], "once"),
    (["--namespace", "once", "--demo"], None),  # "once" is the namespace's value here, not the command
    (["--namespace=acme", "once"], "once"),
    (["--config", "c.toml", "--demo", "once", "--json"], "once"),
    (["--", "once"], None),
    (["fake-hub", "--port", "0"], "fake-hub"),
    (["nonsense"], None),
])
def test_the_command_word_is_found_past_flag_values(argv: list[str], expected: str | None) -> None:
    assert command_in(argv) == expected


@pytest.mark.parametrize(("argv", "expected"), [
    (["--once", "--json", "--demo"], True),
    (["--demo", "once"], True),
    (["guard", "--max-cost-per-hour-usd", "5"], True),
    (["advise"], True),
    (["check"], True),
    (["receipt"], True),
    ([], False),  # the dashboard watches for hours
    (["--namespace", "once", "--demo"], False),  # the dashboard of the namespace "once"
    (["exporter"], False),
    (["proxy"], False),
    (["fake-hub", "--port", "0"], False),
    (["run", "--", "python", "job.py"], False),
])
def test_only_commands_that_poll_or_read_once_are_one_shot(argv: list[str], expected: bool) -> None:
    assert one_shot(argv) is expected


def test_main_help_lists_every_command_with_its_summary() -> None:
    code, out, _ = _main("--help")
    assert code == 0
    for name, spec in COMMANDS.items():
        assert name in out
        assert spec.summary.split()[0] in out


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_its_own_help_with_examples(name: str) -> None:
    code, out, _ = _main(name, "--help")
    assert code == 0
    assert f"usage: hfmon {name}" in out
    assert "examples:" in out


def test_shared_flags_before_or_after_the_command_mean_the_same() -> None:
    before = _main("--demo", "--no-history", "once", "--json")
    after = _main("once", "--json", "--demo", "--no-history")
    alias = _main("--once", "--json", "--demo", "--no-history")
    for code, out, err in (before, after, alias):
        assert code == 0, err
        assert json.loads(out)["account"]["name"] == "ada"
    # The same document up to its timestamps: the three spellings run the same poll.
    assert json.loads(before[1]).keys() == json.loads(after[1]).keys() == json.loads(alias[1]).keys()


def test_json_given_before_the_command_word_is_kept() -> None:
    code, out, err = _main("--json", "once", "--demo", "--no-history")
    assert code == 0, err
    assert json.loads(out)["schema_version"] >= 2


@pytest.mark.parametrize("flag", [["--once"], ["--interval", "30"]])
def test_dashboard_flags_with_a_command_are_a_usage_error(flag: list[str]) -> None:
    code, _, err = _main(*flag, "once", "--demo", "--no-history")
    assert code == 2
    assert "dashboard flag" in err


def test_json_without_once_says_what_to_use() -> None:
    code, _, err = _main("--json", "--demo")
    assert code == 2
    assert "hfmon once --json" in err


@pytest.mark.parametrize("name", sorted(n for n in COMMANDS if n != "fake-hub"))
def test_headless_commands_help_never_imports_textual(name: str) -> None:
    probe = ("import contextlib, io, sys\nfrom hfmon.cli import main\n"
             "with contextlib.redirect_stdout(io.StringIO()):\n"
             f"    try: main([{name!r}, '--help'])\n    except SystemExit: pass\n"
             "print(sorted(m for m in sys.modules if m.split('.')[0] in {'textual', 'rich'}))")
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=60)
    assert result.stdout.strip() == "[]", result.stderr


@pytest.mark.parametrize("limit", ["1e26", "1e999", "-1", "nan"])
def test_a_guard_limit_out_of_range_is_a_usage_error_not_a_failed_condition(limit: str) -> None:
    """Exit 1 of guard means "a condition failed"; a limit hfmon cannot use is a usage error (exit 2), said in words
    (1e26 used to end in a traceback from formatting the limit, exit 1)."""
    code, out, err = _main("guard", "--demo", "--no-history", "--max-cost-per-hour-usd", limit)
    assert code == 2 and out == ""
    assert "expected a number of USD from 0 to 1,000,000,000,000" in err and "Traceback" not in err
