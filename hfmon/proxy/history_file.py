"""Opening the history file for the proxy's commands, whose ledger lives in it."""

from __future__ import annotations

import sys

from hfmon.errors import HfmonError
from hfmon.store import HistoryStore


def open_history(command: str) -> HistoryStore | None:
    """The history file, or None after saying on stderr why `hfmon COMMAND` cannot use it."""
    try:
        return HistoryStore.open()
    except HfmonError as exc:
        print(f"hfmon {command}: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  {exc.hint}", file=sys.stderr)
        return None
