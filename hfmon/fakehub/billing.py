"""Compute billing of the fake hub: itemised usage lines accrued from the resource timelines.

The rules (hf-api.md 5.3, 6.6, 7), exactly as implemented:

- Billed states: Spaces APP_STARTING, RUNNING, RUNNING_BUILDING, RUNNING_APP_STARTING (not BUILDING, SLEEPING,
  PAUSED, STOPPED, errors); Endpoints `initializing` and `running`, and `updating`/`updateFailed` with
  replicas (the previous revision's, serving: undocumented either way; not pending, paused, scaledToZero,
  failed); Jobs RUNNING (not SCHEDULING nor the final stages).
- Consecutive billed intervals of one resource with the same hardware and replica count form a *segment*.
  Segments are clipped to the window asked for (the billing period, or the usage-v2 startDate/endDate
  window) and to the scenario time `now`. A resource gets one usage line per hardware (product) per window,
  summing its segments.
- Billed minutes of a segment = whole minutes elapsed in the clipped segment, i.e. floor(seconds / 60).
  All timeline boundaries are whole minutes, so only the minute in progress at `now` is left out.
  `quantity` = sum over the line's segments of billed minutes x replicas (replica-minutes).
- Unit price (`unitCostMicroUSD`, per replica-minute): Spaces and Jobs use the hardware catalog's
  `unitCostMicroUSD` (= round_half_up(hourly USD x 1e6 / 60)); a Job that exposes ports bills $0.01 an hour more
  (per job, not per port; no product of its own is documented), in its own line: its unit is
  round_half_up((hourly USD + 0.01) x 1e6 / 60); Endpoints use
  round_half_up(pricePerHour x 1e6 / 60) of their compute in `/v2/provider`. cpu-basic Spaces cost 0 but still
  get lines.
- ZeroGPU Spaces (`zero-*` flavors) bill no hosting (hf-api.md 0.5): their time on it gets no line. Their
  GPU-minutes over the daily quota (`SpaceDef.zero_gpu_overage`) get one `spaces/zero-a10g/minutes` line per
  window: quantity = those minutes (of each overage that began in the window, the whole minutes elapsed by `now`),
  unit 100,000 micro-USD ($1 per 10 minutes); `startedAt` the first overage's start, `stoppedAt` the last one's
  end once it is over (else null, and `active`).
- `totalCostMicroUSD` = quantity x unitCostMicroUSD, an exact integer; totals are exact sums of lines.
- `startedAt` is the start of the line's first clipped segment; `stoppedAt` is the end of its last segment
  if that ended by `now` (else null), and `active` is true while the last segment is still accruing.
- A granted Space (`SpaceDef.granted`, e.g. a community GPU grant) gets the same lines with `freeGrant: true`
  and `totalCostMicroUSD` 0: the unit price stays the catalog's, the account pays nothing.
- Storage: one `hf/repository-storage` line per namespace, quantity = whole TB of private storage above
  the plan's private allowance (rounded up), 18,000,000 micro-USD per TB (0 in the demo).
- Injected discrepancies (`Scenario.discrepancies`) bend exactly these rules: a different unit price, extra
  minutes on the resource's last line in the window, or a flavor missing from the catalog.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Any

from hfmon.fakehub.catalog import minute_micro_usd
from hfmon.fakehub.scenario import (
    ENDPOINT_BILLED,
    EXPOSED_PORTS_HOURLY_USD,
    JOB_BILLED,
    SPACE_BILLED,
    TB,
    ZERO_GPU_OVERAGE_MICRO_USD,
    Scenario,
    SpaceDef,
)
from hfmon.fakehub.timeline import Interval

STORAGE_TB_MICRO_USD = 18_000_000
PRIVATE_ALLOWANCE = {"free": 100 * 10**9, "pro": TB, "team": TB, "enterprise": TB}


@dataclass(frozen=True)
class Line:
    """One itemised usage line (one billed segment of one resource inside a window)."""

    group: str
    entity_id: str
    label: str
    product: str
    pretty_name: str
    quantity: int
    unit_micro_usd: int
    started_at: datetime
    stopped_at: datetime | None
    active: bool
    unit_label: str = "minutes"
    free_grant: bool = False

    @property
    def total_micro_usd(self) -> int:
        """quantity x unit price, micro-USD; 0 on a granted line (the grant pays, not the account)."""
        return 0 if self.free_grant else self.quantity * self.unit_micro_usd


def _lines(scn: Scenario, group: str, entity_id: str, label: str, timeline: tuple[Interval, ...],
           billed: frozenset[str], price: dict[str, tuple[str, str, int]], lo: datetime, hi: datetime,
           now: datetime) -> list[Line]:
    """A resource's usage lines in [lo, min(hi, now)): one per hardware, its quantity the billed whole minutes ×
    replicas of each segment (consecutive billed intervals with one hardware and replica count, merged before
    they are rounded down to whole minutes). One pass, no object per interval: a 20x account has 200,000."""
    acc: dict[str, list[Any]] = {}  # hardware -> [quantity, first start, last end, still open]
    top = min(hi, now)

    def add(start: datetime, end: datetime | None, hardware: str, replicas: int) -> None:
        a = start if start > lo else lo
        b = top if end is None or end > top else end
        if b <= a:
            return
        ended = end is not None and end <= now
        row = acc.get(hardware)
        if row is None:
            row = acc[hardware] = [0, a, None, False]
        row[0] += int((b - a).total_seconds()) // 60 * replicas
        row[2], row[3] = (end if ended else None), not ended

    first = max(0, bisect.bisect_right(timeline, lo, key=lambda iv: iv.start) - 1)
    stop = bisect.bisect_left(timeline, top, key=lambda iv: iv.start)
    seg: list[Any] | None = None  # the open segment: [start, end, hardware, replicas]
    for iv in timeline[first:stop]:
        if iv.state not in billed or iv.replicas <= 0:
            if seg is not None:
                add(*seg)
                seg = None
        elif seg is not None and seg[1] == iv.start and seg[2] == iv.hardware and seg[3] == iv.replicas:
            seg[1] = iv.end
        else:
            if seg is not None:
                add(*seg)
            seg = [iv.start, iv.end, iv.hardware, iv.replicas]
    if seg is not None:
        add(*seg)
    out: list[Line] = []
    for hw, (quantity, start, stopped, active) in acc.items():
        product, pretty, unit = price[hw]
        out.append(Line(group, entity_id, label, product, pretty, quantity, unit, start, stopped, active))
    extra = scn.discrepancy("minutes", label)
    if extra is not None and out:
        out[-1] = replace(out[-1], quantity=out[-1].quantity + extra.value)
    return out


def _flavor_prices(scn: Scenario, kind: str, resource: str, hardware: Iterable[str], exposed: bool = False) -> dict[
        str, tuple[str, str, int]]:
    out: dict[str, tuple[str, str, int]] = {}
    for hw in hardware:
        flavor = scn.space_flavor(hw) if kind == "spaces" else scn.job_flavor(hw)
        odd = scn.discrepancy("uncataloged", resource)
        unit = odd.value if flavor is None and odd is not None else (flavor.unit_micro_usd if flavor else 0)
        if exposed and flavor is not None:
            unit = minute_micro_usd(flavor.hourly_usd + EXPOSED_PORTS_HOURLY_USD)
        wrong = scn.discrepancy("unit_price", resource)
        if wrong is not None:
            unit = wrong.value
        pretty = flavor.pretty_name if flavor else hw
        out[hw] = (f"{kind}/{hw}/minutes", pretty, unit)
    return out


def _flavor_lines(scn: Scenario, kind: str, resources: Iterable[tuple[str, str, tuple[Interval, ...]]],
                  billed: frozenset[str], lo: datetime, hi: datetime, now: datetime,
                  exposed: frozenset[str] = frozenset()) -> list[Line]:
    """Lines of Spaces or Jobs, given as (entity id, label, timeline), priced from the hardware catalog (`exposed`:
    the labels of jobs that expose ports)."""
    out: list[Line] = []
    for entity_id, label, timeline in resources:
        prices = _flavor_prices(scn, kind, label, {iv.hardware for iv in timeline}, label in exposed)
        out += _lines(scn, kind, entity_id, label, timeline, billed, prices, lo, hi, now)
    return out


def space_lines(scn: Scenario, namespace: str, lo: datetime, hi: datetime, now: datetime) -> list[Line]:
    """Usage lines of the namespace's Spaces in [lo, hi) up to now; a granted Space's lines say so and cost 0."""
    out: list[Line] = []
    for sp in scn.spaces:
        if sp.namespace == namespace:
            mine = [line for line in _flavor_lines(scn, "spaces", [(sp.entity_id, sp.id, sp.timeline)], SPACE_BILLED,
                                                   lo, hi, now) if not line.product.startswith(ZERO_GPU_PRODUCT)]
            out += [replace(line, free_grant=True) for line in mine] if sp.granted else mine
            out += _overage_lines(sp, lo, hi, now)
    return out


ZERO_GPU_PRODUCT = "spaces/zero-"  # ZeroGPU flavors: no hosting line, overage lines only


def overage_minutes(sp: SpaceDef, lo: datetime, hi: datetime, now: datetime) -> int:
    """The GPU-minutes over the ZeroGPU quota of the Space's overages that began in [lo, min(hi, now)), whole
    minutes elapsed by `now`: what its overage line bills, and what the quota route says of its day."""
    return sum(min(minutes, int((now - at).total_seconds()) // 60)
               for at, minutes in sp.zero_gpu_overage if lo <= at < min(hi, now))


def _overage_lines(sp: SpaceDef, lo: datetime, hi: datetime, now: datetime) -> list[Line]:
    """The Space's ZeroGPU overage line in [lo, min(hi, now)): the GPU-minutes over the quota of each overage
    that began in it, whole minutes elapsed by `now` (none: no line)."""
    top = min(hi, now)
    mine = [(at, minutes) for at, minutes in sp.zero_gpu_overage if lo <= at < top]
    quantity = overage_minutes(sp, lo, hi, now)
    if quantity <= 0:
        return []
    start, last = min(at for at, _ in mine), max(at + timedelta(minutes=minutes) for at, minutes in mine)
    ended = last <= now
    return [Line("spaces", sp.entity_id, sp.id, f"spaces/{sp.requested_hardware}/minutes", "ZeroGPU", quantity,
                 ZERO_GPU_OVERAGE_MICRO_USD, start, last if ended else None, not ended)]


def endpoint_lines(scn: Scenario, namespace: str, lo: datetime, hi: datetime, now: datetime) -> list[Line]:
    """Usage lines of the namespace's Inference Endpoints in [lo, hi) up to now."""
    out: list[Line] = []
    for ep in scn.endpoints:
        if ep.namespace != namespace:
            continue
        c = ep.compute
        wrong = scn.discrepancy("unit_price", ep.id)
        unit = wrong.value if wrong is not None else c.unit_micro_usd
        prices = {c.id: (c.product, f"{c.architecture} {c.instance_size}", unit)}
        out += _lines(scn, "endpoints", ep.entity_id, ep.id, ep.timeline, ENDPOINT_BILLED, prices, lo, hi, now)
    return out


