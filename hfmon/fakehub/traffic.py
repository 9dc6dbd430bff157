"""Inference Providers traffic: generated requests plus those posted to the fake router, booked and settled.

Rules: every routed request is booked at once as a $0.01 placeholder (10,000,000 nano-USD) and settles to
its real cost `settle_delay_s` seconds after it was made; real cost = ceil(prompt_tokens x input price +
completion_tokens x output price) in nano-USD, prices in USD per 1M tokens (0 for an unpriced provider).
A request counts in a window when start <= its time < end and its time <= now. `usedNanoUsd` sums settled
costs plus placeholders of the not-yet-settled requests; the per-session report has settled costs only.

Hard caps (hf-api.md 3.2, 3.6): a generated request made when its namespace's spend this period (placeholders
included, as at that second) had already reached `Scenario.cap_nano_usd` is refused with 402, as the router
refuses posted ones, and is never billed or counted.
"""

from __future__ import annotations

import bisect
import itertools
import random
import threading
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from hfmon.fakehub.catalog import ROUTER_MODELS, Offer, cost_from_ratio
from hfmon.fakehub.scenario import PLACEHOLDER_NANO_USD, Scenario, TrafficPhase, period_bounds


@dataclass(frozen=True)
class Routed:
    """One routed request; `t` is Unix seconds of the scenario time it was made."""

    t: int
    namespace: str
    model: str
    provider: str
    prompt_tokens: int
    completion_tokens: int
    cost_nano_usd: int
    session: str | None
    duration_ms: int


@dataclass(frozen=True)
class InferenceTotals:
    """Inference Providers figures of a namespace over a window at a scenario time."""

    used_nano_usd: int
    settled_nano_usd: int
    placeholder_nano_usd: int
    num_requests: int
    providers: dict[str, tuple[int, int, int]]  # provider -> (requests, nano-USD incl. placeholders, ms)


@dataclass(frozen=True)
class HourTotals:
    """Sums over one generated hour of a phase, used for windows that cover the hour whole and settled."""

    count: int
    cost_nano_usd: int
    providers: dict[str, tuple[int, int, int]]  # provider -> (requests, nano-USD, ms)
    sessions: dict[str, tuple[int, int]]  # session -> (requests, nano-USD)
    period: datetime  # the billing period the whole hour falls in


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def offer_of(scn: Scenario, model: str, provider: str) -> Offer | None:
    """The router offer of `provider` for `model`."""
    for m in scn.router_models:
        if m.id == model:
            return next((o for o in m.offers if o.provider == provider), None)
    return None


# A generated request before it is a Routed: (t, mix index, prompt tokens, completion tokens, cost, ms, minute).
_Draw = tuple[int, int, int, int, int, int, int]


class _Plan:
    """What drawing a phase's hours needs, worked out once per phase: its bounds in Unix seconds, the mix's
    cumulative weights, and each mix entry's offer as integers (price) and floats (speed)."""

    def __init__(self, scn: Scenario, idx: int, phase: TrafficPhase) -> None:
        self.seed = f"{scn.seed}/traffic/{idx}/"
        self.idx, self.phase = idx, phase
        self.num, self.den = phase.requests_per_minute.numerator, phase.requests_per_minute.denominator
        self.base, self.stop = _ts(phase.start), _ts(phase.end)
        self.cum = list(itertools.accumulate(w for _, _, w in phase.mix))
        offers = (offer_of(scn, model, provider) for model, provider, _ in phase.mix)
        self.prices = [None if o is None else (o.price_ratio(), o.throughput, o.first_token_latency_ms)
                       for o in offers]
        self._period = (0, 0, datetime.min.replace(tzinfo=UTC))

    def period(self, t: int) -> tuple[int, int, datetime]:
        """The billing period of Unix second `t`: (start, end) in Unix seconds and its start (hours come in order,
        so the last one found is almost always the one)."""
        lo, hi, _ = self._period
        if not lo <= t < hi:
            start, end = period_bounds(datetime.fromtimestamp(t, UTC))
            self._period = (_ts(start), _ts(end), start)
        return self._period


