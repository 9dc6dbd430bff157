"""SQLite history: what each Snapshot adds (usage totals, resource state changes), kept for a retention window."""

from __future__ import annotations

from hfmon.store.connection import FILENAME, HistoryError, default_path
from hfmon.store.db import DEFAULT_RETENTION_DAYS, HistoryStore

__all__ = ["DEFAULT_RETENTION_DAYS", "FILENAME", "HistoryError", "HistoryStore", "default_path"]
