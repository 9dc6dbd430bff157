"""Figures of the proxy's ledger, computed once for every front end: per model or per provider over a window,
requests, errors, latency, tokens, estimated and settled cost, and the trend against the window before.
Pure functions over ledger rows and settled sessions; no clock, no I/O.

Settled cost is known per session id, not per request. A group (a model, a provider, a window) has a settled
cost only for the sessions whose requests all fall in it; a session shared with another group (or cut by
the window's edge) makes the group's settled cost partial, as does one HF has not reported yet.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from hfmon.config import Tolerance
from hfmon.costs.crosscheck import compare
from hfmon.costs.ledger_scope import Owners, Unsure
from hfmon.ledger import (
    CheaperElsewhere,
    LedgerGap,
    LedgerRow,
    Outcome,
    ProxyUsage,
    SessionSettled,
    UsageFigures,
    UsageSeries,
    UsageWindow,
)
from hfmon.models import RouterPrice
from hfmon.pricing.catalog import ModelOverrides, model_prices
from hfmon.provider_spend import step_starts
from hfmon.report import CheckStatus, CrossCheck, Total
from hfmon.stats import percentile

ZERO = Decimal(0)
MILLION = Decimal(1_000_000)
WINDOWS = (("1h", timedelta(hours=1)), ("24h", timedelta(hours=24)), ("7d", timedelta(days=7)),
           ("30d", timedelta(days=30)))
NOT_UNSURE: Unsure = {}
STEPS = {"1h": timedelta(minutes=5), "24h": timedelta(hours=1), "7d": timedelta(hours=6), "30d": timedelta(days=1),
         "period": timedelta(days=1)}  # of each window's series


CUT_SHORT = {Outcome.CLIENT_DISCONNECTED: "requests broken off by the caller",
             Outcome.BAD_RESPONSE: "answers the router broke off after answering",
             Outcome.TIMED_OUT: "answers the router stopped sending",
             Outcome.PROXY_STOPPED: "requests under way when the proxy was killed"}
"""Why a request's tokens are unknown when its answer did not end whole (the router may bill it)."""
_MAYBE_BILLED = (Outcome.CLIENT_DISCONNECTED, Outcome.PROXY_STOPPED)  # whether the router answered or not


def estimated(rows: Iterable[LedgerRow], unsure: Unsure = NOT_UNSURE) -> Total[Decimal]:
    """The estimated cost of requests answered in full: partial when some were unpriced or had no usage, or
    when an answer the router began (2xx/3xx) did not end whole, or a caller broke a request off: HF may bill
    those, and their tokens are unknown; partial too with a billed request whose namespace is unknown (`unsure`:
    it may not be in the scope). Only a request without a 2xx/3xx answer counts as $0."""
    return Total.of((part for r in rows if (part := cost_part(r, unsure)) is not None), ZERO)


def cost_part(row: LedgerRow, unsure: Unsure = NOT_UNSURE) -> tuple[str, Decimal | None] | None:
    """One request's part of an estimated total: ("", its cost), (why unknown, None), or None when HF does not
    bill it (no 2xx/3xx answer)."""
    if unsure and row.owner in unsure:
        billed = cost_part(row)
        return None if billed is None else (f"unknown:{unsure[row.owner]}", None)
    if row.outcome is Outcome.OK:
        if row.prompt_tokens is None:
            return "unknown:requests without usage", None
        if row.estimated_usd is None:
            return f"unpriced:{row.priced_as}", None
        return "", row.estimated_usd
    if row.outcome in _MAYBE_BILLED or (row.answered and row.outcome in CUT_SHORT):
        return f"unknown:{CUT_SHORT[row.outcome]}", None
    return None  # HF bills only 2xx/3xx answers


def tokens_unknown(rows: Iterable[LedgerRow]) -> int:
    """How many requests HF may bill whose tokens are unknown (their counts are in no token total)."""
    return sum(1 for r in rows if (part := cost_part(r)) is not None and part[0].startswith("unknown:"))


