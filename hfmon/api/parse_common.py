"""Small pure helpers the parsers share: required/optional field access, exact money units, times."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any, Literal, TypeVar

from hfmon.clock import utc
from hfmon.errors import BadResponseError
from hfmon.scrub import scrub

Json = Any
Obj = Mapping[str, Any]


def bad(where: str, what: str) -> BadResponseError:
    """A BadResponseError that names the field and what was wrong with it."""
    return BadResponseError(f"unexpected response: {where}: {what}",
                            "the Hugging Face API may have changed; try a newer hfmon")


def as_obj(value: Json, where: str) -> Obj:
    """The value as a JSON object, or BadResponseError."""
    if type(value) is not dict and not isinstance(value, Mapping):  # dict first: the ABC check is slow
        raise bad(where, f"expected an object, got {type(value).__name__}")
    return value


def as_list(value: Json, where: str) -> list[Any]:
    """The value as a JSON array, or BadResponseError."""
    if not isinstance(value, list):
        raise bad(where, f"expected an array, got {type(value).__name__}")
    return value


def need(obj: Obj, key: str, where: str) -> Any:
    """A required field (present and not null)."""
    value = obj.get(key)
    if value is None:
        raise bad(f"{where}.{key}", "missing required field")
    return value


def need_str(obj: Obj, key: str, where: str) -> str:
    """A required string field, scrubbed (names reach terminals and files: no escapes, no tokens)."""
    value = need(obj, key, where)
    if not isinstance(value, str):
        raise bad(f"{where}.{key}", f"expected a string, got {type(value).__name__}")
    return scrub(value)


def need_usd(obj: Obj, where: str) -> None:
    """An answer's required `currency` (HF's spec), which must be USD in any case: hfmon reads dollars only, so a
    figure in another currency is a bad response, never taken as dollars."""
    currency = need_str(obj, "currency", where)
    if currency.strip().upper() != "USD":
        raise bad(f"{where}.currency", f"the answer is in {currency[:16]!r}; hfmon reads USD only")


def need_name(obj: Obj, key: str, where: str) -> str:
    """A required name that says who something is (an account, an org), refused when `scrub` would change it: what
    is left of "\x1b[2Jada" once cleaned is "ada", someone else's name, so it is a bad response, never a name."""
    value = need_str(obj, key, where)
    if value != obj[key]:
        raise bad(f"{where}.{key}", "a name with control characters or a token in it is no Hugging Face name")
    return value


def opt_str(obj: Obj, key: str) -> str | None:
    """An optional string field, scrubbed; other types and null give None."""
    value = obj.get(key)
    return scrub(value) if isinstance(value, str) else None


def opt_bool(obj: Obj, key: str) -> bool | None:
    """An optional boolean field."""
    value = obj.get(key)
    return value if isinstance(value, bool) else None


def opt_list(obj: Obj, key: str) -> list[Any]:
    """An optional array field; missing, null or non-array gives an empty list."""
    value = obj.get(key)
    return value if isinstance(value, list) else []


def list_field(obj: Obj, key: str, where: str) -> list[Any]:
    """An array field that may be missing, null or empty; any other non-array is a BadResponseError."""
    return as_list(obj.get(key) or [], f"{where}.{key}")


def opt_obj(obj: Obj, key: str) -> Obj:
    """An optional nested object; missing, null or non-object gives an empty mapping."""
    value = obj.get(key)
    return value if type(value) is dict or isinstance(value, Mapping) else {}


@dataclass(frozen=True, slots=True)
class Bound:
    """What Hugging Face can plausibly send in a field: a value outside is a bad response, never a figure.
    `measure`: a quantity hfmon keeps in whole units (seconds, minutes), whose fraction is rounded off; otherwise a
    count, which a fraction makes unknown (`integer`)."""

    low: Decimal
    high: Decimal
    what: str
    measure: bool = False


def _bound(high: int, what: str, low: int = 0, measure: bool = False) -> Bound:
    return Bound(Decimal(low), Decimal(high), what, measure)


# Money: no account spends more than 10^12 USD; no HF amount is negative (a credit is its own line, not a sign).
NANO_USD = _bound(10**21, "amount in nano-USD (0 to 10^21, i.e. up to $10^12)")
MICRO_USD = _bound(10**18, "amount in micro-USD (0 to 10^18, i.e. up to $10^12)")
CENTS = _bound(10**14, "amount in cents (0 to 10^14, i.e. up to $10^12)")
PRICE_USD = _bound(10**6, "price in USD (0 to 10^6)")
MICRO_PRICE = _bound(10**12, "price in micro-USD (0 to 10^12, i.e. up to $10^6)")
COUNT = _bound(10**15, "count (0 to 10^15)")
MINUTES = _bound(10**12, "number of minutes (0 to 10^12)", measure=True)
SECONDS = _bound(10**12, "number of seconds (0 to 10^12)", measure=True)
SIGNED_SECONDS = _bound(10**12, "number of seconds (-10^12 to 10^12)", low=-(10**12), measure=True)
BYTES = _bound(10**18, "size in bytes (0 to 10^18, an exabyte)")
REPLICAS = _bound(10**4, "replica count (0 to 10,000)")
GPU_MEMORY_GB = _bound(10**6, "GPU memory in GB (0 to 10^6)")


