"""End to end: every command `hfmon advise` prints holds a server-given argv shell-quoted: pasted, it runs that
argv and nothing else on the user's machine (a Job's `bash -c 'a; rm -rf ~/scratch'` stays one argument)."""

from __future__ import annotations

import os
import shlex
import subprocess
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta

import pytest

from hfmon.fakehub import demo_scenario
from hfmon.fakehub.demo import entity_id
from hfmon.fakehub.scenario import JobDef, Scenario
from hfmon.fakehub.timeline import Step, fixed
from tests.cli.test_once_e2e import Served, fake  # noqa: F401 - the fixture

pytestmark = pytest.mark.e2e

COMMANDS = (  # what a Job's listing may carry: each argument must come back as it is
    ("bash", "-c", "python train.py; rm -rf ~/scratch"),
    ("python", "-c", "print('it''s $(whoami) && `id`')", "--out", "my dir/a b"),
    ("sh", "-c", 'echo "$HOME" | tee /tmp/x > /dev/null'),
)
RUN_MINUTES = (10, 11, 40)  # the last run is far longer than the others (median 10.5 min): a job_ran_long finding


def with_runs_of(commands: tuple[tuple[str, ...], ...]) -> Scenario:
    """The demo account plus three finished cpu-upgrade runs of each command in ada (10, 11 and 40 minutes)."""
    base = demo_scenario(seed=7)
    jobs = []
    for c, command in enumerate(commands):
        for n, minutes in enumerate(RUN_MINUTES):
            created = base.start - timedelta(hours=10 - 3 * n, minutes=c)
            jobs.append(JobDef(entity_id(7, f"job/quote{c}-{n}"), "ada", "cpu-upgrade", "python:3.12", command,
                               created, fixed(created, [Step("SCHEDULING", 1), Step("RUNNING", minutes),
                                                        Step("COMPLETED", 0)], "cpu-upgrade"), 3600))
    return replace(base, jobs=base.jobs + tuple(jobs))


def test_a_jobs_rerun_command_parses_back_to_its_argv(fake: Callable[..., Served]) -> None:  # noqa: F811
    served = fake(with_runs_of(COMMANDS))
    doc = served.run("advise", "--json", "--no-history", "--namespace", "ada").doc()
    text = served.run("advise", "--no-history", "--namespace", "ada").stdout
    long_runs = {f["resource"]: f for f in doc["findings"] if f["kind"] == "job_ran_long"}
    for c, command in enumerate(COMMANDS):
        job_id = entity_id(7, f"job/quote{c}-2")
        finding = long_runs[f"job {job_id}"]
        cli = finding["apply"]["cli"]
        # 40 min against a median of 10.5 min: a timeout of twice that, 21 min
        assert shlex.split(cli) == ["hf", "jobs", "run", "--namespace", "ada", "--flavor", "cpu-upgrade",
                                    "--timeout", "21m", "python:3.12", *command]
        assert f"   hf:        {cli}\n" in text  # the text prints the same quoted line, whole
        assert f"give runs of `{shlex.join(command)}` a timeout of 21m" in finding["change"]
    assert "python train.py; rm -rf ~/scratch'" in text  # quoted: the `rm` is an argument, not a second command
    assert "bash -c python train.py; rm" not in text


CONTROL_COMMANDS = (  # an argument with a newline, and one with a terminal escape (an OSC 52 clipboard write) in it
    ("bash", "-c", "echo ok\nrm -rf ~/scratch"),
    ("sh", "-c", "printf '\x1b]52;c;ZWNobyBoaQ==\x07x' # it's\t\\done"),
)


def argv_bash_reads(line: str) -> list[str]:
    """The words a real bash reads from `line` pasted after a command (no network, nothing run but printf)."""
    done = subprocess.run(["bash", "-c", 'printf "%s\\0" ' + line], capture_output=True, timeout=30, check=True,
                          env={**os.environ, "LC_ALL": "C.UTF-8"})
    return done.stdout.decode().split("\0")[:-1]


def test_a_rerun_command_with_a_newline_or_an_escape_pastes_as_the_same_argv(fake: Callable[..., Served]) -> None:  # noqa: F811
    served = fake(with_runs_of(CONTROL_COMMANDS))
    doc = served.run("advise", "--json", "--no-history", "--namespace", "ada").doc()
    text = served.run("advise", "--no-history", "--namespace", "ada").stdout
    long_runs = {f["resource"]: f for f in doc["findings"] if f["kind"] == "job_ran_long"}
    for c, command in enumerate(CONTROL_COMMANDS):
        cli = long_runs[f"job {entity_id(7, f'job/quote{c}-2')}"]["apply"]["cli"]
        assert cli.isprintable()  # nothing for scrub to change: the text prints it whole
        assert f"   hf:        {cli}\n" in text
        assert argv_bash_reads(cli) == ["hf", "jobs", "run", "--namespace", "ada", "--flavor", "cpu-upgrade",
                                        "--timeout", "21m", "python:3.12", *command]
    # the newline is written as \n inside ANSI-C quotes, never turned into a space (which made one `echo` of 4 words)
    assert "bash -c $'echo ok\\nrm -rf ~/scratch'" in text
    assert "echo ok rm -rf" not in text
    assert "\x1b" not in text and "\\x1b]52;c;" in text  # the ESC is shown as an escape, not dropped nor sent
