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

from hfmon.fakehub.catalog import ROUTER_MODELS, Offer
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


def hour_totals(reqs: list[Routed]) -> HourTotals | None:
    """The sums of one hour's requests; None when the hour straddles two billing periods (summed request by
    request then)."""
    if not reqs:
        return HourTotals(0, 0, {}, {}, datetime.min.replace(tzinfo=UTC))
    period = period_bounds(datetime.fromtimestamp(reqs[0].t, UTC))[0]
    if period_bounds(datetime.fromtimestamp(reqs[-1].t, UTC))[0] != period:
        return None
    prov: dict[str, tuple[int, int, int]] = {}
    sessions: dict[str, tuple[int, int]] = {}
    for r in reqs:
        n, cost, ms = prov.get(r.provider, (0, 0, 0))
        prov[r.provider] = (n + 1, cost + r.cost_nano_usd, ms + r.duration_ms)
        if r.session is not None:
            n, cost = sessions.get(r.session, (0, 0))
            sessions[r.session] = (n + 1, cost + r.cost_nano_usd)
    return HourTotals(len(reqs), sum(r.cost_nano_usd for r in reqs), prov, sessions, period)


def _ts(moment: datetime) -> int:
    return int(moment.timestamp())


def offer_of(scn: Scenario, model: str, provider: str) -> Offer | None:
    """The router offer of `provider` for `model`."""
    for m in scn.router_models:
        if m.id == model:
            return next((o for o in m.offers if o.provider == provider), None)
    return None


_CACHE: dict[tuple[int, int, TrafficPhase, int], list[Routed]] = {}
_CACHE_LOCK = threading.Lock()


def _generate_hour(scn: Scenario, idx: int, phase: TrafficPhase, hour: int) -> list[Routed]:
    key = (scn.seed, idx, phase, hour)
    with _CACHE_LOCK:
        hit = _CACHE.get(key)
    if hit is not None and scn.router_models is ROUTER_MODELS:
        return hit
    rng = random.Random(f"{scn.seed}/traffic/{idx}/{hour}")
    num, den = phase.requests_per_minute.numerator, phase.requests_per_minute.denominator
    base = _ts(phase.start)
    stop = _ts(phase.end)
    cum = list(itertools.accumulate(w for _, _, w in phase.mix))
    offers = [offer_of(scn, model, provider) for model, provider, _ in phase.mix]
    (p_lo, p_hi), (c_lo, c_hi) = phase.prompt_tokens, phase.completion_tokens
    out: list[Routed] = []
    for m in range(hour * 60, hour * 60 + 60):
        n = (m + 1) * num // den - m * num // den
        for k in range(n):
            t = base + m * 60 + k * 60 // n
            pick = bisect.bisect_right(cum, rng.random() * cum[-1])
            p = p_lo + int(rng.random() * (p_hi - p_lo + 1))
            c = c_lo + int(rng.random() * (c_hi - c_lo + 1))
            if t >= stop:
                continue
            model, provider, _ = phase.mix[pick]
            offer = offers[pick]
            cost = offer.cost_nano_usd(p, c) if offer else 0
            dur = int(c / offer.throughput * 1000) + offer.first_token_latency_ms if offer else 1000
            out.append(Routed(t, phase.namespace, model, provider, p, c, cost, f"s{idx}-{m // 180:05d}", dur))
    if scn.router_models is ROUTER_MODELS:
        with _CACHE_LOCK:
            _CACHE[key] = out
    return out


class Traffic:
    """All routed requests of a scenario: generated lazily by the hour, plus the ledger of posted ones."""

    def __init__(self, scn: Scenario) -> None:
        self.scn = scn
        self._lock = threading.Lock()
        self._hours: list[int] = [0] * len(scn.traffic)  # hours generated so far per phase
        self._reqs: list[list[Routed]] = [[] for _ in scn.traffic]
        self._times: list[list[int]] = [[] for _ in scn.traffic]
        self._sums: list[list[HourTotals | None]] = [[] for _ in scn.traffic]  # per phase, per hour
        self.ledger: list[Routed] = []
        self._refusals: dict[str, tuple[tuple[int, int], frozenset[tuple[int, int]]]] = {}

    def _upto(self, now: datetime) -> None:
        for idx, phase in enumerate(self.scn.traffic):
            hours_needed = max(0, -(-(_ts(min(now, phase.end)) - _ts(phase.start)) // 3600))
            while self._hours[idx] < hours_needed:
                batch = _generate_hour(self.scn, idx, phase, self._hours[idx])
                self._reqs[idx].extend(batch)
                self._times[idx].extend(r.t for r in batch)
                self._sums[idx].append(hour_totals(batch))
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
            self._upto(now)
            top = min(b, settled_by)
            for idx, phase in enumerate(self.scn.traffic):
                if phase.namespace != namespace:
                    continue
                times, reqs, sums = self._times[idx], self._reqs[idx], self._sums[idx]
                base = _ts(phase.start)
                first = max(0, -(-(a - base) // 3600))  # the first hour starting at or after a
                last = min(len(sums), (top + 1 - base) // 3600)  # hours ending by top, generated
                whole = [(h, hour) for h in range(first, last) if (hour := sums[h]) is not None]
                if not whole:
                    out.extend(reqs[bisect.bisect_left(times, a):bisect.bisect_right(times, b)])
                    continue
                cuts = [a] + [x for h, _ in whole for x in (base + h * 3600, base + h * 3600 + 3600)] + [b + 1]
                for lo_t, hi_t in zip(cuts[::2], cuts[1::2], strict=True):  # the gaps between whole hours
                    out.extend(reqs[bisect.bisect_left(times, lo_t):bisect.bisect_left(times, hi_t)])
                out.extend(hour for _, hour in whole)
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
