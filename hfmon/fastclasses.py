"""Faster dataclass creation on Python 3.11 and 3.12: a generated method is compiled when it is first called.

Python 3.11 and 3.12 compile each method a dataclass gets from source text, one `exec` apiece: a frozen class
costs six of them, about 1 ms, and hfmon defines some 140 classes, a quarter of `hfmon --once`'s start-up
(Python 3.13 compiles a class's methods in one go and needs none of this). Most of those methods are never
called in a run: a frozen class's `__setattr__` only ever raises, and a `__repr__` is for people. After
`install()`, `__repr__`, `__eq__` and the ordering methods, `__hash__`, `__setattr__` and `__delattr__` start as a
small stub; its first call compiles the standard library's own method (same source, same globals), puts it on
the class in the stub's place, and calls it. From then on a call costs what it always did. `__init__` is
compiled at once, as before, so that the class's signature is right from the start. It applies to every
dataclass created after `install()`, whichever module defines it; the tests compare each method's outcome with
the standard library's. What differs is introspection before the first call: the method's `__code__` and signature
are the stub's, so a tool that inspects them (rich's pretty printer looks where `__repr__` was compiled) treats
the class as a plain object until then. `install()` checks the generators' shape with one probe class first.
"""

from __future__ import annotations

import dataclasses
import sys
from collections.abc import Callable, Sequence
from types import MemberDescriptorType
from typing import Any, TypeVar

Method = Callable[..., Any]
_PATCHED = ("_repr_fn", "_frozen_get_del_attr", "_cmp_fn", "_hash_fn")
STOCK: dict[str, Method] = {}  # the standard library's generators, as install() found them


def _lazy(name: str, compile_method: Callable[[], Method]) -> Method:
    """A stub for the method `name` that compiles it with `compile_method()` at its first call, puts it where
    the stub was on the class (a call through a kept reference to the stub still works), and calls it."""
    compiled: Method | None = None

    def stub(self: object, *args: object) -> Any:
        nonlocal compiled
        if compiled is None:
            compiled = compile_method()
            compiled.__qualname__ = stub.__qualname__  # dataclasses named the stub after its class
            for owner in type(self).__mro__:
                if owner.__dict__.get(name) is stub:
                    setattr(owner, name, compiled)
                    break
        return compiled(self, *args)

    stub.__name__ = stub.__qualname__ = name
    return stub


def _repr_fn(fields: Sequence[dataclasses.Field[Any]], globals: dict[str, Any]) -> Method:
    """`__repr__`, compiled at its first call."""
    return _lazy("__repr__", lambda: STOCK["_repr_fn"](fields, globals))


def _frozen_get_del_attr(cls: type[Any], fields: Sequence[dataclasses.Field[Any]],
                         globals: dict[str, Any]) -> tuple[Method, Method]:
    """A frozen class's `__setattr__` and `__delattr__`, compiled (both) at the first call of either."""
    pair: list[Method] = []

    def compiled(index: int) -> Method:
        if not pair:
            pair.extend(STOCK["_frozen_get_del_attr"](cls, fields, globals))
        return pair[index]

    return _lazy("__setattr__", lambda: compiled(0)), _lazy("__delattr__", lambda: compiled(1))


def _cmp_fn(name: str, op: str, self_tuple: str, other_tuple: str, globals: dict[str, Any]) -> Method:
    """`__eq__` or an ordering method, compiled at its first call."""
    return _lazy(name, lambda: STOCK["_cmp_fn"](name, op, self_tuple, other_tuple, globals))


def _hash_fn(fields: Sequence[dataclasses.Field[Any]], globals: dict[str, Any]) -> Method:
    """`__hash__`, compiled at its first call."""
    return _lazy("__hash__", lambda: STOCK["_hash_fn"](fields, globals))