def settled(rows: Sequence[LedgerRow], sessions: Mapping[str, SessionSettled],
            session_sizes: Mapping[str, int]) -> Total[Decimal]:
    """What HF settled for the sessions of `rows`; `session_sizes` counts every ledger row of each session."""
    mine = Counter(r.session_id for r in rows if r.session_id is not None)
    # HF bills every request its router answered 2xx/3xx, whole or cut short (hf-api.md 3.6), so a session is settled
    # once HF has reported as many as it may bill (`cost_part`): counting only whole answers would call a session
    # final while a cut-short request's cost is still to come. An answer 4xx/5xx or none is never billed.
    billable = Counter(r.session_id for r in rows if r.session_id is not None and cost_part(r) is not None)
    parts: list[tuple[str, Decimal | None]] = []
    for sid, count in sorted(mine.items()):
        if count < session_sizes.get(sid, count):
            parts.append(("unknown:sessions shared with other requests", None))
            continue
        got = sessions.get(sid)
        if got is not None and got.requests > session_sizes.get(sid, count):
            # HF counts requests this ledger never saw (another proxy, or a caller's own session id used around
            # the proxy too): its cost is theirs and ours together, and no figure tells the two apart
            parts.append(("unknown:sessions shared with requests outside this ledger", None))
            continue
        if got is not None:
            parts.append((sid, got.settled_usd))
        # HF has not settled all of its requests yet. A session none of whose requests HF may bill is settled at
        # $0 as it is: HF never lists a session in which it billed nothing, so waiting for it would wait for ever.
        if (got.requests if got is not None else 0) < billable[sid]:
            parts.append(("pending:sessions not settled yet", None))
    return Total.of(parts, ZERO)


def figures(name: str, rows: Sequence[LedgerRow], sessions: Mapping[str, SessionSettled],
            session_sizes: Mapping[str, int], previous: Sequence[LedgerRow] | None = None,
            unsure: Unsure = NOT_UNSURE) -> UsageFigures:
    """The figures of one group of rows (and its trend against `previous`, the window before). A request whose
    namespace is unknown (`unsure`) is in none of its counts: it is counted apart, and its cost makes the
    estimate partial."""
    mine = [r for r in rows if r.owner not in unsure] if unsure else rows
    errors = sum(1 for r in mine if r.is_error)
    latencies = [r.latency_s for r in mine if r.outcome is Outcome.OK and r.latency_s is not None]
    known = [r for r in mine if r.outcome is Outcome.OK and r.prompt_tokens is not None]
    cost = estimated(rows, unsure)
    out = UsageFigures(
        name=name, requests=len(mine), errors=errors,
        error_pct=Decimal(errors * 100) / len(mine) if mine else None,
        p50_latency_s=percentile(latencies, 50), p95_latency_s=percentile(latencies, 95),
        prompt_tokens=sum(r.prompt_tokens or 0 for r in known),
        completion_tokens=sum(r.completion_tokens or 0 for r in known),
        estimated_usd=cost, settled_usd=settled(mine, sessions, session_sizes), tokens_unknown=tokens_unknown(mine),
        requests_owner_unknown=len(rows) - len(mine))
    if previous is None:
        return out
    before = estimated(previous, unsure)
    counts_known = not out.requests_owner_unknown and not any(r.owner in unsure for r in previous)
    return replace(out, requests_trend_pct=trend_pct(Decimal(len(mine)), Decimal(len(previous)))
                   if counts_known else None, estimated_trend_pct=trend_pct(cost.value, before.value))


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
              previous_start: datetime | None = None, unsure: Unsure = NOT_UNSURE) -> tuple[UsageFigures, ...]:
    """Figures per group (`key`: the model, the provider) of the rows in [start, end], the costliest first;
    with `previous_start`, each against the group's rows in [previous_start, start)."""
    sizes = session_sizes(rows)

    def within(lo: datetime | None, hi: datetime | None, *, closed: bool) -> dict[str, list[LedgerRow]]:
        groups: dict[str, list[LedgerRow]] = {}
        for r in rows:
            if (lo is None or r.at >= lo) and (hi is None or r.at < hi or (closed and r.at == hi)):
                groups.setdefault(key(r), []).append(r)
        return groups

    current = within(start, end, closed=True)
    before = within(previous_start, start, closed=False) if previous_start is not None else None
    out = [figures(name, group, sessions, sizes, None if before is None else before.get(name, []), unsure)
           for name, group in current.items()]
    return tuple(sorted(out, key=lambda f: (-(f.estimated_usd.known or ZERO), -f.requests, f.name)))


