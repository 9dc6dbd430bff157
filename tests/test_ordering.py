"""sort_by_keys orders rows as one stable sort by the tuple of keys, each in its own direction."""

from __future__ import annotations

from functools import cmp_to_key
from operator import itemgetter

from hypothesis import given
from hypothesis import strategies as st

from hfmon.ordering import sort_by_keys

ROWS = st.lists(st.tuples(st.integers(0, 3), st.sampled_from(["a", "b", "c"]), st.integers(-2, 2)), max_size=60)


def by_comparison(rows: list[tuple[int, str, int, int]], directions: tuple[bool, ...]) -> list[tuple[int, ...]]:
    """The reference: a stable sort comparing rows key by key, each descending when its flag is set."""
    def compare(a: tuple[int, str, int, int], b: tuple[int, str, int, int]) -> int:
        for index, descending in enumerate(directions):
            if a[index] != b[index]:
                smaller = a[index] < b[index]
                return (1 if smaller else -1) if descending else (-1 if smaller else 1)
        return 0
    return sorted(rows, key=cmp_to_key(compare))


@given(ROWS, st.tuples(st.booleans(), st.booleans(), st.booleans()))
def test_rows_are_ordered_as_by_their_keys_in_turn_and_full_ties_keep_their_order(
        drawn: list[tuple[int, str, int]], directions: tuple[bool, bool, bool]) -> None:
    rows = [(*row, position) for position, row in enumerate(drawn)]  # the position tells whether ties kept order
    expected = by_comparison(rows, directions)
    sort_by_keys(rows, [(itemgetter(i), descending) for i, descending in enumerate(directions)])
    assert rows == expected


def test_runs_of_ties_anywhere_are_ordered_by_the_next_keys() -> None:
    rows = [(5, "b"), (9, "z"), (5, "a"), (1, "y"), (9, "c"), (1, "x"), (5, "c"), (7, "q")]
    sort_by_keys(rows, [(itemgetter(0), True), (itemgetter(1), False)])
    assert rows == [(9, "c"), (9, "z"), (7, "q"), (5, "a"), (5, "b"), (5, "c"), (1, "x"), (1, "y")]
