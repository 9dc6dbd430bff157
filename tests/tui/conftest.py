"""Dashboard tests see every toast the app raised, however slow the machine (see tests/tui/toasts.py)."""

from __future__ import annotations

import pytest

from tests.tui.toasts import record_toasts


@pytest.fixture(autouse=True)
def keep_toasts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Record toasts as they are raised."""
    record_toasts(monkeypatch)
