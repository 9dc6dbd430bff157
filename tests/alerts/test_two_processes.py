"""Two hfmon processes on one history database that see the same crossings fire each alert exactly once."""

from __future__ import annotations

import json
import subprocess
import sys
from decimal import Decimal
from pathlib import Path

from hfmon.alerts.engine import MemoryAlertState
from hfmon.store import HistoryStore
from hfmon.store.alert_state import SqliteAlertState

CHILD = """
import json, sys, time
from decimal import Decimal
from decimal import Decimal
from pathlib import Path
from hfmon.alerts.engine import evaluate_alerts
from hfmon.config import Alerts
from hfmon.store import HistoryStore
from hfmon.store.alert_state import SqliteAlertState
from tests.tui.builder import build_report

db, go = Path(sys.argv[1]), Path(sys.argv[2])
report = build_report()
alerts = Alerts(min_credits_remaining_usd=Decimal("0.5"), long_running=True, unpriced=True,
                source_failing_minutes=Decimal(5))
with HistoryStore.open(db) as store:
    state = SqliteAlertState(store)
    deadline = time.monotonic() + 30
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    # The worst interleaving: every process read "nothing is firing" before any claimed a crossing.
    real = state.firing
    state.firing = lambda: set()
    fired = [e.key for e in evaluate_alerts(report, alerts, state)]
    state.firing = real
    fired += [e.key for _ in range(3) for e in evaluate_alerts(report, alerts, state)]
print(json.dumps(fired))
"""

# what build_report crosses: alice and acme below $0.50 of credits, the long-running job and the idle GPU
# Space flags, the two unpriced resources, endpoints:acme without a good answer for 7 minutes
EXPECTED = {"min_remaining_credits_usd:alice", "min_remaining_credits_usd:acme", "long_running:68f1c0ffee01",
            "long_running:alice/flux-playground", "unpriced:endpoint acme/rerank (nvidia-h100 x2)",
            "unpriced:space bigcorp/agents (h200x2)", "source_failing:endpoints:acme"}


def test_one_claim_wins_of_two_connections_that_both_saw_the_alert_quiet(tmp_path: Path) -> None:
    from hfmon.alerts.engine import evaluate_alerts
    from hfmon.config import Alerts
    from tests.tui.builder import build_report

    db = tmp_path / "history.sqlite3"
    with HistoryStore.open(db) as one, HistoryStore.open(db) as two:
        first, second = SqliteAlertState(one), SqliteAlertState(two)
        (event,) = evaluate_alerts(build_report(), Alerts(max_overage_usd=Decimal(0)), MemoryAlertState())
        assert first.firing() == second.firing() == set()
        assert [first.claim(event.key, True, event), second.claim(event.key, True, event)] == [True, False]
        assert second.firing() == {"max_overage_usd:acme"}
        assert len(second.history()) == 1


def test_two_processes_on_one_database_fire_each_alert_once(tmp_path: Path) -> None:
    db, go = tmp_path / "history.sqlite3", tmp_path / "go"
    HistoryStore.open(db).close()  # created and migrated before the race: the race is over the alerts
    root = Path(__file__).parent.parent.parent
    children = [subprocess.Popen([sys.executable, "-c", CHILD, str(db), str(go)], cwd=root,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(3)]
    go.touch()
    fired: list[str] = []
    for child in children:
        out, err = child.communicate(timeout=120)
        assert child.returncode == 0, err
        fired += json.loads(out)
    assert sorted(fired) == sorted(EXPECTED)  # each once, across every process and every repeated poll
    with HistoryStore.open(db) as store:
        history = SqliteAlertState(store).history()
    assert sorted(e.key for e in history) == sorted(EXPECTED)
