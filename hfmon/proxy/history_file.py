"""Opening the history file (whose ledger the proxy's commands write) and reading their config's model prices."""

from __future__ import annotations

import sys
from typing import Any

from hfmon.errors import HfmonError
from hfmon.pricing.catalog import ModelOverrides
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


def model_overrides(command: str, args: Any) -> ModelOverrides | None:
    """The config file's `[prices.models]` (they win over the router's prices), or None after saying on stderr
    why `hfmon COMMAND` cannot read the config."""
    from pathlib import Path

    from hfmon.config import load_config

    path = getattr(args, "config", None)
    try:
        return load_config(Path(path) if path else None).prices.models
    except HfmonError as exc:
        print(f"hfmon {command}: {exc.message}", file=sys.stderr)
        if exc.hint:
            print(f"  {exc.hint}", file=sys.stderr)
        return None
