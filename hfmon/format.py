"""Pure formatters shared by the TUI and the text output: money, rates, durations, ages, sizes, times."""

from __future__ import annotations

import shlex
from collections.abc import Sequence
from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache

from hfmon.figures import Behind
from hfmon.missing_words import SOURCE_WORDS as SOURCE_WORDS
from hfmon.missing_words import missing_note as missing_note
from hfmon.missing_words import not_compared as not_compared
from hfmon.models import Invoice, ZeroGpuRuns
from hfmon.report import Severity, Total

UNPRICED = "unpriced"
UNKNOWN = "unknown"
MISSING = "—"
GRANTED = "granted"  # hardware granted to a Space: $0 to the account
_CENT = Decimal("0.01")
SEVERITY_MARKS = {Severity.CRITICAL: "CRIT", Severity.WARNING: "WARN", Severity.INFO: "INFO"}
"""A flag's severity as every front end writes it: four capitals, as the cross-check writes its statuses."""


_NAMED_ESCAPES = {"\n": "\\n", "\t": "\\t", "\r": "\\r", "\\": "\\\\", "'": "\\'"}


def shell_command(*words: object) -> str:
    """A command line to copy: every word shell-quoted (`shlex.join`), so that a name or argument a server sent stays
    one word when pasted and runs nothing of its own (`bash -c 'a; b'`, never `bash -c a; b`). A word holding a
    character that is not printable (a newline, an ESC) is ANSI-C quoted (`$'echo ok\\nrm x'`): the line stays
    printable, so scrubbing it changes nothing, and bash or zsh reads back the same word."""
    return " ".join(shlex.quote(w) if w.isprintable() else _ansi_c_quoted(w) for w in map(str, words))


def _ansi_c_quoted(word: str) -> str:
    """`word` as a `$'...'` word, every character that is not printable written as an escape (`\\x1b`, `\\u200b`)."""
    out = []
    for char in word:
        code = ord(char)
        if char in _NAMED_ESCAPES:
            out.append(_NAMED_ESCAPES[char])
        elif char.isprintable():
            out.append(char)
        elif code < 0x80:
            out.append(f"\\x{code:02x}")
        elif code <= 0xFFFF:  # \u, not \x: bash writes \x80 as the byte 0x80, not the character U+0080
            out.append(f"\\u{code:04x}")
        else:
            out.append(f"\\U{code:08x}")
    return "$'" + "".join(out) + "'"


def money(value: Decimal | None, *, missing: str = UNPRICED) -> str:
    """USD with two decimals and thousands separators: `$1,234.56`; tiny non-zero amounts as `<$0.01`."""
    if value is None:
        return missing
    return _money(value)


@lru_cache(maxsize=4096)  # a big table repeats the same prices and amounts on every poll
def _money(value: Decimal) -> str:
    if value != 0 and abs(value) < Decimal("0.005"):
        return "<$0.01" if value > 0 else "-<$0.01"
    rounded = value.quantize(_CENT, rounding=ROUND_HALF_UP)
    sign = "-" if rounded < 0 else ""
    return f"{sign}${abs(rounded):,.2f}"


def money_fine(value: Decimal | None, *, missing: str = UNPRICED) -> str:
    """USD with the cents' fractions a per-token cost needs: `$0.000347` under a dollar, else as `money`."""
    if value is None:
        return missing
    if value == 0 or abs(value) >= 1:
        return money(value)
    return f"{'-' if value < 0 else ''}${abs(value).quantize(Decimal('0.000001'), rounding=ROUND_HALF_UP)}"


def money_delta(value: Decimal | None, *, missing: str = MISSING) -> str:
    """A signed money difference: `+$1.20`, `-$0.40`, `$0.00`."""
    if value is None:
        return missing
    text = money(value)
    return text if value <= 0 or text == "$0.00" else "+" + text


def per_hour(value: Decimal | None, *, missing: str = UNPRICED) -> str:
    """A running cost: `$3.42/h`."""
    return missing if value is None else money(value) + "/h"


def rate_now(rate: Decimal | None, granted: bool | None, priced: bool) -> str:
    """A resource's $/h now: `$3.42/h`, `granted`, `unpriced` (no catalog prices it) or `unknown` (its stage, or
    whether its hardware is granted, is unknown)."""
    if granted:
        return GRANTED
    if rate is None:
        return UNKNOWN if priced else UNPRICED
    return per_hour(rate)


def money_total(total: Total[Decimal], *, unit: str = "", fine: bool = False) -> str:
    """A total as a user reads it: `$12.30`, `at least $12.30` when parts are missing, `unknown` when all are;
    `fine`: with the fractions of a cent (`money_fine`)."""
    show = money_fine if fine else money
    if total.complete:
        return show(total.value) + unit
    return UNKNOWN if total.known is None else f"at least {show(total.known)}{unit}"


def count_total(total: Total[int]) -> str:
    """A count as a user reads it: `1,204`, `at least 1,204`, `unknown`."""
    if total.complete:
        return f"{total.value:,}"
    return UNKNOWN if total.known is None else f"at least {total.known:,}"