def over_time(rows: Sequence[LedgerRow], key: Callable[[LedgerRow], str], names: Sequence[str], start: datetime,
              end: datetime, step: timedelta, unsure: Unsure = NOT_UNSURE) -> tuple[UsageSeries, ...]:
    """Per group in `names` (in that order): its requests and estimated cost in each `step` from `start`, over the
    rows in [start, end] (the last step ends at `end`, so it may be shorter). The steps add up to the window. A
    request whose namespace is unknown (`unsure`) is in no step's requests and makes its step's cost partial."""
    count = len(step_starts(start, end, step))
    cells: dict[str, list[list[LedgerRow]]] = {name: [[] for _ in range(count)] for name in names}
    for r in rows:
        group = cells.get(key(r))
        if group is not None and start <= r.at <= end:
            group[min(count - 1, (r.at - start) // step)].append(r)
    return tuple(UsageSeries(name, tuple(sum(1 for r in c if r.owner not in unsure) for c in cells[name]),
                             tuple(estimated(c, unsure) for c in cells[name])) for name in names)


def by_model(row: LedgerRow) -> str:
    """Group key: the model."""
    return row.model


def by_provider(row: LedgerRow) -> str:
    """Group key: the provider that served the request ("unknown" when the router did not say)."""
    return row.provider or "unknown"


def ledger_since(period_start: datetime, now: datetime) -> datetime:
    """The oldest ledger row `proxy_usage` reads: the 30 days before the last 30, and the period before this one."""
    return min(now - 2 * WINDOWS[-1][1], period_start - (now - period_start))


def proxy_usage(rows: Sequence[LedgerRow], sessions: Mapping[str, SessionSettled],
                prices: Sequence[RouterPrice] | None, now: datetime, period_start: datetime,
                unsure: Unsure = NOT_UNSURE, owners: Owners | None = None,
                overrides: ModelOverrides | None = None, gaps: Sequence[LedgerGap] = ()) -> ProxyUsage:
    """The ledger's windows (1h, 24h, 7d, 30d, the billing period), each per model and per provider with its
    trend against the window before, and what each model's tokens this period would cost elsewhere; `unsure`:
    the requests whose namespace is unknown (`ledger_scope.polled_rows`); `owners`: whose bill each is; `gaps`:
    requests the ledger lost (`not_recorded`)."""
    windows = []
    for name, length in (*WINDOWS, ("period", now - period_start)):
        start, step = now - length, STEPS[name]
        models = breakdown(rows, by_model, sessions, start, now, start - length, unsure)
        providers = breakdown(rows, by_provider, sessions, start, now, start - length, unsure)
        window = UsageWindow(name, start, now, models, providers, step,
                             over_time(rows, by_model, [m.name for m in models], start, now, step, unsure),
                             over_time(rows, by_provider, [p.name for p in providers], start, now, step, unsure))
        windows.append(not_recorded(window, gaps))
    period = [r for r in rows if period_start <= r.at <= now]
    cheaper = cheaper_elsewhere(period, prices, unsure, owners, overrides)
    lost = _lost(gaps, period_start, now)
    if lost:
        cheaper = tuple(replace(c, estimated_usd=_short(c.estimated_usd, lost)) for c in cheaper)
    return ProxyUsage(tuple(windows), cheaper)


def not_recorded(window: UsageWindow, gaps: Sequence[LedgerGap]) -> UsageWindow:
    """`window` with its figures lower bounds where requests the ledger lost fall in it: which model or provider
    they were is unknown, so every group's counts and costs (and each step's over time) may miss some of them; and
    no trend where they fall in the window before."""
    lost = _lost(gaps, window.start, window.end)
    before = _lost(gaps, window.start - (window.end - window.start), window.start)
    if not lost and not before:
        return window

    count = _count_lost(gaps, window.start, window.end) if lost else 0
    # the steps are the same for every series: what each lost is judged once
    starts = window.step_starts
    steps_lost = tuple(_lost(gaps, a, b) for a, b in zip(starts, (*starts[1:], window.end), strict=True)
                       ) if starts else ()

    def group(f: UsageFigures) -> UsageFigures:
        f = replace(f, requests_trend_pct=None, estimated_trend_pct=None)
        if not lost:
            return f
        return replace(f, estimated_usd=_short(f.estimated_usd, lost), settled_usd=_short(f.settled_usd, lost),
                       requests_lost=count)

    def series(s: UsageSeries) -> UsageSeries:
        if window.step is None:
            return s
        return replace(s, estimated_usd=tuple(_short(t, why) if why else t
                                              for t, why in zip(s.estimated_usd, steps_lost, strict=True)))

    return replace(window, by_model=tuple(map(group, window.by_model)),
                   by_provider=tuple(map(group, window.by_provider)),
                   models_over_time=tuple(map(series, window.models_over_time)),
                   providers_over_time=tuple(map(series, window.providers_over_time)))


def _count_lost(gaps: Sequence[LedgerGap], start: datetime, end: datetime) -> int:
    return sum(g.requests for g in gaps if g.last_at >= start and g.first_at <= end)


def _lost(gaps: Sequence[LedgerGap], start: datetime, end: datetime) -> str | None:
    """The missing part's name for the requests the ledger lost in [start, end] (None: none there)."""
    within = [g for g in gaps if g.last_at >= start and g.first_at <= end]
    if not within:
        return None
    count = _count_lost(gaps, start, end)
    astride = any(g.first_at < start or g.last_at > end for g in within)  # some of them may be outside
    why = within[-1].why or "the history file refused them"
    plural = "s" if count != 1 else ""
    return f"unknown:{'up to ' if astride else ''}{count} request{plural} through the proxy not recorded ({why})"


def _short(total: Total[Decimal], missing: str) -> Total[Decimal]:
    return Total.sum((total, Total(None, (missing,))), ZERO)


def _billed_to(rows: Iterable[LedgerRow], owners: Owners | None) -> tuple[tuple[str, ...], tuple[tuple[str, str], ...]]:
    """The namespaces `rows` were billed to, and (the namespaces it may be, why) for each owner (`LedgerRow.owner`:
    X-HF-Bill-To, else the caller's account) `owners` cannot place; nothing without `owners`."""
    if owners is None:
        return (), ()
    placed: set[str] = set()
    unplaced: set[tuple[str, str]] = set()
    for value in {r.owner for r in rows}:
        owner = owners.namespace(value)
        if owner is not None:
            placed.add(owner)
        else:
            unplaced.add((owners.may_be(value), owners.why_unknown(value)))
    return tuple(sorted(placed)), tuple(sorted(unplaced))


def cheaper_elsewhere(rows: Sequence[LedgerRow], prices: Sequence[RouterPrice] | None,
                      unsure: Unsure = NOT_UNSURE, owners: Owners | None = None,
                      overrides: ModelOverrides | None = None) -> tuple[CheaperElsewhere, ...]:
    """Per model: the same tokens at each live, priced provider serving it, the cheapest first; and how many
    `:cheapest` requests went to another provider than the cheapest (the router's rule: lowest output price); and
    whose bills they were on (`owners`). Of the requests whose namespace is unknown (`unsure`) only the cost
    counts: it makes the estimate partial."""
    offers: dict[str, list[tuple[str, Decimal, Decimal]]] = {}  # model -> (provider, USD per 1M in, out) charged
    charged = model_prices(prices or (), overrides)  # an `is_free` promo: $0; the config's prices win
    for p in prices or ():
        p_in, p_out = charged.get((p.model, p.provider), (None, None))
        if p.status == "live" and p_in is not None and p_out is not None:
            offers.setdefault(p.model, []).append((p.provider, p_in, p_out))
    models: dict[str, list[LedgerRow]] = {}
    for r in rows:
        models.setdefault(r.model, []).append(r)
    out = []
    for model, group in models.items():
        mine = [r for r in group if r.owner not in unsure]
        known = [r for r in mine if r.outcome is Outcome.OK and r.prompt_tokens is not None]
        prompt = sum(r.prompt_tokens or 0 for r in known)
        completion = sum(r.completion_tokens or 0 for r in known)
        served = offers.get(model, [])
        options = sorted(((provider, (prompt * p_in + completion * p_out) / MILLION)
                          for provider, p_in, p_out in served), key=lambda o: (o[1], o[0]))
        asked = [r for r in mine if r.policy == "cheapest" and r.outcome is Outcome.OK]
        misses: int | None = None
        excess: Decimal | None = None
        if served:
            best, best_in, best_out = min(served, key=lambda o: (o[2], o[0]))
            missed = [r for r in asked if r.provider != best]
            misses = len(missed)
            paid = estimated(missed).value  # None when a miss is unpriced or its usage unknown
            if paid is not None:
                excess = paid - sum(((r.prompt_tokens or 0) * best_in + (r.completion_tokens or 0) * best_out)
                                    / MILLION for r in missed)
        billed_to, unplaced = _billed_to(group, owners)
        out.append(CheaperElsewhere(model, prompt, completion, estimated(group, unsure),
                                    tuple(options) if prices is not None else None, len(asked),
                                    misses if prices is not None else None, excess if prices is not None else None,
                                    billed_to, unplaced, _at_today(known, charged) if prices is not None else None))
    return tuple(sorted(out, key=lambda c: (-(c.estimated_usd.known or ZERO), c.model)))


def _at_today(rows: Sequence[LedgerRow], charged: Mapping[tuple[str, str], tuple[Decimal | None, Decimal | None]]
              ) -> Decimal | None:
    """The rows' tokens where each was served, at today's price there; None when one of those has no price today."""
    total = ZERO
    for r in rows:
        p_in, p_out = charged.get((r.model, r.provider or ""), (None, None))
        if p_in is None or p_out is None:
            return None
        total += ((r.prompt_tokens or 0) * p_in + (r.completion_tokens or 0) * p_out) / MILLION
    return total


def proxy_checks(proxy: ProxyUsage, tolerance: Tolerance) -> list[CrossCheck]:
    """Per model this period: what HF settled for the proxy's sessions against the proxy's estimate. Pending
    while sessions are not all settled (or are shared with requests outside the period)."""
    period = proxy.window("period")
    rows: list[CrossCheck] = []
    for m in period.by_model if period is not None else ():
        item = f"model {m.name}"
        settled, estimate = m.settled_usd, m.estimated_usd
        if not settled.complete or settled.value is None:
            what = "; ".join(x.partition(":")[2] for x in settled.missing) or "not settled yet"
            rows.append(CrossCheck(item, settled.known, estimate.value, None, CheckStatus.PENDING,
                                   f"through hfmon proxy: {what}"))
            continue
        note = "through hfmon proxy: settled sessions against tokens x router price"
        if not estimate.complete:
            note = "through hfmon proxy: " + "; ".join(x.partition(":")[2] for x in estimate.missing)
        rows.append(compare(item, settled.value, estimate.value, tolerance, note=note))
    return rows
