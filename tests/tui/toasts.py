"""Every toast the dashboard raised, kept for the tests: Textual expires toasts on the wall clock (`time()`), so
a toast read back after a slow step on a busy machine may be gone although the user saw it."""

from __future__ import annotations

from typing import Any

import pytest

from hfmon.tui.app import HfmonApp

_RAISED = "_toasts_raised"  # per-app list of "title: message", oldest first


def record_toasts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every HfmonApp record each toast as it raises it (then raise it as the app does)."""
    raise_toast = HfmonApp.notify

    def notify(self: HfmonApp, message: str, *args: Any, title: str = "", **kwargs: Any) -> None:
        self.__dict__.setdefault(_RAISED, []).append(f"{title}: {message}")
        raise_toast(self, message, *args, title=title, **kwargs)

    monkeypatch.setattr(HfmonApp, "notify", notify)


def toasts_raised(app: HfmonApp) -> list[str]:
    """Title and body of every toast the app raised so far, expired or not."""
    return list(app.__dict__.get(_RAISED, []))
