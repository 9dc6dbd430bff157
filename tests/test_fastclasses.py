"""hfmon.fastclasses: dataclass methods compiled at their first call behave exactly as the standard library's.

Each class below is created twice, once with the standard library's generators and once with hfmon's, and every
method's outcome (value, or exception type and message) is compared on the same inputs.
"""

from __future__ import annotations

import dataclasses
import re
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import pytest

from hfmon import fastclasses

LAZY_VERSIONS = ((3, 11), (3, 12))  # the versions that compile each method apart: install() must take there
pytestmark = pytest.mark.skipif(sys.version_info[:2] not in LAZY_VERSIONS,
                                reason="only Python 3.11 and 3.12 compile each method")


def test_install_took_on_the_versions_it_is_for() -> None:
    assert fastclasses.STOCK  # a silent no-op here would put start-up back, and skip every test below


@contextmanager
def stock_generators() -> Iterator[None]:
    """The standard library's own method generators while the block runs."""
    ours = {name: getattr(dataclasses, name) for name in fastclasses.STOCK}
    for name, fn in fastclasses.STOCK.items():
        setattr(dataclasses, name, fn)
    try:
        yield
    finally:
        for name, fn in ours.items():
            setattr(dataclasses, name, fn)


def both(make: Callable[[], type]) -> tuple[type, type]:
    """The class `make` defines, built by the standard library and by hfmon.fastclasses."""
    with stock_generators():
        stock = make()
    return stock, make()


def outcome(call: Callable[[], Any]) -> tuple[str, Any]:
    """What a call gives: ("value", result) or ("raises", exception type name, message)."""
    try:
        return ("value", call())
    except Exception as exc:  # noqa: BLE001 - the exception is what is compared
        return ("raises", f"{type(exc).__name__}: {exc}")


def shown(obj: object) -> str:
    """repr() without the address that object's own repr shows."""
    return re.sub(" at 0x[0-9a-f]+", "", repr(obj))


def behaviour(cls: type, args: list[tuple[Any, ...]]) -> list[tuple[str, Any]]:
    """Every generated method's outcome over instances built from `args`, pairwise, and on a foreign object."""
    objs = [cls(*a) for a in args]
    seen: list[tuple[str, Any]] = []
    for a in objs:
        seen.append(outcome(lambda a=a: shown(a)))
        seen.append(outcome(lambda a=a: "identity" if hash(a) == object.__hash__(a) else hash(a)))
        for b in [*objs, object(), (1,)]:
            for op in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"):
                seen.append(outcome(lambda a=a, b=b, op=op: getattr(a, op)(b)))
            seen.append(outcome(lambda a=a, b=b: a == b))
            seen.append(outcome(lambda a=a, b=b: a < b))
        for name in (*[f.name for f in dataclasses.fields(a)], "extra"):
            seen.append(outcome(lambda a=a, name=name: setattr(a, name, 7)))
            seen.append(outcome(lambda a=a: shown(a)))
            seen.append(outcome(lambda a=a, name=name: delattr(a, name)))
    for name in ("__repr__", "__eq__", "__lt__", "__hash__", "__setattr__", "__delattr__"):
        fn = cls.__dict__.get(name)
        seen.append(("names", None if fn is None else (fn.__name__, fn.__qualname__, fn.__module__)))
    return seen


def test_frozen_class_with_shown_compared_and_hashed_fields_behaves_as_the_standard_librarys() -> None:
    def make() -> type:
        @dataclass(frozen=True)
        class Price:
            """A priced thing."""

            name: str
            cents: int
            note: str = field(default="", repr=False)
            tags: tuple[str, ...] = field(default=(), compare=False)
            cache: int = field(default=0, hash=False)

        return Price

    stock, ours = both(make)
    args = [("gpu", 100), ("gpu", 100, "x", ("a",)), ("cpu", 5, "", (), 3), ("gpu", 101)]
    assert behaviour(ours, args) == behaviour(stock, args)


@pytest.mark.parametrize("options", [{}, {"order": True}, {"frozen": True, "order": True}, {"unsafe_hash": True},
                                     {"frozen": True, "slots": True}, {"eq": False}, {"repr": False},
                                     {"frozen": True, "kw_only": False, "match_args": False}])
def test_each_option_behaves_as_the_standard_librarys(options: dict[str, bool]) -> None:
    def make() -> type:
        @dataclass(**options)
        class Row:
            """A row."""

            a: int
            b: Any = None

        return Row

    stock, ours = both(make)
    args = [(1,), (1, 2), (2, 1), (1, [3])]  # a list: unhashable, so hash() raises alike
    assert behaviour(ours, args) == behaviour(stock, args)


@pytest.mark.parametrize("fields", [0, 1])
def test_classes_with_no_field_or_one_compare_and_hash_as_tuples(fields: int) -> None:
    def make() -> type:
        if fields == 0:
            @dataclass(frozen=True, order=True)
            class Empty:
                """Nothing."""

            return Empty

        @dataclass(frozen=True, order=True)
        class One:
            """One field."""

            x: int

        return One

    stock, ours = both(make)
    args = [()] if fields == 0 else [(1,), (2,), (1,)]
    assert behaviour(ours, args) == behaviour(stock, args)
    assert hash(ours(*args[0])) == hash(tuple(args[0]))


def test_a_subclass_of_a_frozen_class_keeps_its_rules() -> None:
    def make() -> type:
        @dataclass(frozen=True)
        class Base:
            """A base."""

            a: int

        @dataclass(frozen=True)
        class Child(Base):
            """A child with one more field."""

            b: int = 0

        class Plain(Child):
            """Not a dataclass: may set attributes that are not fields."""

        return Plain

    stock, ours = both(make)
    args = [(1,), (1, 2)]
    assert behaviour(ours, args) == behaviour(stock, args)
    plain = ours(1)
    plain.extra = 5
    assert plain.extra == 5