def job_lines(scn: Scenario, namespace: str, lo: datetime, hi: datetime, now: datetime) -> list[Line]:
    """Usage lines of the namespace's Jobs in [lo, hi) up to now (one per job run)."""
    mine = [job for job in scn.jobs if job.namespace == namespace]
    return _flavor_lines(scn, "jobs", ((job.id, job.id, job.timeline) for job in mine), JOB_BILLED, lo, hi, now,
                         frozenset(job.id for job in mine if job.exposed_ports))


def storage_bytes(scn: Scenario, namespace: str) -> tuple[int, int]:
    """(private, public) bytes stored by a namespace across models, datasets and Spaces.

    A protected Space's files are not public: its bytes count as private.
    """
    private = public = 0
    for size, priv, ns in [(r.used_storage, r.private, r.namespace) for r in scn.repos] + [
            (s.used_storage, s.private or s.protected, s.namespace) for s in scn.spaces]:
        if ns != namespace:
            continue
        if priv:
            private += size
        else:
            public += size
    return private, public


def private_allowance(scn: Scenario, namespace: str) -> int:
    """Private storage included in the namespace's plan, bytes."""
    org = scn.org(namespace)
    if org is not None:
        return TB * org.seats
    return PRIVATE_ALLOWANCE.get(scn.user.plan, TB)


def storage_line(scn: Scenario, namespace: str, lo: datetime) -> Line:
    """The private-storage overage line of a namespace (quantity in whole TB, rounded up)."""
    private, _ = storage_bytes(scn, namespace)
    over = max(0, private - private_allowance(scn, namespace))
    tbs = -(-over // TB)
    org = scn.org(namespace)
    owner_id = org.id if org is not None else scn.user.id  # entityId is always a 24-hex id (the spec's schema)
    return Line("storage", owner_id, "private storage above the plan allowance", "hf/repository-storage",
                "Repository storage", tbs, STORAGE_TB_MICRO_USD, lo, None, True, unit_label="TB")


def all_lines(scn: Scenario, namespace: str, lo: datetime, hi: datetime, now: datetime) -> list[Line]:
    """Every usage line of a namespace for the window: Spaces, Endpoints, Jobs, storage."""
    return (space_lines(scn, namespace, lo, hi, now) + endpoint_lines(scn, namespace, lo, hi, now)
            + job_lines(scn, namespace, lo, hi, now) + [storage_line(scn, namespace, lo)])