def token_count(known: int, unknown_requests: int) -> str:
    """Tokens counted over requests some of whose usage is unknown: `1,204`, `1,204+` (at least), `—` (unknown)."""
    if not unknown_requests:
        return f"{known:,}"
    return f"{known:,}+" if known else MISSING


def behind_text(behind: Behind) -> str:
    """A product the statement is behind on: `jobs: the statement is $0.47 behind usage-v2 (at least $1.25)`."""
    return (f"{behind.product}: the statement is {money(behind.usd - behind.statement_usd)} behind "
            f"{behind.source} (at least {money(behind.usd)})")


def size_total(total: Total[int]) -> str:
    """Bytes over parts that may be missing: `1.2 GB`, `at least 1.2 GB`, `unknown`."""
    if total.complete:
        return size(total.value)
    return UNKNOWN if total.known is None else f"at least {size(total.known)}"


def hours(value: Decimal | None, *, missing: str = MISSING, unit: str = " h") -> str:
    """Hours with one decimal: `12.5 h` (`unit=""` where a column header already says h)."""
    if value is None:
        return missing
    return f"{value.quantize(Decimal('0.1'), rounding=ROUND_HALF_UP):,}{unit}"


def percent(value: Decimal | float | None, *, missing: str = MISSING, places: int = 0) -> str:
    """A percentage without decimals (`42%`), or with `places` of them (`99.9%`)."""
    if value is None:
        return missing
    return _percent_places(Decimal(value), places)


def percent_at_least(exact: Decimal | None, at_least: Decimal | None, *, missing: str = MISSING) -> str:
    """A share known exactly or only as a lower bound: `42%`, `≥28%` (part of its window unknown), `—`."""
    if exact is not None:
        return percent(exact)
    return missing if at_least is None else f"≥{percent(at_least)}"


def uptime_share(exact: Decimal | None, at_least: Decimal | None, unwatched: Decimal | None, window: str,
                 state_unknown: Decimal | None = None) -> str:
    """An uptime share of `window` with why it is only a lower bound: `42% of the period`,
    `≥28% of the period (hfmon has no history of 71% of it)` (it was not running, or `retention_days` pruned it),
    `≥40% of the period (in a state whose billing is undocumented for 5% of it)`, `— of the period`."""
    shown = f"{percent_at_least(exact, at_least)} of {window}"
    if exact is not None or at_least is None:
        return shown
    why = ([f"hfmon has no history of {percent(unwatched)} of it"] if unwatched else []) + (
        [f"in a state whose billing is undocumented for {percent(state_unknown)} of it"] if state_unknown else [])
    return f"{shown} ({'; '.join(why)})" if why else shown


def percent_against(value: Decimal, limit: Decimal) -> tuple[str, str]:
    """A percentage and the limit it is held against, the limit with the decimals it was given in (`0.5%`) and the
    figure with as many, or one more where fewer would print it equal to a limit it is above or below
    (`0.6%` above `0.5%`, `1.4%` above `1%`, `80.04%` above `80%`: never `1%`, above the limit `1%`)."""
    places = max(0, -limit.normalize().as_tuple().exponent)  # type: ignore[operator]
    shown, figure = places, _percent_places(value, places)
    while value != limit and figure == _percent_places(limit, shown) and shown < places + 6:
        shown += 1  # 80.04% above 80%: `80.04%`, not `80.0%`
        figure = _percent_places(value, shown)
    return figure, _percent_places(limit, places)


def money_against(value: Decimal, limit: Decimal) -> str:
    """`value` as `money` shows it, or with as many more decimals as tell it from the limit it is held against
    (`$3.0006` above `$3.00`: never `$3.00`, above the limit `$3.00`)."""
    figure, places = money(value), 2

    def at(amount: Decimal) -> Decimal:
        return amount.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)

    if value == limit or figure != money(limit):
        return figure
    while at(value) == at(limit) and places < 8:  # `$3.000` would still read as `$3.00`
        places += 1
    return f"{'-' if value < 0 else ''}${abs(at(value)):,.{places}f}"


def _percent_places(value: Decimal, places: int) -> str:
    return f"{value.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)}%"


def duration(seconds: float | int | None, *, missing: str = MISSING) -> str:
    """A compact duration: `45s`, `12m`, `3h 05m`, `1h`, `2d 04h`, `2d`."""
    if seconds is None:
        return missing
    total = max(0, int(seconds))
    if total < 60:
        return f"{total}s"
    minutes, _ = divmod(total, 60)
    if minutes < 60:
        return f"{minutes}m"
    hrs, mins = divmod(minutes, 60)
    if hrs < 24:
        return f"{hrs}h {mins:02d}m" if mins else f"{hrs}h"
    days, hrs = divmod(hrs, 24)
    return f"{days}d {hrs:02d}h" if hrs else f"{days}d"


