"""Mutation score of the pure money code: how many small code changes the fast tests catch.

Runs mutmut (3.x) over `hfmon/costs`, `hfmon/pricing` and `hfmon/api/governor.py` with the fast tests of
those modules only, in a copy of the project (the worktree is never touched), and prints the share of
mutants killed against the goal. CPU heavy (tens of minutes on 2 cores): run it by hand, once, with output
to a file; it is not part of CI.

Install: .venv/bin/pip install 'mutmut>=3.8,<4'
Run:     .venv/bin/python benchmarks/mutation.py [--jobs 2] [--workdir DIR] > /tmp/mutation.txt 2>&1
Then:    .venv/bin/python benchmarks/mutation.py --workdir DIR --retest-survivors   (after adding tests)
         [--sample N: with it, test only N of the mutants not tested yet, drawn at random: an estimate]
Judged by: killed / (killed + survived) >= 90 %. Mutants no fast test reaches ("no tests") and timeouts are
counted separately and listed; survivors are listed so each can be judged (a missing test, or equivalent).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GOAL = 0.90
MUTATE = ["hfmon/costs/*", "hfmon/pricing/*", "hfmon/api/governor.py"]
# The fast, pure tests of those modules: no fake hub over HTTP, no terminal, no subprocess.
FAST_TESTS = ["tests/costs", "tests/api/test_transport.py", "tests/api/test_governor_rules.py"]
MUTMUT_CONFIG = """
[tool.mutmut]
source_paths = ["hfmon"]
only_mutate = {mutate}
pytest_add_cli_args_test_selection = {tests}
pytest_add_cli_args = ["-p", "no:cacheprovider", "-q", "-x"]
"""


def prepare(workdir: Path) -> None:
    """Copy the code and the tests into `workdir`, with a mutmut section in its pyproject.toml."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "__snapshots__")
    for name in ("hfmon", "tests"):
        shutil.copytree(ROOT / name, workdir / name, ignore=ignore)
    config = MUTMUT_CONFIG.format(mutate=json.dumps(MUTATE), tests=json.dumps(FAST_TESTS))
    (workdir / "pyproject.toml").write_text((ROOT / "pyproject.toml").read_text(encoding="utf-8") + config,
                                            encoding="utf-8")


