"""A child process for the store tests: records snapshots and prints a counter after each committed one.

Usage: python -m tests.store.writer PATH NAMESPACE FIRST LAST RESOURCES [GO_FILE]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from hfmon.store import HistoryStore
from tests.store.builders import busy_snapshot, minutes


def main(argv: list[str]) -> None:
    """Record snapshots FIRST..LAST, printing each number once record() has returned."""
    path, name, first, last, resources = Path(argv[0]), argv[1], int(argv[2]), int(argv[3]), int(argv[4])
    if len(argv) > 5:  # wait for the parent's signal so several writers start together
        while not Path(argv[5]).exists():
            time.sleep(0.005)
    with HistoryStore.open(path) as store:
        for i in range(first, last + 1):
            store.record(busy_snapshot(minutes(i), name, i, resources))
            print(i, flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