def duration_against(seconds: float | int, limit_s: float | int) -> str:
    """`seconds` as `duration` shows it, or to the second where that would read as the limit it is held against
    (`1m 05s` above `1m`: never `1m`, above the limit `1m`)."""
    figure = duration(seconds)
    if int(seconds) == int(limit_s) or figure != duration(limit_s):
        return figure
    mins, secs = divmod(max(0, int(seconds)), 60)
    hrs, mins = divmod(mins, 60)
    days, hrs = divmod(hrs, 24)
    parts = [(days, "d"), (hrs, "h"), (mins, "m"), (secs, "s")]
    first = next(i for i, (n, _unit) in enumerate(parts) if n or i == len(parts) - 1)
    return " ".join(f"{n}{unit}" if i == first else f"{n:02d}{unit}" for i, (n, unit) in enumerate(parts)
                    if i >= first)


def latency(seconds: float | None, *, missing: str = MISSING) -> str:
    """A request's latency: `850 ms` under a second, else `1.2 s`."""
    if seconds is None:
        return missing
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


def ago(seconds: float | int | None, *, missing: str = "never") -> str:
    """How long ago something happened: `just now`, `12s ago`, `4m ago`, `3h 05m ago`."""
    if seconds is None:
        return missing
    if seconds < 2:
        return "just now"
    return duration(seconds) + " ago"


def zero_gpu_runs(runs: ZeroGpuRuns) -> str:
    """`runs 3/8 used, 5 left` (— for a part HF did not send)."""
    def n(value: int | None) -> str:
        return MISSING if value is None else str(value)
    return f"runs {n(runs.used)}/{n(runs.limit)} used, {n(runs.remaining)} left"


def size(num_bytes: int | None, *, missing: str = MISSING) -> str:
    """Bytes in decimal units as Hugging Face shows them: `512 B`, `1.2 GB`, `3.40 TB`."""
    if num_bytes is None:
        return missing
    value = float(num_bytes)
    for unit in ("B", "kB", "MB", "GB", "TB"):
        if abs(value) < 1000 or unit == "TB":
            if unit == "B":
                return f"{int(value)} B"
            return f"{value:.1f} {unit}" if abs(value) >= 10 else f"{value:.2f} {unit}"
        value /= 1000
    raise AssertionError("unreachable")


def day(moment: datetime | None, *, missing: str = MISSING) -> str:
    """A UTC date as `Nov 28`."""
    return missing if moment is None else f"{moment:%b} {moment.day}"


def counted_from(starts: Sequence[tuple[str, datetime]]) -> str:
    """Namespaces with the day each one's figure is counted from: `ada from Nov 1, bob from Nov 3`."""
    return ", ".join(f"{namespace} from {day(start)}" for namespace, start in starts)


def stamp(moment: datetime | None, *, missing: str = MISSING) -> str:
    """A UTC time as `Nov 28 14:05 UTC`."""
    return missing if moment is None else f"{moment:%b} {moment.day} {moment:%H:%M} UTC"


def sleep_time(seconds: int | None) -> str:
    """A Space's sleep setting: `never` when it never sleeps, else the idle delay."""
    return "never" if seconds is None or seconds < 0 else duration(seconds)


def invoice_text(invoice: Invoice) -> str:
    """A period's invoice in a few words: `none issued yet`, `open · $120.00 due Dec 15`, `paid · $0.00 due`."""
    if not invoice.issued:
        return "none issued yet"
    due = f"{money(invoice.amount_due_usd, missing=MISSING)} due"
    by = f" {day(invoice.due_at)}" if invoice.due_at is not None else ""
    return f"{invoice.status or 'unknown status'} · {due}{by}"


SPARK = "▁▂▃▄▅▆▇█"


def spark(values: tuple[Decimal | None, ...] | list[Decimal | None]) -> str:
    """A sparkline scaled to the largest value: `▁` is $0, `█` the peak, `·` an unknown value ("" if none)."""
    known = [v for v in values if v is not None]
    top = max(known, default=Decimal(0))
    out = []
    for v in values:
        if v is None:
            out.append("·")
        elif v <= 0 or top <= 0:
            out.append(SPARK[0])
        else:
            out.append(SPARK[max(1, min(len(SPARK) - 1, int(v * (len(SPARK) - 1) / top + Decimal("0.5"))))])
    return "".join(out)


def trend(value: Decimal | None) -> str:
    """A change in %: `+12%`, `-40%`, `—` when unknown."""
    if value is None:
        return MISSING
    return ("+" if value > 0 else "") + percent(value)


WINDOW_LABELS = {"1h": "last hour", "24h": "last 24 h", "7d": "last 7 days", "30d": "last 30 days",
                 "period": "this period"}


def window_label(name: str) -> str:
    """How a spend window reads on screen: `last 24 h`, `this period`."""
    return WINDOW_LABELS.get(name, name)


def counted(n: int, plural: str) -> str:
    """`1 job`, `3 jobs`: a count with its noun (given in the plural; words not ending in s stay as they are)."""
    return f"{n:,} {plural[:-1] if n == 1 and plural.endswith('s') else plural}"


def counted_total(total: Total[int], plural: str) -> str:
    """`3 jobs`, `at least 3 jobs`, `jobs unknown`: a count over listings that may be unread, with its noun."""
    if total.known is None:
        return f"{plural} unknown"
    return counted(total.known, plural) if total.complete else f"at least {counted(total.known, plural)}"