def _draw_hour(plan: _Plan, hour: int) -> tuple[list[_Draw], list[list[int]]]:
    """The requests of one hour of a phase, priced, and per mix entry their [requests, nano-USD, ms]: the one
    place the seeded traffic is drawn.

    Request j of the phase (counted from its start) falls in the minute m with floor(m x rpm) <= j <
    floor((m+1) x rpm), as the k-th of that minute's n; the draws are made in that order, three per request."""
    draw = random.Random(f"{plan.seed}{hour}").random
    num, den, base, stop, cum, prices = plan.num, plan.den, plan.base, plan.stop, plan.cum, plan.prices
    total = cum[-1]
    (p_lo, p_hi), (c_lo, c_hi) = plan.phase.prompt_tokens, plan.phase.completion_tokens
    p_span, c_span = p_hi - p_lo + 1, c_hi - c_lo + 1
    out: list[_Draw] = []
    sums = [[0, 0, 0] for _ in cum]
    if num <= 0:
        return out, sums
    for j in range(hour * 60 * num // den, (hour * 60 + 60) * num // den):
        m = -(-(j + 1) * den // num) - 1  # the minute of request j
        first = m * num // den
        t = base + m * 60 + (j - first) * 60 // ((m + 1) * num // den - first)
        pick = bisect.bisect_right(cum, draw() * total)
        p = p_lo + int(draw() * p_span)
        c = c_lo + int(draw() * c_span)
        if t >= stop:
            continue
        priced = prices[pick]
        if priced is None:
            cost, ms = 0, 1000
        else:
            ratio, throughput, latency_ms = priced
            cost = 0 if ratio is None else cost_from_ratio(ratio, p, c)
            ms = int(c / throughput * 1000) + latency_ms
        out.append((t, pick, p, c, cost, ms, m))
        agg = sums[pick]
        agg[0] += 1
        agg[1] += cost
        agg[2] += ms
    return out, sums


def _session(idx: int, minute: int) -> str:
    """The inference session a generated request belongs to: one per phase and three hours."""
    return f"s{idx}-{minute // 180:05d}"


def _hour_totals(plan: _Plan, hour: int) -> HourTotals | None:
    """The sums of one hour's requests; None when the hour straddles two billing periods (summed request by
    request then)."""
    draws, sums = _draw_hour(plan, hour)
    if not draws:
        return HourTotals(0, 0, {}, {}, datetime.min.replace(tzinfo=UTC))
    _, period_end, period = plan.period(draws[0][0])
    if draws[-1][0] >= period_end:
        return None
    prov: dict[str, tuple[int, int, int]] = {}
    for (_, provider, _), (n, cost, ms) in zip(plan.phase.mix, sums, strict=True):
        if n:
            count, sofar, time_ms = prov.get(provider, (0, 0, 0))
            prov[provider] = (count + n, sofar + cost, time_ms + ms)
    nano = sum(cost for _, cost, _ in sums)
    # an hour of the phase lies in one three-hour session block: its minutes m all have the same m // 180
    return HourTotals(len(draws), nano, prov, {_session(plan.idx, hour * 60): (len(draws), nano)}, period)


def _routed(plan: _Plan, hour: int) -> list[Routed]:
    """One hour's requests as Routed."""
    mix, ns = plan.phase.mix, plan.phase.namespace
    return [Routed(t, ns, mix[pick][0], mix[pick][1], p, c, cost, _session(plan.idx, minute), ms)
            for t, pick, p, c, cost, ms, minute in _draw_hour(plan, hour)[0]]


_PhaseKey = tuple[int, int, TrafficPhase]  # (seed, phase index, phase)
# per phase, per hour; shared by every hub on the catalog's prices (tests build many)
_REQUESTS: dict[_PhaseKey, dict[int, list[Routed]]] = {}
_TOTALS: dict[_PhaseKey, dict[int, HourTotals | None]] = {}
_CACHE_LOCK = threading.Lock()


class Traffic:
    """All routed requests of a scenario, plus the ledger of posted ones.

    Generated traffic is drawn by the hour and kept as each hour's sums, which is what a month's totals need;
    an hour's requests are built only when a window cuts through it or a cap decides request by request."""

    def __init__(self, scn: Scenario) -> None:
        self.scn = scn
        self._lock = threading.Lock()
        self._plans = [_Plan(scn, idx, phase) for idx, phase in enumerate(scn.traffic)]
        self._sums: list[list[HourTotals | None]] = [[] for _ in scn.traffic]  # per phase, per hour
        keys = [(scn.seed, idx, phase) for idx, phase in enumerate(scn.traffic)]
        with _CACHE_LOCK:
            if scn.router_models is ROUTER_MODELS:  # prices from the catalog: hours shared with other hubs
                self._hour_reqs = [_REQUESTS.setdefault(key, {}) for key in keys]
                self._hour_sums = [_TOTALS.setdefault(key, {}) for key in keys]
            else:
                self._hour_reqs = [{} for _ in keys]
                self._hour_sums = [{} for _ in keys]
        self._hours: list[int] = [0] * len(scn.traffic)  # hours in _reqs per phase (whole lists, for caps)
        self._reqs: list[list[Routed]] = [[] for _ in scn.traffic]
        self._times: list[list[int]] = [[] for _ in scn.traffic]
        self.ledger: list[Routed] = []
        self._refusals: dict[str, tuple[tuple[int, int], frozenset[tuple[int, int]]]] = {}

    def _hours_needed(self, phase: TrafficPhase, now: datetime) -> int:
        return max(0, -(-(_ts(min(now, phase.end)) - _ts(phase.start)) // 3600))

    def _hour_requests(self, idx: int, hour: int) -> list[Routed]:
        """The requests of one hour of phase `idx` (lock held)."""
        with _CACHE_LOCK:
            reqs = self._hour_reqs[idx].get(hour)
        if reqs is None:
            reqs = _routed(self._plans[idx], hour)
            with _CACHE_LOCK:
                self._hour_reqs[idx][hour] = reqs
        return reqs

    def _totals_upto(self, now: datetime) -> None:
        """Each phase's hourly sums up to the hour of `now` (lock held)."""
        for idx, phase in enumerate(self.scn.traffic):
            sums, known = self._sums[idx], self._hour_sums[idx]
            for hour in range(len(sums), self._hours_needed(phase, now)):
                with _CACHE_LOCK:
                    cached = hour in known
                    totals = known[hour] if cached else None
                if not cached:
                    totals = _hour_totals(self._plans[idx], hour)
                    with _CACHE_LOCK:
                        known[hour] = totals
                sums.append(totals)

    def _upto(self, now: datetime) -> None:
        """Each phase's whole list of requests up to the hour of `now` (lock held)."""
        for idx, phase in enumerate(self.scn.traffic):
            while self._hours[idx] < self._hours_needed(phase, now):
                batch = self._hour_requests(idx, self._hours[idx])
                self._reqs[idx].extend(batch)
                self._times[idx].extend(r.t for r in batch)
                self._hours[idx] += 1

    def record(self, req: Routed) -> None:
        """Book a request posted to the fake router."""
        with self._lock:
            self.ledger.append(req)

    def requests(self, namespace: str, lo: datetime, hi: datetime, now: datetime) -> list[Routed]:
        """The requests billed to `namespace` made in [lo, hi) and not after `now`."""
        a, b = _ts(lo), min(_ts(hi) - 1, _ts(now))
        out: list[Routed] = []
        with self._lock:
            self._upto(now)
            refused = self._refused(namespace, now)
            for idx, phase in enumerate(self.scn.traffic):
                if phase.namespace != namespace:
                    continue
                times, reqs = self._times[idx], self._reqs[idx]
                i, j = bisect.bisect_left(times, a), bisect.bisect_right(times, b)
                if refused:
                    out.extend(reqs[k] for k in range(i, j) if (idx, k) not in refused)
                else:
                    out.extend(reqs[i:j])
            out.extend(r for r in self.ledger if r.namespace == namespace and a <= r.t <= b)
        return out

    def _refused(self, namespace: str, now: datetime) -> frozenset[tuple[int, int]]:
        """(phase, position) of the generated requests refused by the namespace's cap, up to `now` (lock held)."""
        cap = self.scn.cap_nano_usd(namespace)
        if cap is None:
            return frozenset()
        end = _ts(now)
        key = (end, len(self.ledger))
        hit = self._refusals.get(namespace)
        if hit is not None and hit[0] == key:
            return hit[1]
        events = [(r.t, -1, 0, r.cost_nano_usd) for r in self.ledger if r.namespace == namespace and r.t <= end]
        for idx, phase in enumerate(self.scn.traffic):
            if phase.namespace == namespace:
                stop = bisect.bisect_right(self._times[idx], end)
                events += [(r.t, idx, k, r.cost_nano_usd) for k, r in enumerate(self._reqs[idx][:stop])]
        events.sort()
        refused: set[tuple[int, int]] = set()
        period_end, settled = 0, 0
        pending: deque[tuple[int, int]] = deque()  # accepted, not yet settled: (time, real cost)
        for t, idx, k, cost in events:
            if t >= period_end:  # a new billing period: spend starts again from 0
                period_end = _ts(period_bounds(datetime.fromtimestamp(t, UTC))[1])
                settled, pending = 0, deque()
            while pending and pending[0][0] <= t - self.scn.settle_delay_s:
                settled += pending.popleft()[1]
            if idx >= 0 and settled + len(pending) * PLACEHOLDER_NANO_USD >= cap:
                refused.add((idx, k))
                continue
            pending.append((t, cost))
        out = frozenset(refused)
        self._refusals[namespace] = (key, out)
        return out

    def _walk(self, namespace: str, lo: datetime, hi: datetime, now: datetime,
              settled_by: int) -> list[Routed | HourTotals]:
        """The requests billed to `namespace` in [lo, hi) up to `now`, with each whole hour settled by
        `settled_by` (Unix s) given as its sums instead: a month of traffic costs its hours, not its requests."""
        a, b = _ts(lo), min(_ts(hi) - 1, _ts(now))
        if self.scn.cap_nano_usd(namespace) is not None:  # refusals are decided request by request
            return list(self.requests(namespace, lo, hi, now))
        out: list[Routed | HourTotals] = []
        with self._lock:
            self._totals_upto(now)
            top = min(b, settled_by)
            for idx, phase in enumerate(self.scn.traffic):
                if phase.namespace != namespace:
                    continue
                sums, base = self._sums[idx], _ts(phase.start)
                for h in range(max(0, (a - base) // 3600), min(len(sums), (b - base) // 3600 + 1)):
                    start = base + h * 3600
                    whole = sums[h]
                    if whole is not None and a <= start and start + 3600 <= top + 1:
                        out.append(whole)
                    else:  # an hour the window cuts, not yet settled, or across two periods: its requests
                        out.extend(r for r in self._hour_requests(idx, h) if a <= r.t <= b)
            out.extend(r for r in self.ledger if r.namespace == namespace and a <= r.t <= b)
        return out

    def totals(self, namespace: str, lo: datetime, hi: datetime, now: datetime) -> InferenceTotals:
        """Spend, placeholders and per-provider split for a window at scenario time `now`."""
        cutoff = _ts(now) - self.scn.settle_delay_s
        settled = placeholder = n = 0
        prov: dict[str, list[int]] = {}
        for r in self._walk(namespace, lo, hi, now, cutoff):
            if isinstance(r, HourTotals):
                settled += r.cost_nano_usd
                n += r.count
                for name, (count, cost, ms) in r.providers.items():
                    agg = prov.setdefault(name, [0, 0, 0])
                    agg[0] += count
                    agg[1] += cost
                    agg[2] += ms
                continue
            cost = r.cost_nano_usd if r.t <= cutoff else PLACEHOLDER_NANO_USD
            if r.t <= cutoff:
                settled += cost
            else:
                placeholder += cost
            n += 1
            agg = prov.setdefault(r.provider, [0, 0, 0])
            agg[0] += 1
            agg[1] += cost
            agg[2] += r.duration_ms
        return InferenceTotals(settled + placeholder, settled, placeholder, n,
                               {k: (v[0], v[1], v[2]) for k, v in sorted(prov.items())})

    def sessions(self, namespace: str, lo: datetime, hi: datetime, now: datetime) -> dict[
            datetime, dict[str, tuple[int, int]]]:
        """Settled cost per session, grouped by monthly period: {period start: {session: (requests, nano)}}."""
        cutoff = _ts(now) - self.scn.settle_delay_s
        out: dict[datetime, dict[str, tuple[int, int]]] = {}
        for r in self._walk(namespace, lo, hi, now, cutoff):
            if isinstance(r, HourTotals):
                if not r.sessions:
                    continue
                rows = out.setdefault(r.period, {})
                for sid, (n, nano) in r.sessions.items():
                    count, total = rows.get(sid, (0, 0))
                    rows[sid] = (count + n, total + nano)
                continue
            if r.session is None or r.t > cutoff:
                continue
            period = period_bounds(datetime.fromtimestamp(r.t, UTC))[0]
            count, nano = out.setdefault(period, {}).get(r.session, (0, 0))
            out[period][r.session] = (count + 1, nano + r.cost_nano_usd)
        return out

    def period_used(self, namespace: str, now: datetime) -> int:
        """Inference spend (with placeholders) of the current period, nano-USD."""
        lo, hi = period_bounds(now)
        return self.totals(namespace, lo, hi, now + timedelta(0)).used_nano_usd
