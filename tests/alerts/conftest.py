"""Fixtures of the alert tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from hfmon.alerts.engine import MemoryAlertState
from hfmon.store import HistoryStore
from hfmon.store.alert_state import SqliteAlertState


@pytest.fixture(params=["memory", "sqlite"])
def state(request: pytest.FixtureRequest, tmp_path: Path) -> Any:
    """Alert state in this process's memory, and in a history database: every rule must behave the same."""
    if request.param == "memory":
        yield MemoryAlertState()
        return
    store = HistoryStore.open(tmp_path / "history.sqlite3")
    yield SqliteAlertState(store)
    store.close()