def mutmut(workdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run one mutmut command in `workdir`."""
    exe = Path(sys.executable).with_name("mutmut")
    return subprocess.run([str(exe), *args], cwd=workdir, capture_output=True, text=True,
                          env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})


STATUS = {1: "killed", 3: "killed", 0: "survived", 5: "no tests", 33: "no tests", 34: "skipped", 35: "suspicious",
          36: "timeout", 24: "timeout", -24: "timeout", 152: "timeout", 255: "timeout", 37: "type check",
          None: "not checked"}  # mutmut's exit codes of a mutant's test run


def results(workdir: Path) -> dict[str, str]:
    """Each mutant's status, from the `.meta` files mutmut keeps next to the mutated sources."""
    out: dict[str, str] = {}
    for meta in sorted((workdir / "mutants").rglob("*.py.meta")):
        for name, code in json.loads(meta.read_text(encoding="utf-8")).get("exit_code_by_key", {}).items():
            out[name] = STATUS.get(code, "suspicious")
    return out


def refresh_tests(workdir: Path) -> None:
    """Copy the project's current tests over the workdir's (both the copy and mutmut's own)."""
    for target in (workdir / "tests", workdir / "mutants" / "tests"):
        shutil.rmtree(target, ignore_errors=True)
        shutil.copytree(ROOT / "tests", target, ignore=shutil.ignore_patterns("__pycache__", "__snapshots__"))


def main() -> int:
    """Run mutmut and print the score, the goal and the surviving mutants."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=2, help="mutants tested at once (default 2)")
    parser.add_argument("--workdir", type=Path, help="where to copy the project (default: a new temporary "
                                                     "directory, kept so that `mutmut show NAME` works there)")
    parser.add_argument("--retest-survivors", action="store_true",
                        help="in an existing --workdir: take the current tests and run only the mutants that "
                             "survived again")
    parser.add_argument("--sample", type=int, metavar="N",
                        help="test only N mutants drawn at random (seeded) from those not tested yet: an estimate "
                             "of the score when there is no time for all of them (said in the output)")
    parser.add_argument("--report", action="store_true", help="only print the score of an existing --workdir")
    args = parser.parse_args()
    if shutil.which("mutmut", path=str(Path(sys.executable).parent)) is None:
        print("mutmut is not installed in this venv: .venv/bin/pip install 'mutmut>=3.8,<4'", file=sys.stderr)
        return 2
    if (args.retest_survivors or args.report) and args.workdir is None:
        parser.error("--retest-survivors and --report need the --workdir of an earlier run")
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="hfmon-mutation-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if not (workdir / "hfmon").exists():
        prepare(workdir)
    print(f"mutating {', '.join(MUTATE)}\nwith {' '.join(FAST_TESTS)}\nin {workdir}", flush=True)
    if not args.report:
        names: list[str] = []
        before = results(workdir)
        if args.retest_survivors:
            refresh_tests(workdir)
            names = [n for n, status in before.items() if status == "survived"]
            print(f"retesting the {len(names)} survivors with the current tests", flush=True)
        if args.sample is not None:
            untested = sorted(n for n, status in before.items() if status == "not checked")
            if not before:
                parser.error("--sample needs the --workdir of an earlier run (mutmut makes the mutants on its "
                             "first run; interrupting it keeps them)")
            drawn = random.Random(0).sample(untested, min(args.sample, len(untested)))
            print(f"sampling {len(drawn)} of the {len(untested)} mutants not tested yet", flush=True)
            (workdir / "sample.txt").write_text("".join(f"{n}\n" for n in drawn), encoding="utf-8")
            names += drawn
        started = time.perf_counter()
        run = mutmut(workdir, "run", "--max-children", str(args.jobs), *names)
        print(f"mutmut ran for {(time.perf_counter() - started) / 60:.1f} min", flush=True)
        (workdir / "mutmut-run.log").write_text(run.stdout + run.stderr, encoding="utf-8")
        if run.returncode != 0:
            print(f"mutmut failed (exit {run.returncode}); its output is in {workdir / 'mutmut-run.log'}:\n"
                  f"{(run.stdout + run.stderr)[-3000:]}", file=sys.stderr)
            return 1
    statuses = results(workdir)
    counts = {status: sum(1 for s in statuses.values() if s == status) for status in sorted(set(statuses.values()))}
    killed, survived = counts.get("killed", 0), counts.get("survived", 0)
    judged = killed + survived
    share = killed / judged if judged else 0.0
    print(f"mutants: {len(statuses)}; " + ", ".join(f"{status} {n}" for status, n in counts.items()))
    if counts.get("not checked"):
        print(f"the score below is over the {len(statuses) - counts['not checked']} mutants tested so far, not all")
    print(f"mutation score: {killed}/{judged} = {share:.1%} killed (goal >= {GOAL:.0%}: "
          f"{'met' if share >= GOAL else 'NOT met'}; ratio to goal {share / GOAL:.2f})")
    sample_file = workdir / "sample.txt"
    if sample_file.exists():  # the random sample alone: an unbiased estimate for the mutants not tested
        drawn = [statuses[n] for n in sample_file.read_text(encoding="utf-8").split() if n in statuses]
        k, s = drawn.count("killed"), drawn.count("survived")
        if k + s:
            print(f"random sample alone: {k}/{k + s} = {k / (k + s):.1%} killed")
    left = sorted(n for n, status in statuses.items() if status not in ("killed", "not checked"))
    print(f"not killed ({len(left)}; inspect one with: cd {workdir} && mutmut show NAME):")
    for name in left:
        print(f"    {name}: {statuses[name]}")
    return 0 if share >= GOAL else 1


if __name__ == "__main__":
    raise SystemExit(main())
