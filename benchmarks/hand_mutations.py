"""The hand mutations of issue 10: each small wrong change to a billing or governor rule must fail a fast test.

Each mutation is applied to a fresh copy of the project (the worktree is never touched), the fast tests of
costs/, pricing/ and the governor run against it, and the script prints KILLED or SURVIVED per mutation.
A mutation whose code is no longer found (the code moved on) is reported as such, never silently skipped.
Run: .venv/bin/python benchmarks/hand_mutations.py [NAME-FRAGMENT ...] > /tmp/hand.txt 2>&1   (~10 min, not in CI)
Judged by: every mutation KILLED.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FAST_TESTS = ["tests/costs", "tests/api/test_transport.py", "tests/api/test_governor_rules.py",
              "tests/api/test_governor_in_flight.py"]

MUTATIONS: list[tuple[str, str, str, str]] = [  # (what, file, code, changed to)
 ("replicas_current ignored", "hfmon/costs/billing_rules.py",
  "    if space.replicas_current:\n        return space.replicas_current\n", ""),
 ("initializing billed on ready", "hfmon/costs/billing_rules.py",
  'if endpoint.state != "initializing" and endpoint.ready_replicas > 0:', "if endpoint.ready_replicas > 0:"),
 ("per-second x60", "hfmon/pricing/catalog.py", "flavor.unit_cost_usd * 3600", "flavor.unit_cost_usd * 60"),
 ("storage tier 5 TB", "hfmon/costs/crosscheck.py", "STORAGE_FIRST_TIER_TB = 50", "STORAGE_FIRST_TIER_TB = 5"),
 ("observed ignores hardware", "hfmon/costs/observed.py",
  "if not is_billed(kind, change.state) or (change.hardware and change.hardware != hardware):",
  "if not is_billed(kind, change.state):"),
 ("job key keeps prefix", "hfmon/costs/resources.py", 'return text.rsplit("/", 1)[-1]', "return text"),
 ("retry-after ignored", "hfmon/api/transport.py",
  'asked = parse_retry_after(response.headers.get("retry-after"))', "asked = None"),
 ("block_for no-op", "hfmon/api/governor.py",
  "self._blocked_until = max(self._blocked_until, monotonic() + capped_wait(seconds))", "pass"),
 ("any bucket", "hfmon/api/governor.py", 'if info is not None and info.bucket in ("api", "pages"):',
  "if info is not None:"),
 ("spend estimate dropped", "hfmon/api/governor.py",
  "        # Reserved at admission, not at send: concurrent requests must not all spend the same last unit.\n"
  "        self._pending += 1\n", ""),
 ("in-flight forgotten", "hfmon/api/governor.py",
  "return max(0, self.last.remaining - self._spent_since - self._pending)",
  "return max(0, self.last.remaining - self._spent_since)"),
 ("deadline ignores outer", "hfmon/api/governor.py", "        at = min(at, outer)\n", "        pass\n"),
 ("reserve boundary", "hfmon/api/governor.py", "if optional and remaining <= self.reserve:",
  "if optional and remaining < self.reserve:"),
 ("limit 90% boundary", "hfmon/costs/flags.py", "elif c.used_usd * 100 >= c.limit_usd * alerts.limit_near_pct:",
  "elif c.used_usd * 100 > c.limit_usd * alerts.limit_near_pct:"),
 ("sleep 0 boundary", "hfmon/costs/flags.py", "space.sleep_time_s <= 0)", "space.sleep_time_s < 0)"),
 ("job limit boundary", "hfmon/costs/flags.py", "now - job.started_at > limit", "now - job.started_at >= limit"),
 ("slack without sqrt", "hfmon/costs/observed.py", "Decimal(transitions).sqrt()", "Decimal(transitions)"),
 ("history_since no floor", "hfmon/costs/evaluate.py", "return min(*starts, now - timedelta(hours=24))",
  "return min(starts)"),
 ("trailing oldest base", "hfmon/costs/credits.py", "base = old[-1]", "base = old[0]"),
 ("to period end unclamped", "hfmon/costs/resources.py", "return max(days(end - now), Decimal(0))",
  "return days(end - now)"),
 ("unobserved uptime 0", "hfmon/costs/resources.py",
  "        return None  # nothing observed it", "        return Decimal(0)  # nothing observed it"),
 ("hourly dropped", "hfmon/costs/resources.py", "        hourly_usd=hourly_usd,\n", ""),
 ("space price of requested", "hfmon/costs/evaluate.py",
  "price = acc.space_price(catalog, hardware) if hardware else None",
  "price = acc.space_price(catalog, s.requested_hardware) if s.requested_hardware else None"),
]


def main() -> int:
    """Apply each mutation in a copy, run the fast tests, and say whether they caught it."""
    wanted = sys.argv[1:]
    survived = 0
    with tempfile.TemporaryDirectory(prefix="hfmon-hand-mutants-") as tmp:
        work = Path(tmp)
        for name in ("hfmon", "tests"):
            shutil.copytree(ROOT / name, work / name, ignore=shutil.ignore_patterns("__pycache__"))
        shutil.copy(ROOT / "pyproject.toml", work)
        for what, path, code, changed in MUTATIONS:
            if wanted and not any(w in what for w in wanted):
                continue
            source = work / path
            text = source.read_text(encoding="utf-8")
            if text.count(code) != 1:
                print(f"MISSING  {what}: the code to change is no longer in {path} (update this list)", flush=True)
                survived += 1
                continue
            source.write_text(text.replace(code, changed), encoding="utf-8")
            try:
                run = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider",
                                      *FAST_TESTS], cwd=work, capture_output=True, text=True)
            finally:
                source.write_text(text, encoding="utf-8")
            last = (run.stdout.strip().splitlines() or [run.stderr.strip()[-200:]])[-1]
            survived += run.returncode == 0
            print(f"{'KILLED  ' if run.returncode else 'SURVIVED'} {what}: {last}", flush=True)
    print(f"{survived} of the listed mutations not caught (goal: 0)")
    return 1 if survived else 0


if __name__ == "__main__":
    raise SystemExit(main())
