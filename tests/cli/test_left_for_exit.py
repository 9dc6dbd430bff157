"""A one-shot command's Report and document are freed with the process, not one by one at return; wherever the
garbage collector runs (the dashboard, tests) they are still freed."""

from __future__ import annotations

import gc
import weakref

from hfmon.headless import left_for_exit


class Big:
    """Stands for a Report (a weak reference tells whether it was freed)."""


def test_without_the_collector_what_is_left_for_exit_outlives_the_command() -> None:
    was_enabled = gc.isenabled()
    gc.disable()  # as a one-shot command runs
    try:
        report = Big()
        freed = weakref.ref(report)
        left_for_exit(report, {"document": [1, 2, 3]})
        del report
        assert freed() is not None  # not freed when the command's frame lets go of it
    finally:
        if was_enabled:
            gc.enable()
    gc.collect()
    assert freed() is None  # a collection frees it: nothing outlives its process where the collector runs


def test_where_the_collector_runs_nothing_left_for_exit_is_kept() -> None:
    report = Big()
    freed = weakref.ref(report)
    left_for_exit(report)
    del report
    gc.collect()
    assert freed() is None