def test_a_recursive_repr_shows_dots() -> None:
    def make() -> type:
        @dataclass
        class Node:
            """A node that may hold itself."""

            value: int
            children: list[Any] = field(default_factory=list)

        return Node

    stock, ours = both(make)
    reprs = []
    for cls in (stock, ours):
        node = cls(1)
        node.children.append(node)
        reprs.append(repr(node))
    assert reprs[0] == reprs[1]
    assert reprs[1].endswith("(value=1, children=[...])")


def test_a_method_is_compiled_at_its_first_call_and_then_replaces_its_stub() -> None:
    @dataclass(frozen=True, order=True)
    class Pair:
        """Two numbers."""

        a: int
        b: int

    stubs = {name: Pair.__dict__[name] for name in ("__eq__", "__lt__", "__hash__", "__repr__", "__setattr__")}
    x, y = Pair(1, 2), Pair(1, 3)
    assert (x == y, x < y, hash(x), repr(x)) == (False, True, hash((1, 2)), "test_a_method_is_compiled_at_its_first_"
                                                  "call_and_then_replaces_its_stub.<locals>.Pair(a=1, b=2)")
    with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'a'"):
        x.a = 5  # type: ignore[misc]
    for name, stub in stubs.items():
        compiled = Pair.__dict__[name]
        assert compiled is not stub, name
        assert compiled.__qualname__.endswith(f"<locals>.Pair.{name}"), name
    assert stubs["__eq__"](x, Pair(1, 2)) is True  # a reference kept to the stub still answers
    assert stubs["__lt__"](y, x) is False


def test_hfmon_classes_get_the_stubs() -> None:
    from hfmon.models import Space

    assert getattr(Space.__dict__["__delattr__"], "__module__", None) == fastclasses.__name__  # never called


def test_generators_shaped_otherwise_leave_the_standard_library_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    with stock_generators():
        stock = {name: getattr(dataclasses, name) for name in fastclasses.STOCK}
        saved = dict(fastclasses.STOCK)
        fastclasses.STOCK.clear()
        try:
            # a patch release that passed one more argument to a generator, say
            monkeypatch.setattr(fastclasses, "_hash_fn", lambda fields, globals, extra: None)
            fastclasses.install()
            assert not fastclasses.STOCK
            assert {name: getattr(dataclasses, name) for name in stock} == stock

            @dataclass(frozen=True)
            class Made:
                a: int

            assert hash(Made(1)) == hash((1,)) and Made(1) == Made(1)  # dataclasses work as they always did
        finally:
            fastclasses.STOCK.update(saved)


def construction(cls: type) -> list[tuple[str, Any]]:
    """What building `cls` gives for good and bad arguments: the instance's fields, or the error."""
    calls: list[tuple[tuple[Any, ...], dict[str, Any]]] = [
        ((1, "x"), {}), ((1,), {}), ((), {"a": 1, "b": "y", "c": 3.5}), ((1, "x", 2.5), {}), ((), {}),
        ((1, 2, 3, 4), {}), ((1,), {"a": 2}), ((1,), {"d": 4}), ((), {"b": "z"})]
    return [outcome(lambda a=a, k=k: dataclasses.astuple(cls(*a, **k))) for a, k in calls]


def slotted(*, frozen: bool = True, slots: bool = True) -> type:
    @dataclass(frozen=frozen, slots=slots)
    class Row:
        """A row built by the ten thousand."""

        a: int
        b: str = "none"
        c: float | None = None

    return Row


def test_a_slot_init_builds_what_the_standard_librarys_builds_and_fails_alike() -> None:
    stock, ours = slotted(), fastclasses.slot_init(slotted())
    assert ours.__init__.__code__ is not stock.__init__.__code__  # replaced: the comparison below means something
    assert construction(ours) == construction(stock)
    assert ours.__init__.__qualname__ == "slotted.<locals>.Row.__init__"
    assert ours.__init__.__annotations__ == stock.__init__.__annotations__
    row = ours(1, c=2.0)
    assert (row.a, row.b, row.c, row, hash(row)) == (1, "none", 2.0, ours(1, "none", 2.0), hash(ours(1, "none", 2.0)))
    with pytest.raises(dataclasses.FrozenInstanceError):
        row.a = 2
    assert dataclasses.replace(row, b="new") == ours(1, "new", 2.0)


def test_a_class_slot_init_does_not_fit_keeps_its_init() -> None:
    @dataclass(frozen=True, slots=True)
    class Made:
        """A default factory."""

        items: list[int] = field(default_factory=list)

    @dataclass(frozen=True, slots=True)
    class Checked:
        """A __post_init__."""

        a: int

        def __post_init__(self) -> None:
            if self.a < 0:
                raise ValueError("negative")

    @dataclass(frozen=True, slots=True)
    class Keyed:
        """A keyword-only field."""

        a: int = field(kw_only=True)

    for cls in (slotted(frozen=False), slotted(slots=False), Made, Checked, Keyed):
        init = cls.__init__
        assert fastclasses.slot_init(cls).__init__ is init, cls


def test_hfmons_listing_rows_take_the_slot_init() -> None:
    from hfmon.models import RepoStorage, Space
    from hfmon.models_hub import HubRepo

    for cls in (RepoStorage, Space, HubRepo):
        assert "__create_fn__" not in cls.__init__.__code__.co_qualname, cls
