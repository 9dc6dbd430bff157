"""Faster dataclass creation on Python 3.11 and 3.12: the generated methods are closures, not compiled source.

Python 3.11 and 3.12 compile each method a dataclass gets from source text, one `exec` apiece: a frozen class
costs six of them, about 1 ms, and hfmon defines some 140 classes, a quarter of `hfmon --once`'s start-up
(Python 3.13 compiles a class's methods in one go and needs none of this). After `install()`, `__repr__`,
`__eq__` and the ordering methods, `__hash__`, and a frozen class's `__setattr__` and `__delattr__` are closures
over the field names that do what the generated code does: same results, same exceptions and messages, same
order of attribute reads. `__init__` is still compiled, so creating an instance costs what it did. It applies
to every dataclass created after `install()`, whichever module defines it; the tests compare each method with
the standard library's own.
"""

from __future__ import annotations

import dataclasses
import operator
import sys
from collections.abc import Callable, Sequence
from typing import Any

Method = Callable[..., Any]
_PATCHED = ("_repr_fn", "_frozen_get_del_attr", "_cmp_fn", "_hash_fn")
_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq, "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge}
STOCK: dict[str, Method] = {}  # the standard library's generators, as install() found them


def _values(names: Sequence[str]) -> Callable[[object], tuple[Any, ...]]:
    """A function giving an object's attributes `names` as a tuple, as the generated `(self.a,self.b,)` does."""
    if not names:
        return lambda obj: ()
    if len(names) == 1:
        one = operator.attrgetter(names[0])
        return lambda obj: (one(obj),)
    return operator.attrgetter(*names)


def _named(fn: Method, name: str, globals: dict[str, Any]) -> Method:
    """`fn` named as the generated method would be, in the module that defines the class."""
    fn.__name__ = fn.__qualname__ = name
    fn.__module__ = globals.get("__name__", fn.__module__)
    return fn


def _repr_fn(fields: Sequence[dataclasses.Field[Any]], globals: dict[str, Any]) -> Method:
    """`__repr__`: `Class(a=1, b='x')` over the fields shown, '...' for a recursive call."""
    names = tuple(f.name for f in fields)

    def __repr__(self: object) -> str:
        shown = ", ".join([f"{name}={getattr(self, name)!r}" for name in names])
        return f"{self.__class__.__qualname__}({shown})"

    recursive_repr: Callable[[Method], Method] = vars(dataclasses)["_recursive_repr"]
    return recursive_repr(_named(__repr__, "__repr__", globals))


def _frozen_get_del_attr(cls: type[Any], fields: Sequence[dataclasses.Field[Any]],
                         globals: dict[str, Any]) -> tuple[Method, Method]:
    """A frozen class's `__setattr__` and `__delattr__`: FrozenInstanceError for its fields (and for any name on
    the class itself), the base class's behaviour otherwise."""
    names = tuple(f.name for f in fields)
    frozen = dataclasses.FrozenInstanceError

    def __setattr__(self: Any, name: str, value: object) -> None:
        if type(self) is cls or name in names:
            raise frozen(f"cannot assign to field {name!r}")
        super(cls, self).__setattr__(name, value)

    def __delattr__(self: Any, name: str) -> None:
        if type(self) is cls or name in names:
            raise frozen(f"cannot delete field {name!r}")
        super(cls, self).__delattr__(name)

    return _named(__setattr__, "__setattr__", globals), _named(__delattr__, "__delattr__", globals)


def _field_names(fields_tuple: str) -> tuple[str, ...] | None:
    """The names in `_tuple_str('self', fields)`'s text, '(self.a,self.b,)' or '()'; None if it reads otherwise."""
    if not (fields_tuple.startswith("(") and fields_tuple.endswith(")")):
        return None
    parts = [p for p in fields_tuple[1:-1].split(",") if p]
    if not all(p.startswith("self.") and p[5:].isidentifier() for p in parts):
        return None
    return tuple(p[5:] for p in parts)


def _cmp_fn(name: str, op: str, self_tuple: str, other_tuple: str, globals: dict[str, Any]) -> Method:
    """`__eq__` or an ordering method: the compared fields as tuples, NotImplemented for another class."""
    names = _field_names(self_tuple)
    if names is None or op not in _OPERATORS:
        compiled: Method = STOCK["_cmp_fn"](name, op, self_tuple, other_tuple, globals)
        return compiled
    values, compare = _values(names), _OPERATORS[op]

    def method(self: object, other: object) -> Any:
        if other.__class__ is self.__class__:
            return compare(values(self), values(other))
        return NotImplemented

    return _named(method, name, globals)


def _hash_fn(fields: Sequence[dataclasses.Field[Any]], globals: dict[str, Any]) -> Method:
    """`__hash__`: the hash of the hashed fields as a tuple."""
    values = _values(tuple(f.name for f in fields))

    def __hash__(self: object) -> int:
        return hash(values(self))

    return _named(__hash__, "__hash__", globals)


def install() -> None:
    """Have dataclasses created from now on get closure methods (Python 3.11 and 3.12 only; a no-op elsewhere)."""
    if STOCK or sys.version_info[:2] not in ((3, 11), (3, 12)):
        return
    if not all(callable(getattr(dataclasses, name, None)) for name in (*_PATCHED, "_recursive_repr")):
        return
    STOCK.update({name: getattr(dataclasses, name) for name in _PATCHED})
    for name, fn in zip(_PATCHED, (_repr_fn, _frozen_get_del_attr, _cmp_fn, _hash_fn), strict=True):
        setattr(dataclasses, name, fn)
