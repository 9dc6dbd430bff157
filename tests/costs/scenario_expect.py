"""Expected figures computed straight from a fake-hub Scenario's definition, without hfmon's cost code.

The rules are the documented ones (hf-api.md 3.6, 5.3, 6.6, 7), written out again here on purpose:
billed states, whole minutes x replicas, per-minute unit prices in micro-USD rounded half up from the
hourly price, $0.01 an hour more for a Job that exposes ports, placeholders of $0.01 until a request settles.
ZeroGPU (hf-api.md 0.5): no hosting is billed; GPU-minutes over the daily quota are, at $1 per 10 minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import ROUND_HALF_UP, Decimal

from hfmon.fakehub import FakeHub, Scenario
from hfmon.fakehub.timeline import Interval
from hfmon.history import History, PollRun, StateChange

SPACE_BILLED = {"APP_STARTING", "RUNNING", "RUNNING_BUILDING", "RUNNING_APP_STARTING"}
ENDPOINT_BILLED = {"initializing", "running"}
JOB_BILLED = {"RUNNING"}
MICRO = Decimal("0.000001")
PLACEHOLDER_USD = Decimal("0.01")
ZERO_GPU_OVERAGE_USD_PER_MINUTE = Decimal("0.1")  # $1 per 10 GPU-minutes over the quota
EXPOSED_USD_PER_HOUR = Decimal("0.01")  # a Job that exposes ports, per job (hf-api.md 7)


def period_of(now: datetime) -> tuple[datetime, datetime]:
    """The calendar month containing `now`."""
    start = datetime(now.year, now.month, 1, tzinfo=UTC)
    end = datetime(now.year + (now.month == 12), now.month % 12 + 1, 1, tzinfo=UTC)
    return start, end


def unit_micro(hourly: Decimal) -> int:
    """Per-minute micro-USD of an hourly USD price, rounded half up."""
    return int((hourly * 1_000_000 / 60).quantize(Decimal(1), rounding=ROUND_HALF_UP))


@dataclass
class Expected:
    """What one resource should show."""

    minutes: int = 0  # replica-minutes billed this period
    billed_micro: int = 0
    catalog_micro_per_min: int | None = None  # the live catalog's price, None = unpriced
    hourly: Decimal | None = None  # live price per hour (endpoints: pricePerHour)
    replicas_now: int = 0
    billed_seconds: int = 0  # wall time billed in the window
    lines: int = 0
    granted: bool = False  # hardware granted: the account pays nothing for it, now or billed
    overage_minutes: int = 0  # ZeroGPU GPU-minutes over the quota billed this period (not in `minutes`)

    @property
    def overage_usd(self) -> Decimal:
        return self.overage_minutes * ZERO_GPU_OVERAGE_USD_PER_MINUTE

    @property
    def billed_usd(self) -> Decimal:
        return Decimal(0) if self.granted else Decimal(self.billed_micro) / 10**6 + self.overage_usd

    @property
    def recomputed_usd(self) -> Decimal | None:
        if self.granted:
            return Decimal(0)
        if self.hourly is None:
            return None
        return (self.hourly * self.minutes / 60 + self.overage_usd).quantize(MICRO)

    @property
    def cost_per_hour(self) -> Decimal | None:
        if self.replicas_now == 0 or self.granted:
            return Decimal(0)
        return None if self.hourly is None else self.hourly * self.replicas_now


def _walk(timeline: tuple[Interval, ...], billed: set[str], lo: datetime, now: datetime, unit: dict[str, int],
          exp: Expected) -> None:
    prev_key = None
    for iv in timeline:
        a, b = max(iv.start, lo), min(iv.end or now, now)
        on = iv.state in billed and iv.replicas > 0
        if on and iv.start <= now and (iv.end is None or now < iv.end):
            exp.replicas_now = iv.replicas
        if not on or b <= a:
            prev_key = None
            continue
        exp.billed_seconds += int((b - a).total_seconds())  # its uptime, on ZeroGPU too
        if iv.hardware.startswith("zero-"):  # ZeroGPU hosting is not billed: no minutes, no line
            prev_key = None
            continue
        mins = int((b - a).total_seconds()) // 60
        exp.minutes += mins * iv.replicas
        exp.billed_micro += mins * iv.replicas * unit[iv.hardware]
        key = (iv.hardware, iv.replicas)
        if key != prev_key:
            exp.lines += 1
        prev_key = key


def spaces(scn: Scenario, now: datetime) -> dict[str, Expected]:
    """Expected figures of every Space, by id."""
    lo, _ = period_of(now)
    out = {}
    for sp in scn.spaces:
        exp = Expected(granted=sp.granted)
        unit: dict[str, int] = {}
        for hw in {iv.hardware for iv in sp.timeline}:
            flavor = next((f for f in scn.space_flavors if f.name == hw), None)
            odd = {d.kind: d.value for d in scn.discrepancies if d.resource == sp.id}
            unit[hw] = odd.get("unit_price", odd.get("uncataloged", 0) if flavor is None else
                               unit_micro(flavor.hourly_usd))
            if flavor is not None and hw == sp.requested_hardware:
                exp.catalog_micro_per_min = unit_micro(flavor.hourly_usd)
                exp.hourly = Decimal(unit_micro(flavor.hourly_usd)) * 60 / 10**6
        _walk(sp.timeline, SPACE_BILLED, lo, now, unit, exp)
        exp.overage_minutes = sum(min(minutes, int((now - at).total_seconds()) // 60)
                                  for at, minutes in sp.zero_gpu_overage if lo <= at < now)
        exp.lines += bool(exp.overage_minutes)
        out[sp.id] = exp
    return out


def endpoints(scn: Scenario, now: datetime) -> dict[str, Expected]:
    """Expected figures of every Endpoint, by namespace/name."""
    lo, _ = period_of(now)
    out = {}
    for ep in scn.endpoints:
        odd = {d.kind: d.value for d in scn.discrepancies if d.resource == ep.id}
        c = ep.compute
        unit = {iv.hardware: odd.get("unit_price", unit_micro(c.price_per_hour)) for iv in ep.timeline}
        exp = Expected(hourly=c.price_per_hour)
        _walk(ep.timeline, ENDPOINT_BILLED, lo, now, unit, exp)
        if "minutes" in odd and exp.lines:
            exp.minutes += odd["minutes"]
            exp.billed_micro += odd["minutes"] * unit[ep.timeline[0].hardware]
        out[ep.id] = exp
    return out


def jobs(scn: Scenario, now: datetime) -> dict[str, Expected]:
    """Expected figures of every Job, by id."""
    lo, _ = period_of(now)
    out = {}
    for job in scn.jobs:
        flavor = next(f for f in scn.job_flavors if f.name == job.flavor)
        u = unit_micro(flavor.hourly_usd)
        # exposed ports: $0.01/h more per job; HF's line bills the per-minute unit of the whole hourly price
        extra = EXPOSED_USD_PER_HOUR if job.exposed_ports else Decimal(0)
        exp = Expected(hourly=Decimal(u) * 60 / 10**6 + extra)
        billed_unit = unit_micro(flavor.hourly_usd + extra) if extra else u
        _walk(job.timeline, JOB_BILLED, lo, now, dict.fromkeys({iv.hardware for iv in job.timeline}, billed_unit),
              exp)
        out[job.id] = exp
    return out


def job_seconds_left(scn: Scenario, job_id: str, now: datetime) -> int:
    """Seconds Job `job_id` can still run before HF stops it at its timeout (30 min when it sets none)."""
    job = next(j for j in scn.jobs if j.id == job_id)
    return (job.timeout_s or 30 * 60) - billed_seconds(job.timeline, {"RUNNING"}, datetime(2000, 1, 1, tzinfo=UTC), now)


def billed_seconds(timeline: tuple[Interval, ...], billed: set[str], lo: datetime, hi: datetime) -> int:
    """Wall seconds of [lo, hi) spent in a billed state with at least one replica."""
    return sum(max(0, int((min(iv.end or hi, hi) - max(iv.start, lo)).total_seconds()))
               for iv in timeline if iv.state in billed and iv.replicas > 0)


def timelines(scn: Scenario) -> dict[tuple[str, str], tuple[set[str], tuple[Interval, ...]]]:
    """(billed states, timeline) of every resource by (kind, key)."""
    out: dict[tuple[str, str], tuple[set[str], tuple[Interval, ...]]] = {}
    out.update({("space", sp.id): (SPACE_BILLED, sp.timeline) for sp in scn.spaces})
    out.update({("endpoint", ep.id): (ENDPOINT_BILLED, ep.timeline) for ep in scn.endpoints})
    out.update({("job", job.id): (JOB_BILLED, job.timeline) for job in scn.jobs})
    return out


def history(scn: Scenario, now: datetime) -> History:
    """The state changes a store polling every minute since each resource appeared would hold."""
    hardware = {ep.id: f"{ep.compute.vendor}/{ep.compute.instance_type}/{ep.compute.instance_size}"
                for ep in scn.endpoints}
    changes = [StateChange(kind, key, iv.start, iv.state, hardware.get(key, iv.hardware), iv.replicas)
               for (kind, key), (_, timeline) in timelines(scn).items() for iv in timeline if iv.start < now]
    first = min((c.at for c in changes), default=now)
    return History(changes=tuple(sorted(changes, key=lambda c: c.at)), poll_runs=(PollRun(first, now, 60.0),))


def inference(hub: FakeHub, namespace: str, now: datetime, *, live: bool = False,
              until: datetime | None = None) -> tuple[Decimal, int, dict[str, Decimal]]:
    """(used USD incl. placeholders, requests, USD by provider) of the period so far (up to `until`, as read now).

    hfmon asks usage-v2 for [period start, now): a request made at the very second of the poll is not in it;
    the live usage stream (`live`, the per-provider split) covers the period up to and including now.
    """
    lo, _ = period_of(now)
    hi = until if until is not None else now + timedelta(seconds=1) if live else now
    cutoff = now - timedelta(seconds=hub.scenario.settle_delay_s)
    used, n, by = Decimal(0), 0, dict[str, Decimal]()
    for r in hub.traffic.requests(namespace, lo, hi, now):
        cost = Decimal(r.cost_nano_usd) / 10**9 if datetime.fromtimestamp(r.t, UTC) <= cutoff else PLACEHOLDER_USD
        used += cost
        n += 1
        by[r.provider] = by.get(r.provider, Decimal(0)) + cost
    return used, n, by