def install() -> None:
    """Have dataclasses created from now on compile these methods when first called (Python 3.11 and 3.12; a
    no-op elsewhere, or if the standard library is not shaped as expected)."""
    if STOCK or sys.version_info[:2] not in ((3, 11), (3, 12)):
        return
    if not all(callable(getattr(dataclasses, name, None)) for name in _PATCHED):
        return
    STOCK.update({name: getattr(dataclasses, name) for name in _PATCHED})
    for name, fn in zip(_PATCHED, (_repr_fn, _frozen_get_del_attr, _cmp_fn, _hash_fn), strict=True):
        setattr(dataclasses, name, fn)
    try:
        _probe()
    except Exception:  # noqa: BLE001 - a patch release reshaped the generators: the standard library's, unpatched
        for name, fn in STOCK.items():
            setattr(dataclasses, name, fn)
        STOCK.clear()


def _probe() -> None:
    """One class with every patched method, each called once: raises if the generators' shape is not the one
    these stubs were written for (else every dataclass created afterwards, hfmon's own included, would fail)."""

    @dataclasses.dataclass(frozen=True, order=True, unsafe_hash=True)
    class Probe:
        a: int

    one, two = Probe(1), Probe(2)
    if not (one < two and one != two and hash(one) == hash((1,)) and repr(one).endswith("Probe(a=1)")):
        raise RuntimeError("dataclass methods compiled at their first call answer differently")
    try:
        one.a = 2  # type: ignore[misc]
    except dataclasses.FrozenInstanceError:
        return
    raise RuntimeError("a frozen dataclass took an assignment")


C = TypeVar("C", bound=type)


def slot_init(cls: C) -> C:
    """`cls` (a frozen dataclass with slots, applied above its @dataclass) with an `__init__` that sets each slot
    through the slot's own descriptor: half the standard library's cost, which goes through `object.__setattr__`
    for every field (a frozen class refuses plain assignment). It compiles one function at import, so it is only
    for the classes a large account builds by the ten thousand (listing rows, the Report's rows). Same signature,
    defaults, annotations and errors; a class this does not fit (not frozen or slotted, a default factory,
    `__post_init__`, an InitVar or ClassVar, a keyword-only field, a field left out of `__init__`, an `__init__` of
    its own) keeps what it has."""
    fields = dataclasses.fields(cls)
    params = getattr(cls, "__dataclass_params__", None)
    stock: Any = cls.__dict__.get("__init__")
    if (params is None or not params.frozen or "__slots__" not in cls.__dict__ or hasattr(cls, "__post_init__")
            or "__create_fn__" not in getattr(getattr(stock, "__code__", None), "co_qualname", "")  # the class's own
            or len(fields) != len(cls.__dict__["__dataclass_fields__"])  # an InitVar or a ClassVar
            or any(not f.init or f.kw_only is True or f.default_factory is not dataclasses.MISSING
                   or f.name == "self" for f in fields)):
        return cls
    setters = {}
    for f in fields:
        slot = next((k.__dict__[f.name] for k in cls.__mro__ if f.name in k.__dict__), None)
        if type(slot) is not MemberDescriptorType:
            return cls
        setters[f"_set_{f.name}"] = slot.__set__
    defaults = {f"_default_{f.name}": f.default for f in fields if f.default is not dataclasses.MISSING}
    signature = ", ".join(f.name if f.default is dataclasses.MISSING else f"{f.name}=_default_{f.name}"
                          for f in fields)
    body = "".join(f"    _set_{f.name}(self, {f.name})\n" for f in fields) or "    pass\n"
    namespace: dict[str, Any] = {"__name__": cls.__module__, **setters, **defaults}
    exec(f"def __init__(self, {signature}):\n{body}", namespace)  # noqa: S102 - hfmon's own field names only
    init = namespace["__init__"]
    init.__qualname__, init.__annotations__, init.__doc__ = stock.__qualname__, stock.__annotations__, stock.__doc__
    setattr(cls, "__init__", init)  # noqa: B010 - mypy refuses assigning a class's __init__
    return cls
