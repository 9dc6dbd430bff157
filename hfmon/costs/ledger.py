"""Figures of the proxy's ledger, computed once for every front end: per model or per provider over a window,
requests, errors, latency, tokens, estimated and settled cost, and the trend against the window before.
Pure functions over ledger rows and settled sessions; no clock, no I/O.

Settled cost is known per session id, not per request. A group (a model, a provider, a window) has a settled
cost only for the sessions whose requests all fall in it; a session shared with another group (or cut by
the window's edge) makes the group's settled cost partial, as does one HF has not reported yet.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from hfmon.ledger import LedgerRow, Outcome, SessionSettled
from hfmon.report import Total

ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class UsageFigures:
    """One model's (or provider's) requests through the proxy over a window."""

    name: str
    requests: int
    errors: int  # upstream 4xx/5xx and no usable answer (a caller hanging up is not an error)
    error_pct: Decimal | None  # None without requests
    p50_latency_s: float | None  # of the requests answered in full; None without any
    p95_latency_s: float | None
    prompt_tokens: int  # of the requests whose usage is known
    completion_tokens: int
    estimated_usd: Total[Decimal]  # tokens x router price; partial with unpriced or unknown-usage requests
    settled_usd: Total[Decimal]  # what HF settled for the sessions; partial while pending or shared
    requests_trend_pct: Decimal | None = None  # against the previous window of the same length
    estimated_trend_pct: Decimal | None = None


def percentile(values: Sequence[float], pct: float) -> float | None:
    """Nearest-rank percentile of `values` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(pct / 100 * len(ordered)) - 1)]


def estimated(rows: Iterable[LedgerRow]) -> Total[Decimal]:
    """The estimated cost of requests answered in full: partial when some were unpriced or had no usage, or
    when a caller broke a stream off (the router may bill it; its tokens are unknown)."""
    parts: list[tuple[str, Decimal | None]] = []
    for r in rows:
        if r.outcome is Outcome.CLIENT_DISCONNECTED:
            parts.append(("unknown:requests broken off by the caller", None))
        elif r.outcome is not Outcome.OK:
            continue  # HF bills only 2xx/3xx
        elif r.prompt_tokens is None:
            parts.append(("unknown:requests without usage", None))
        elif r.estimated_usd is None:
            parts.append((f"unpriced:{r.model} via {r.provider or 'an unknown provider'}", None))
        else:
            parts.append(("", r.estimated_usd))
    return Total.of(parts, ZERO)


def settled(rows: Sequence[LedgerRow], sessions: Mapping[str, SessionSettled],
            session_sizes: Mapping[str, int]) -> Total[Decimal]:
    """What HF settled for the sessions of `rows`; `session_sizes` counts every ledger row of each session."""
    mine = Counter(r.session_id for r in rows if r.session_id is not None)
    billable = Counter(r.session_id for r in rows if r.session_id is not None and r.outcome is Outcome.OK)
    parts: list[tuple[str, Decimal | None]] = []
    for sid, count in sorted(mine.items()):
        if count < session_sizes.get(sid, count):
            parts.append(("unknown:sessions shared with other requests", None))
            continue
        got = sessions.get(sid)
        if got is not None:
            parts.append((sid, got.settled_usd))
        if got is None or got.requests < billable[sid]:  # HF has not settled all of its requests yet
            parts.append(("pending:sessions not settled yet", None))
    return Total.of(parts, ZERO)


def figures(name: str, rows: Sequence[LedgerRow], sessions: Mapping[str, SessionSettled],
            session_sizes: Mapping[str, int], previous: Sequence[LedgerRow] | None = None) -> UsageFigures:
    """The figures of one group of rows (and its trend against `previous`, the window before)."""
    errors = sum(1 for r in rows if r.is_error)
    latencies = [r.latency_s for r in rows if r.outcome is Outcome.OK and r.latency_s is not None]
    known = [r for r in rows if r.outcome is Outcome.OK and r.prompt_tokens is not None]
    cost = estimated(rows)
    out = UsageFigures(
        name=name, requests=len(rows), errors=errors,
        error_pct=Decimal(errors * 100) / len(rows) if rows else None,
        p50_latency_s=percentile(latencies, 50), p95_latency_s=percentile(latencies, 95),
        prompt_tokens=sum(r.prompt_tokens or 0 for r in known),
        completion_tokens=sum(r.completion_tokens or 0 for r in known),
        estimated_usd=cost, settled_usd=settled(rows, sessions, session_sizes))
    if previous is None:
        return out
    before = estimated(previous)
    return replace(out, requests_trend_pct=trend_pct(Decimal(len(rows)), Decimal(len(previous))),
                   estimated_trend_pct=trend_pct(cost.value, before.value))


def trend_pct(now: Decimal | None, before: Decimal | None) -> Decimal | None:
    """The change from `before` to `now` in percent; None when either is unknown or `before` is zero."""
    if now is None or before is None or before == 0:
        return None
    return (now - before) * 100 / before


def session_sizes(rows: Iterable[LedgerRow]) -> Counter[str]:
    """How many ledger rows each session has."""
    return Counter(r.session_id for r in rows if r.session_id is not None)


def breakdown(rows: Sequence[LedgerRow], key: Callable[[LedgerRow], str], sessions: Mapping[str, SessionSettled],
              start: datetime | None = None, end: datetime | None = None,
              previous_start: datetime | None = None) -> tuple[UsageFigures, ...]:
    """Figures per group (`key`: the model, the provider) of the rows in [start, end), the costliest first;
    with `previous_start`, each against the group's rows in [previous_start, start)."""
    sizes = session_sizes(rows)

    def within(lo: datetime | None, hi: datetime | None) -> dict[str, list[LedgerRow]]:
        groups: dict[str, list[LedgerRow]] = {}
        for r in rows:
            if (lo is None or r.at >= lo) and (hi is None or r.at < hi):
                groups.setdefault(key(r), []).append(r)
        return groups

    current = within(start, end)
    before = within(previous_start, start) if previous_start is not None else None
    out = [figures(name, group, sessions, sizes, None if before is None else before.get(name, []))
           for name, group in current.items()]
    return tuple(sorted(out, key=lambda f: (-(f.estimated_usd.known or ZERO), -f.requests, f.name)))


def by_model(row: LedgerRow) -> str:
    """Group key: the model."""
    return row.model


def by_provider(row: LedgerRow) -> str:
    """Group key: the provider that served the request ("unknown" when the router did not say)."""
    return row.provider or "unknown"
