"""The dashboard keeps its long-lived heap out of the garbage collector's walks, and gives it back at the end."""

from __future__ import annotations

import gc
import weakref

from tests.tui.test_app import app_for, settle


class Node:
    """An object that can take part in a reference cycle."""

    other: object = None


async def test_the_heap_is_frozen_once_after_the_first_report_and_given_back_when_the_app_ends() -> None:
    assert gc.get_freeze_count() == 0
    app = app_for()
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert app.long_lived.frozen
        assert gc.get_freeze_count() > 1000  # the widgets and the first Report, at least

        cycle = Node()
        cycle.other = cycle
        gone = weakref.ref(cycle)
        del cycle
        gc.collect()
        assert gone() is None  # garbage made after the freeze (a later poll's) is collected as ever

        frozen = gc.get_freeze_count()
        await pilot.press("r")
        await settle(app, pilot)
        assert gc.get_freeze_count() <= frozen  # the second poll froze nothing more
    assert gc.get_freeze_count() == 0 and not app.long_lived.frozen