N = TypeVar("N", Decimal, int)
"""A bounded number: an exact Decimal, or an int (compared with the bound's Decimals exactly)."""


def check(value: N, where: str, bound: Bound | None) -> N:
    """`value` (a Decimal, or an int checked without one) when inside `bound` (or no bound), else a
    BadResponseError naming the field."""
    if bound is not None and not bound.low <= value <= bound.high:
        raise bad(where, f"{value} is not a plausible {bound.what}")
    return value


def number(value: Json, where: str, bound: Bound | None = None) -> Decimal:
    """A JSON number (or numeric string) as an exact Decimal inside `bound`; floats go through their shortest repr."""
    if isinstance(value, bool) or value is None:
        raise bad(where, f"expected a number, got {value!r}")
    if isinstance(value, int):
        return check(Decimal(value), where, bound)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):  # json.loads accepts NaN and Infinity
            raise bad(where, f"expected a finite number, got {value!r}")
        return check(Decimal(repr(value)), where, bound)
    if isinstance(value, str):
        try:
            if len(value) > 100:  # no number HF sends is that long
                raise InvalidOperation
            parsed = Decimal(value.strip())
        except InvalidOperation:
            raise bad(where, f"expected a number, got {value[:40]!r}") from None
        if parsed.is_finite():
            return check(parsed, where, bound)
    raise bad(where, f"expected a number, got {type(value).__name__}")


def opt_number(obj: Obj, key: str, where: str, bound: Bound | None = None) -> Decimal | None:
    """An optional number field (None when missing or null; BadResponseError when not a number or out of bound)."""
    value = obj.get(key)
    return None if value is None else number(value, f"{where}.{key}", bound)


def need_number(obj: Obj, key: str, where: str, bound: Bound | None = None) -> Decimal:
    """A required number field, inside `bound`."""
    return number(need(obj, key, where), f"{where}.{key}", bound)


def to_int(value: Decimal) -> int:
    """An exact integer for counts and byte sizes that came as Decimals (rounded half-even if fractional)."""
    return int(value.to_integral_value())


def integer(value: Json, where: str, bound: Bound | None = None) -> int | None:
    """A JSON number read as a whole number inside `bound`: an integral float (`7860.0`, which JSON Schema counts as
    an integer) is that integer; a fraction is rounded off a `measure` and makes a count unknown (None: 2.5 replicas
    or a port 7860.5 is no count to round to a figure, and one odd field is no reason to lose its whole source)."""
    if type(value) is int:  # the common case, exact already
        return check(value, where, bound)
    parsed = number(value, where, bound)
    if parsed == parsed.to_integral_value() or (bound is not None and bound.measure):
        return to_int(parsed)
    return None


def opt_int(obj: Obj, key: str, where: str, bound: Bound | None = None) -> int | None:
    """An optional whole-number field, inside `bound` (None when missing, null, or a count with a fraction)."""
    raw = obj.get(key)
    return None if raw is None else integer(raw, f"{where}.{key}", bound)


def nano_usd(value: Decimal) -> Decimal:
    """nano-USD (1e-9) to USD, exactly."""
    return value.scaleb(-9)


def micro_usd(value: Decimal) -> Decimal:
    """micro-USD (1e-6) to USD, exactly."""
    return value.scaleb(-6)


def cents(value: Decimal) -> Decimal:
    """US cents to USD, exactly."""
    return value.scaleb(-2)


def moment(value: Json, where: str) -> datetime:
    """A time given as ISO 8601 text or Unix seconds, as aware UTC."""
    if isinstance(value, str):
        parsed = iso_moment(value)
        if parsed is not None:
            return parsed
        try:
            return utc(value)  # nanoseconds, a lowercase `z`, a leap second and other forms
        except ValueError:
            raise bad(where, f"expected an ISO 8601 time, got {value!r}") from None
    if isinstance(value, int | float) and not isinstance(value, bool):
        try:
            return datetime.fromtimestamp(value, UTC)
        except (OverflowError, OSError, ValueError):
            raise bad(where, f"expected a Unix time, got {value!r}") from None
    raise bad(where, f"expected a time, got {type(value).__name__}")


def iso_moment(value: str) -> datetime | None:
    """ISO 8601 text of the usual forms (Z, offsets, milliseconds: what listings and statements send) as aware UTC;
    None for any other text, which `moment` reads or refuses."""
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    zone = parsed.tzinfo
    if zone is UTC:  # `Z` or +00:00 (Python reads both as UTC itself): as it is, converting it costs a third more
        return parsed
    return parsed.replace(tzinfo=UTC) if zone is None else parsed.astimezone(UTC)


def plain_moment(value: Json) -> datetime | None | Literal[False]:
    """An optional time field's value as `opt_moment` reads it when it is missing (None) or ISO text of the usual
    forms; False for any other value (the fast paths then leave the row to the general path)."""
    if value is None:
        return None
    return (iso_moment(value) if type(value) is str else None) or False  # a datetime is never false


def opt_moment(obj: Obj, key: str, where: str) -> datetime | None:
    """An optional time field (ISO text or Unix seconds)."""
    value = obj.get(key)
    return None if value is None else moment(value, f"{where}.{key}")


def need_moment(obj: Obj, key: str, where: str) -> datetime:
    """A required time field."""
    return moment(need(obj, key, where), f"{where}.{key}")
